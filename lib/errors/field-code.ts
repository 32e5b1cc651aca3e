/**
 * `clientId` → `CLIENT_ID`, `retryOn401` → `RETRY_ON_401`: how a field is named in a stable error
 * code (`ERR_MCA_INVALID_CLIENT_ID`). Here, under every layer, because the codes are built in
 * several (the settings, the token core's file reads, the axios transport's refused options).
 */
export function constantCase(field: string): string {
  return field
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([a-zA-Z])([0-9])/g, '$1_$2')
    .toUpperCase();
}

/** The part of an incoming request the seed function reads. Express's and Node's requests fit. */
export interface RequestWithHeaders {
  headers?: { authorization?: string; [name: string]: unknown };
}

/**
 * The seed SDK's `getAuthorizationHeaderFromIncomingRequest(req)`: the caller's own
 * `Authorization` header, as it is (undefined when absent), for compatibility.
 *
 * Forwarding a caller's token to another service is the "confused deputy" pattern: the back end
 * then acts with whatever rights the caller's token has, for whatever the caller asked, and a
 * token meant for this service travels to one it was not issued for. Prefer this package's own
 * token (`req.mcaAuth()`, `req.mcaClient`, `getAuthorizationHeader()`), which names this service.
 */
export function getAuthorizationHeaderFromIncomingRequest(req: RequestWithHeaders | null | undefined): string | undefined {
  return req?.headers?.authorization;
}

// `token`: one real token request, and the Authorization header value on stdout, for
// curl -H "Authorization: $(npx express-mca-oauth token)".
import type { ProviderConfig } from '../settings/resolve-config';
import { createTokenEndpoint } from '../token/token-endpoint';
import type { Out } from './output';

export async function token(config: ProviderConfig, out: Out): Promise<void> {
  const endpoint = createTokenEndpoint(config);
  try {
    const grant = await endpoint.requestToken(new AbortController().signal, config.timeoutMs);
    out(`Bearer ${grant.accessToken}`);
  } finally {
    endpoint.close();
  }
}

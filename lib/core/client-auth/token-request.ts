import type { ClientAuth } from './client-auth';

/** Headers and body of one token request, ready to send. */
export interface PreparedTokenRequest {
  headers: Record<string, string>;
  body: string;
}

export interface TokenRequestShape {
  tokenUrl: string;
  auth: ClientAuth;
  scope: string | undefined;
  audience: string | undefined;
  resource: string | undefined;
}

/**
 * Puts a request together: `grant_type` first, then the client's fields, then `scope`,
 * `audience` and `resource` when configured. The client part is asked for at each attempt.
 */
export function tokenRequestBuilder(shape: TokenRequestShape): () => Promise<PreparedTokenRequest> {
  const tail: [string, string][] = [];
  if (shape.scope !== undefined) tail.push(['scope', shape.scope]);
  if (shape.audience !== undefined) tail.push(['audience', shape.audience]);
  if (shape.resource !== undefined) tail.push(['resource', shape.resource]);
  const { auth, tokenUrl } = shape;
  return async () => {
    // Wall clock, not the injectable one: the server checks an assertion's iat/exp against its own.
    const part = await auth.prepare({ tokenUrl, now: Date.now() });
    const form = new URLSearchParams({ grant_type: auth.grantType });
    for (const [name, value] of part.form) form.append(name, value);
    for (const [name, value] of tail) form.append(name, value);
    return {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...part.headers },
      body: form.toString(),
    };
  };
}

import type { ClientAuth, FormField, FormLayout } from './client-auth';

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

/** The usual layout: `grant_type` first, then the method's fields, then the tail, WHATWG encoding. */
export const oauthFormLayout: FormLayout = (grantType, fields, tail) => {
  const form = new URLSearchParams({ grant_type: grantType });
  for (const [name, value] of fields) form.append(name, value);
  for (const [name, value] of tail) form.append(name, value);
  return form.toString();
};

/**
 * Puts a request together: `grant_type` first, then the client's fields, then `scope`,
 * `audience` and `resource` when configured. The client part is asked for at each attempt.
 */
export function tokenRequestBuilder(shape: TokenRequestShape): () => Promise<PreparedTokenRequest> {
  const tail: FormField[] = [];
  if (shape.scope !== undefined) tail.push(['scope', shape.scope]);
  if (shape.audience !== undefined) tail.push(['audience', shape.audience]);
  if (shape.resource !== undefined) tail.push(['resource', shape.resource]);
  const { auth, tokenUrl } = shape;
  const layout = auth.formLayout ?? oauthFormLayout;
  return async () => {
    // Wall clock, not the injectable one: the server checks an assertion's iat/exp against its own.
    const part = await auth.prepare({ tokenUrl, now: Date.now() });
    return {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...part.headers },
      body: layout(auth.grantType, part.form, tail),
    };
  };
}

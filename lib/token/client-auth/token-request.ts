import type { ClientAuth, FormField, FormLayout } from './client-auth';

/** Headers and body of one token request, ready to send. */
export interface PreparedTokenRequest {
  headers: Record<string, string>;
  body: string;
}

/**
 * A grant other than the client's own for one request (token exchange, on behalf of a user): its
 * `grant_type` and fields, sent with the same client authentication, endpoint and tail. The seam
 * that lets one endpoint serve per-user grants without an endpoint per user.
 */
export interface GrantOverride {
  readonly grantType: string;
  /** Sent right after `grant_type`, before the client's fields. */
  readonly fields: readonly FormField[];
  /** Sent after `scope`, `audience` and `resource`. */
  readonly tail?: readonly FormField[];
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
export function tokenRequestBuilder(shape: TokenRequestShape): (grant?: GrantOverride) => Promise<PreparedTokenRequest> {
  const tail: FormField[] = [];
  if (shape.scope !== undefined) tail.push(['scope', shape.scope]);
  if (shape.audience !== undefined) tail.push(['audience', shape.audience]);
  if (shape.resource !== undefined) tail.push(['resource', shape.resource]);
  const { auth, tokenUrl } = shape;
  const layout = auth.formLayout ?? oauthFormLayout;
  return async (grant) => {
    // Wall clock, not the injectable one: the server checks an assertion's iat/exp against its own.
    const part = await auth.prepare({ tokenUrl, now: Date.now() });
    return {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...part.headers },
      body:
        grant === undefined
          ? layout(auth.grantType, part.form, tail)
          : layout(grant.grantType, [...grant.fields, ...part.form], grant.tail === undefined ? tail : [...tail, ...grant.tail]),
    };
  };
}

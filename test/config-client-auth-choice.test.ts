// Which client authentication a configuration resolves to, and how the credential leaves the
// process: what a real token server on loopback receives (a Basic header, form fields, or a
// client assertion signed by which key), and what an operator reads when the settings name two
// credentials, half of one, or a value of the wrong type (the code, the field, and the fix).
import { X509Certificate, createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenProvider, isMcaConfigError, mcaOAuth, type TokenProvider } from '../lib';
import { resolveProviderConfig } from '../lib/settings/resolve-config';
import { TestCa, rsaKey, type TestKey } from './helpers/certificates';
import { startTokenServer, type TokenServer } from './helpers/token-server';
import { thrown } from './helpers/thrown';

const SECRET = 'choice-s3cret';
const ca = new TestCa();
const optionKey = rsaKey();
const envKey = rsaKey();
const certificatePem = ca.issue(optionKey, 'client-1');
const dir = mkdtempSync(join(tmpdir(), 'mca-auth-choice-'));
const optionKeyFile = join(dir, 'option-key.pem');
const envKeyFile = join(dir, 'env-key.pem');
const certificateFile = join(dir, 'client.crt');
writeFileSync(optionKeyFile, optionKey.privatePem);
writeFileSync(envKeyFile, envKey.privatePem);
writeFileSync(certificateFile, certificatePem);
const assertionFile = join(dir, 'assertion.jwt');
writeFileSync(assertionFile, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGllbnQtMSJ9.c2ln');
afterAll(() => {
  ca.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** The configuration error `options` resolve to (a provider that needs no network to be refused). */
function refusal(options: Record<string, unknown>): { code?: string; field?: string; message: string } {
  const error = thrown(() => resolveProviderConfig({ envFile: false, env: {}, tokenUrl: 'http://127.0.0.1:9/token', clientId: 'client-1', ...options }));
  expect(isMcaConfigError(error)).toBe(true);
  expect(error.message).not.toContain(SECRET);
  return error;
}

function clientAuthOf(options: Record<string, unknown>): string {
  return resolveProviderConfig({ envFile: false, env: {}, tokenUrl: 'http://127.0.0.1:9/token', clientId: 'client-1', ...options }).clientAuth;
}

describe('what the token server receives', () => {
  let server: TokenServer;
  const providers: TokenProvider[] = [];
  beforeEach(async () => {
    server = await startTokenServer({ secret: SECRET });
  });
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.close()));
    await server.close();
  });

  async function fetchWith(options: Record<string, unknown>): Promise<{ authorization?: string; form: URLSearchParams }> {
    const provider = createTokenProvider({ envFile: false, env: {}, tokenUrl: `${server.origin}/token`, clientId: 'client-1', retries: 0, ...options });
    providers.push(provider);
    await provider.getAuthorizationHeader();
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    return { authorization: request!.headers.authorization, form: new URLSearchParams(request!.body) };
  }

  /** Fetches with a client assertion (the server is told to accept it) and returns its JWS parts. */
  async function assertionWith(
    options: Record<string, unknown>,
  ): Promise<{ header: Record<string, unknown>; claims: Record<string, unknown>; signedBy: (key: TestKey) => boolean }> {
    server.script.push({ body: { access_token: 'jwt-token', token_type: 'Bearer', expires_in: 3600 } });
    const { authorization, form } = await fetchWith(options);
    expect(authorization).toBeUndefined();
    expect(form.get('client_secret')).toBeNull();
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const [h, p, s] = form.get('client_assertion')!.split('.') as [string, string, string];
    return {
      header: JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>,
      claims: JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>,
      signedBy: (key) => verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey(key.privateKey), Buffer.from(s, 'base64url')),
    };
  }

  it('a secret alone goes in a Basic header, not in the form', async () => {
    const { authorization, form } = await fetchWith({ secret: SECRET });
    expect(authorization).toBe(`Basic ${Buffer.from(`client-1:${SECRET}`).toString('base64')}`);
    expect(form.get('client_secret')).toBeNull();
  });

  it('clientAuth "POST" (in capitals) sends the id and secret as form fields and no Authorization header', async () => {
    const { authorization, form } = await fetchWith({ secret: SECRET, clientAuth: 'POST' });
    expect(authorization).toBeUndefined();
    expect(form.get('client_id')).toBe('client-1');
    expect(form.get('client_secret')).toBe(SECRET);
  });

  it('a privateKey option wins over MCA_PRIVATE_KEY_FILE in the environment: the assertion is signed with the option key', async () => {
    const { signedBy } = await assertionWith({ privateKey: optionKey.privatePem, env: { MCA_PRIVATE_KEY_FILE: envKeyFile } });
    expect(signedBy(optionKey)).toBe(true);
  });

  it('a privateKeyFile option wins over MCA_PRIVATE_KEY in the environment: the assertion is signed with the file key', async () => {
    const { signedBy } = await assertionWith({ privateKeyFile: optionKeyFile, env: { MCA_PRIVATE_KEY: envKey.privatePem } });
    expect(signedBy(optionKey)).toBe(true);
  });

  it('MCA_PRIVATE_KEY_FILE alone signs with the key in that file; MCA_PRIVATE_KEY alone with that key', async () => {
    expect((await assertionWith({ env: { MCA_PRIVATE_KEY_FILE: envKeyFile } })).signedBy(envKey)).toBe(true);
    server.requests.length = 0;
    expect((await assertionWith({ env: { MCA_PRIVATE_KEY: envKey.privatePem } })).signedBy(envKey)).toBe(true);
  });

  it('a key given as a JWK object or a KeyObject signs the assertion', async () => {
    const jwk = optionKey.privateKey.export({ format: 'jwk' });
    expect((await assertionWith({ privateKey: jwk })).signedBy(optionKey)).toBe(true);
    server.requests.length = 0;
    expect((await assertionWith({ privateKey: optionKey.privateKey })).signedBy(optionKey)).toBe(true);
  });

  it('keyId becomes the kid of the assertion header and assertionAudience its aud claim; without them, no kid and the token URL', async () => {
    const named = await assertionWith({ privateKey: optionKey.privatePem, keyId: 'key-7', assertionAudience: 'https://issuer.example.com' });
    expect(named.header.kid).toBe('key-7');
    expect(named.claims.aud).toBe('https://issuer.example.com');
    server.requests.length = 0;
    const plain = await assertionWith({ privateKey: optionKey.privatePem });
    expect(plain.header.kid).toBeUndefined();
    expect(plain.claims.aud).toBe(`${server.origin}/token`);
  });

  it('a certificate option with x5c sends the chain; a certificateFile with x5t sends its SHA-1 thumbprint', async () => {
    const certificate = new X509Certificate(certificatePem);
    const withChain = await assertionWith({ privateKey: optionKey.privatePem, certificate: certificatePem, x5c: true });
    expect(withChain.header.x5c).toEqual([certificate.raw.toString('base64')]);
    expect(withChain.header.x5t).toBeUndefined();
    server.requests.length = 0;
    const withThumbprint = await assertionWith({ privateKey: optionKey.privatePem, certificateFile, x5t: true });
    expect(withThumbprint.header.x5t).toBe(createHash('sha1').update(certificate.raw).digest('base64url'));
    expect(withThumbprint.header.x5c).toBeUndefined();
  });
});

describe('the client authentication chosen without clientAuth', () => {
  it('a secret means basic, a key means private_key_jwt, an assertion file assertion_file, and an explicit clientAuth with both picks one', () => {
    expect(clientAuthOf({ secret: SECRET })).toBe('basic');
    expect(clientAuthOf({ privateKey: optionKey.privatePem })).toBe('private_key_jwt');
    expect(clientAuthOf({ secret: SECRET, privateKey: optionKey.privatePem, clientAuth: 'post' })).toBe('post');
    expect(clientAuthOf({ secret: SECRET, privateKey: optionKey.privatePem, clientAuth: 'private_key_jwt' })).toBe('private_key_jwt');
    // The name `check` shows for a platform-signed assertion file.
    expect(clientAuthOf({ clientAssertionFile: assertionFile })).toBe('assertion_file');
  });

  it('a secret and a private key without clientAuth are refused, naming clientAuth and its variable', () => {
    expect(refusal({ secret: SECRET, privateKey: optionKey.privatePem })).toMatchObject({
      code: 'ERR_MCA_CONFLICTING_OPTIONS',
      field: 'clientAuth',
      message: expect.stringMatching(
        /Both a client secret and a private key are configured\. Set `clientAuth` \("basic", "post" or "private_key_jwt", env MCA_CLIENT_AUTH\) to say which one to use\.$/,
      ) as unknown,
    });
  });

  it('clientAuth private_key_jwt without a key asks for one, with every way to give it', () => {
    expect(refusal({ secret: SECRET, clientAuth: 'private_key_jwt' })).toMatchObject({
      code: 'ERR_MCA_MISSING_PRIVATE_KEY',
      field: 'privateKey',
      message: expect.stringMatching(
        /^Missing `privateKey` \(clientAuth is private_key_jwt\)\. Pass `privateKey` \(PEM, JWK or KeyObject\) or `privateKeyFile`, or set MCA_PRIVATE_KEY or MCA_PRIVATE_KEY_FILE in the environment or \.env\.$/,
      ) as unknown,
    });
  });

  it('an unknown clientAuth says where it came from and the values allowed', () => {
    expect(refusal({ secret: SECRET, clientAuth: 'bogus' })).toMatchObject({
      code: 'ERR_MCA_INVALID_CLIENT_AUTH',
      field: 'clientAuth',
      message: 'Invalid `clientAuth` (from the `clientAuth` option): it must be "basic", "post" or "private_key_jwt".',
    });
    expect(refusal({ secret: SECRET, env: { MCA_CLIENT_AUTH: 'bogus' } }).message).toContain('(from MCA_CLIENT_AUTH in the environment)');
  });

  it('a client id with ":" is refused for Basic, with the fix; post and private_key_jwt take it', () => {
    expect(refusal({ clientId: 'a:b', secret: SECRET })).toMatchObject({
      code: 'ERR_MCA_INVALID_CLIENT_ID',
      field: 'clientId',
      message: expect.stringMatching(
        /\(from the `clientId` option\): it contains ":", which Basic authentication cannot carry\. Use `clientAuth: "post"`\.$/,
      ) as unknown,
    });
    expect(clientAuthOf({ clientId: 'a:b', secret: SECRET, clientAuth: 'post' })).toBe('post');
    expect(clientAuthOf({ clientId: 'a:b', privateKey: optionKey.privatePem })).toBe('private_key_jwt');
  });

  it('a client assertion file beside a clientAuth, a private key or a secret is refused, naming the other one', () => {
    for (const [other, options] of [
      ['clientAuth', { clientAuth: 'post', secret: SECRET }],
      ['privateKey', { privateKey: optionKey.privatePem, secret: SECRET }],
      ['secret', { secret: SECRET }],
    ] as const) {
      expect(refusal({ clientAssertionFile: join(dir, 'assertion'), ...options })).toMatchObject({
        code: 'ERR_MCA_CONFLICTING_OPTIONS',
        field: 'clientAssertionFile',
        message: `Both \`clientAssertionFile\` and \`${other}\` are set (options, environment or .env). Give only one of them.`,
      });
    }
  });
});

describe('refused private key, certificate and header settings', () => {
  it('a privateKey that is not a PEM string, a JWK or a KeyObject is refused with what it must be', () => {
    for (const privateKey of [42, [], '', '   ', true, null]) {
      expect(refusal({ privateKey })).toMatchObject({
        code: 'ERR_MCA_INVALID_PRIVATE_KEY',
        field: 'privateKey',
        message: 'Invalid `privateKey`: it must be a PEM string, a JWK (object or JSON text) or a KeyObject.',
      });
    }
  });

  it('a key and a key file, both as options or both in the environment, are refused naming privateKey', () => {
    const expected = {
      code: 'ERR_MCA_CONFLICTING_OPTIONS',
      field: 'privateKey',
      message: 'Both `privateKey` and `privateKeyFile` are set (options, environment or .env). Give only one of them.',
    };
    expect(refusal({ privateKey: optionKey.privatePem, privateKeyFile: optionKeyFile })).toMatchObject(expected);
    expect(refusal({ env: { MCA_PRIVATE_KEY: envKey.privatePem, MCA_PRIVATE_KEY_FILE: envKeyFile } })).toMatchObject(expected);
  });

  it('a certificate and a certificate file are refused naming certificate', () => {
    expect(refusal({ privateKey: optionKey.privatePem, certificate: certificatePem, certificateFile })).toMatchObject({
      code: 'ERR_MCA_CONFLICTING_OPTIONS',
      field: 'certificate',
      message: 'Both `certificate` and `certificateFile` are set (options, environment or .env). Give only one of them.',
    });
  });

  it('x5t or x5c that is not a boolean is refused under its own code and field', () => {
    for (const field of ['x5t', 'x5c'] as const) {
      expect(refusal({ privateKey: optionKey.privatePem, certificate: certificatePem, [field]: 'yes' })).toMatchObject({
        code: `ERR_MCA_INVALID_${field.toUpperCase()}`,
        field,
        message: `Invalid \`${field}\`: it must be true or false (default false).`,
      });
    }
  });

  it('x5t or x5c without a certificate asks for one, naming its variables; false needs none', () => {
    for (const field of ['x5t', 'x5c'] as const) {
      expect(refusal({ privateKey: optionKey.privatePem, [field]: true })).toMatchObject({
        code: `ERR_MCA_INVALID_${field.toUpperCase()}`,
        field,
        message: `Invalid \`${field}\`: it needs a \`certificate\` or \`certificateFile\` (env MCA_CERTIFICATE or MCA_CERTIFICATE_FILE).`,
      });
    }
    expect(clientAuthOf({ privateKey: optionKey.privatePem, x5t: false, x5c: false })).toBe('private_key_jwt');
  });

  it('an unsupported signing algorithm is refused with the algorithms allowed', () => {
    expect(refusal({ privateKey: optionKey.privatePem, signingAlgorithm: 'HS256' })).toMatchObject({
      code: 'ERR_MCA_INVALID_SIGNING_ALGORITHM',
      field: 'signingAlgorithm',
      message: 'Invalid `signingAlgorithm`: it must be one of RS256, PS256, ES256.',
    });
  });

  it("an entry's own private key of the wrong type is refused under the entry's field, with the fix", () => {
    // As a JavaScript caller (or JSON) could pass them: the types do not allow a number.
    for (const privateKey of [42, '  '] as unknown as string[]) {
      const error = thrown(() =>
        mcaOAuth({
          envFile: false,
          env: {},
          tokenUrl: 'http://127.0.0.1:9/token',
          clientId: 'client-1',
          secret: SECRET,
          protectedBackends: [{ match: 'https://b.example.com', clientId: 'jwt-client', tokenUrl: 'http://127.0.0.1:9/token', privateKey }],
        }),
      );
      expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PRIVATE_KEY', field: 'protectedBackends[0].privateKey' });
      expect(error.message).toMatch(
        /^Invalid `protectedBackends\[0\]\.privateKey`: it must be a PEM string, a JWK \(object or JSON text\) or a KeyObject\. The entry/,
      );
    }
  });
});

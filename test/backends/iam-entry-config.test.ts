// IAM settings on protectedBackends entries: what an entry inherits of the middleware's settings
// (and what it must not: another client's credential), the typed errors of bad entries (field,
// source, never the key), the JSON file form, the CLI, and no key in any rendering.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { runCli } from '../helpers/run-cli';
import { createEnvSource } from '../../lib/settings/env-source';
import { deriveProviderConfig } from '../../lib/settings/resolve-config';
import { resolveSettings } from '../../lib/settings/resolve-settings';
import { resolveBackends } from '../../lib/settings/resolve-backends';
import { leakedSecrets, reachableStrings, watchForLeaks } from '../helpers/leak-watch';
import { crTokenFile, startIamServer, type IamServer } from '../helpers/iam-server';
import { startClaimsTokenServer, type ClaimsTokenServer } from '../helpers/claims-token-server';

const MAIN_SECRET = 'main-s3cret-value';
const KEY_A = 'cfgA-Key_0123456789abcdefghijklmnopqrstuvwxyz';
const KEY_B = 'cfgB-Key_zyxwvutsrqponmlkjihgfedcba987654321';
const IAM_CLIENT = { id: 'bx', secret: 'bx-client-s3cret' };
const PEM = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const { dir, file: crFile, token: CR_TOKEN } = crTokenFile('mca-iam-entries-');
let tokens: ClaimsTokenServer;
let iam: IamServer;
let mw: McaOAuthMiddleware | undefined;
const secrets = (): string[] => [MAIN_SECRET, KEY_A, KEY_B, IAM_CLIENT.secret, CR_TOKEN, PEM, ...(iam?.issued ?? [])];
const watch = watchForLeaks(secrets);

beforeEach(async () => {
  tokens = await startClaimsTokenServer({ 'main-client': MAIN_SECRET, 'inv-client': MAIN_SECRET });
  iam = await startIamServer({
    apikeys: [KEY_A, KEY_B],
    profiles: [
      { field: 'profile_name', value: 'reader' },
      { field: 'profile_id', value: 'P-2' },
    ],
  });
  iam.crTokens.add(CR_TOKEN);
});
afterEach(async () => {
  await mw?.close();
  mw = undefined;
  await Promise.all([tokens.close(), iam.close()]);
});

const fields = (i: number): string[] => iam.requests[i]!.fields.map(([name]) => name);
const field = (i: number, name: string): string | undefined => iam.requests[i]!.fields.find(([n]) => n === name)?.[1];
const iamIdOf = (header: string): unknown => (JSON.parse(Buffer.from(header.split('.')[1]!, 'base64url').toString()) as { iam_id: string }).iam_id;

function make(options: Record<string, unknown>): McaOAuthMiddleware {
  mw = mcaOAuth({ env: {}, envFile: false, ...options });
  return mw;
}

describe('what an IAM entry inherits', () => {
  it('under an OAuth middleware configured from the environment: nothing of its client, audience or scope', async () => {
    const m = make({
      env: {
        MCA_CLIENT_ID: 'main-client',
        MCA_SECRET: MAIN_SECRET,
        MCA_TOKEN_URL: tokens.url,
        MCA_CLIENT_AUTH: 'post',
        MCA_AUDIENCE: 'orders',
        MCA_SCOPE: 'read',
      },
      protectedBackends: [{ match: 'https://cos.example.com', apikey: KEY_A, iamUrl: iam.url, name: 'cos' }],
    });
    expect(iamIdOf(await m.authorization('cos'))).toBe('iam-ServiceId-0');
    expect(fields(0)).toEqual(['apikey', 'grant_type', 'response_type']);
    expect(iam.requests[0]!.headers.authorization).toBeUndefined();
    await m.authorization();
    expect(tokens.issued.map((t) => t.claims)).toEqual([{ client: 'main-client', audience: 'orders', scope: 'read' }]);
  });

  it('under an IAM middleware: its iamUrl and scope, never its API key or IAM client', async () => {
    const other = await startIamServer({ apikeys: [KEY_A, KEY_B] });
    await iam.close();
    iam = await startIamServer({ apikeys: [KEY_A, KEY_B], client: IAM_CLIENT });
    try {
      const m = make({
        apikey: KEY_A,
        iamUrl: iam.url,
        scope: 'ibm openid',
        env: { MCA_IAM_CLIENT_ID: IAM_CLIENT.id, MCA_IAM_CLIENT_SECRET: IAM_CLIENT.secret },
        protectedBackends: [
          { match: 'https://a.example.com', apikey: KEY_B, iamUrl: other.url, name: 'elsewhere' },
          { match: 'https://b.example.com', apikey: KEY_B, name: 'inherits-url' },
        ],
      });
      // Its own IAM URL: the other server refuses any Basic header, so the IAM client stayed behind.
      expect(iamIdOf(await m.authorization('elsewhere'))).toBe('iam-ServiceId-1');
      expect(other.requests[0]!.fields.find(([n]) => n === 'scope')?.[1]).toBe('ibm openid');
      // The middleware's IAM URL, without its IAM client: refused there (it wants the client).
      await expect(m.authorization('inherits-url').catch((e: unknown) => watch.collect(e))).resolves.toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT' });
      expect(iam.requests.map((r) => [field(iam.requests.indexOf(r), 'apikey') === KEY_B, r.headers.authorization])).toEqual([[true, undefined]]);
      expect(iamIdOf(await m.authorization())).toBe('iam-ServiceId-0');
    } finally {
      await other.close();
    }
  });

  it('a trusted profile under an OAuth middleware; a profile entry under a profile middleware takes its token file', async () => {
    const m = make({
      clientId: 'main-client',
      secret: MAIN_SECRET,
      tokenUrl: tokens.url,
      protectedBackends: [{ match: 'https://cos.example.com', iamProfileName: 'reader', crTokenFile: crFile, iamUrl: iam.url, name: 'cos' }],
    });
    expect(iamIdOf(await m.authorization('cos'))).toBe('iam-Profile-reader');
    expect(fields(0)).toEqual(['grant_type', 'cr_token', 'profile_name']);
    const p = make({
      iamProfileName: 'reader',
      crTokenFile: crFile,
      iamUrl: iam.url,
      protectedBackends: [
        { match: 'https://p2.example.com', iamProfileId: 'P-2', name: 'p2' },
        { match: 'https://key.example.com', apikey: KEY_B, name: 'key' },
      ],
    });
    expect(iamIdOf(await p.authorization('p2'))).toBe('iam-Profile-P-2');
    expect(field(1, 'cr_token')).toBe(CR_TOKEN);
    expect(iamIdOf(await p.authorization('key'))).toBe('iam-ServiceId-1');
    await m.close();
  });

  it('bound services: an OAuth entry under a Cloudant binding, an IAM entry under an MCA binding', async () => {
    const cloudant = JSON.stringify({ cloudantNoSQLDB: [{ name: 'orders-db', credentials: { apikey: KEY_A, url: 'https://acct.cloudant.example' } }] });
    const m = make({
      env: { VCAP_SERVICES: cloudant, MCA_SERVICE_NAME: 'orders-db', MCA_IAM_URL: iam.url },
      protectedBackends: [{ match: 'https://inv.example.com', clientId: 'inv-client', secret: MAIN_SECRET, tokenUrl: tokens.url, name: 'inv' }],
    });
    expect(iamIdOf(await m.authorization())).toBe('iam-ServiceId-0');
    expect(await m.authorization('inv')).toBe(`Bearer ${tokens.issued[0]!.token}`);
    expect(tokens.issued[0]!.claims).toEqual({ client: 'inv-client' });
    const mca = JSON.stringify({
      AdvancedMobileAccess: [
        { name: 'mca', credentials: { clientId: 'main-client', secret: MAIN_SECRET, tenantId: 't-1', serverUrl: tokens.url.replace('/oauth/token', '/imf') } },
      ],
    });
    const n = make({
      env: { VCAP_SERVICES: mca, VCAP_APPLICATION: JSON.stringify({ application_id: 'app-1' }) },
      protectedBackends: [{ match: 'https://cos.example.com', apikey: KEY_B, iamUrl: iam.url, name: 'cos' }],
    });
    expect(iamIdOf(await n.authorization('cos'))).toBe('iam-ServiceId-1');
    expect(await n.authorization()).toBe(`Bearer ${tokens.issued[1]!.token}`);
    await m.close();
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]>([
    ['a key, under a middleware with a secret', { secret: MAIN_SECRET }, { privateKey: PEM }, { clientAuth: 'private_key_jwt', secret: undefined }],
    ['a secret, under a middleware with an assertion file', { env: { MCA_CLIENT_ASSERTION_FILE: crFile } }, { secret: MAIN_SECRET }, { clientAuth: 'basic' }],
  ])('an OAuth entry with %s takes none of the middleware’s client authentication', (_name, middleware, settings, expected) => {
    const options = { clientId: 'main-client', tokenUrl: tokens.url, ...middleware };
    const env = createEnvSource((middleware.env ?? {}) as Record<string, string>, false);
    const items = [{ match: 'https://a.example.com', clientId: 'own-client', ...settings }];
    const main = resolveSettings(options, 'middleware', env);
    const resolved = resolveBackends({ items, from: 'the `protectedBackends` option' }, main, deriveProviderConfig(main));
    expect(resolved[0]!.config).toMatchObject({ clientId: 'own-client', ...expected });
  });
});

describe('bad IAM entries: typed errors that name the entry’s field and where the list came from, never the key', () => {
  const oauth = (): Record<string, unknown> => ({ clientId: 'main-client', secret: MAIN_SECRET, tokenUrl: tokens.url });
  const iamMain = (): Record<string, unknown> => ({ apikey: KEY_A, iamUrl: iam.url });
  it.each<[string, () => Record<string, unknown>, Record<string, unknown>, string, string]>([
    ['a key with a trailing space', oauth, { apikey: `${KEY_B} ` }, 'ERR_MCA_INVALID_APIKEY', 'apikey'],
    ['a key that is not a string', oauth, { apikey: 42 }, 'ERR_MCA_INVALID_APIKEY', 'apikey'],
    ['a key and a secret', oauth, { apikey: KEY_B, clientId: 'c', secret: MAIN_SECRET }, 'ERR_MCA_CONFLICTING_OPTIONS', 'secret'],
    ['a key and a client id', oauth, { apikey: KEY_B, clientId: 'c' }, 'ERR_MCA_CONFLICTING_OPTIONS', 'clientId'],
    ['a key and a profile', oauth, { apikey: KEY_B, iamProfileName: 'reader' }, 'ERR_MCA_CONFLICTING_OPTIONS', 'apikey'],
    ['a key and an audience', oauth, { apikey: KEY_B, audience: 'a' }, 'ERR_MCA_CONFLICTING_OPTIONS', 'audience'],
    ['a key and a token URL', oauth, { apikey: KEY_B, tokenUrl: 'https://auth.example.com/token' }, 'ERR_MCA_CONFLICTING_OPTIONS', 'tokenUrl'],
    ['a key and a private key', oauth, { apikey: KEY_B, privateKey: PEM }, 'ERR_MCA_CONFLICTING_OPTIONS', 'privateKey'],
    ['an iamUrl and no key (OAuth middleware)', oauth, { iamUrl: 'https://iam.example.com' }, 'ERR_MCA_MISSING_APIKEY', 'apikey'],
    ['plain http to a remote IAM', oauth, { apikey: KEY_B, iamUrl: 'http://iam.example.com' }, 'ERR_MCA_INVALID_IAM_URL', 'iamUrl'],
    ['an IAM URL with userinfo', oauth, { apikey: KEY_B, iamUrl: `https://u:${KEY_B}@iam.example.com` }, 'ERR_MCA_INVALID_IAM_URL', 'iamUrl'],
    ['a token file and no profile', iamMain, { crTokenFile: crFile }, 'ERR_MCA_MISSING_IAM_PROFILE_ID', 'iamProfileId'],
    ['an IAM client and no key', iamMain, { iamClientId: 'bx', iamClientSecret: IAM_CLIENT.secret }, 'ERR_MCA_MISSING_APIKEY', 'apikey'],
    ['half an IAM client', oauth, { apikey: KEY_B, iamClientId: 'bx' }, 'ERR_MCA_MISSING_IAM_CLIENT_SECRET', 'iamClientSecret'],
    ['two profiles', oauth, { iamProfileId: 'P-2', iamProfileName: 'reader', crTokenFile: crFile }, 'ERR_MCA_CONFLICTING_OPTIONS', 'iamProfileName'],
    ['a missing token file', oauth, { iamProfileId: 'P-2', crTokenFile: join(dir, 'nope') }, 'ERR_MCA_INVALID_CR_TOKEN_FILE', 'crTokenFile'],
    ['an audience under an IAM middleware', iamMain, { audience: 'a' }, 'ERR_MCA_CONFLICTING_OPTIONS', 'audience'],
    ['an assertion file and no client id', oauth, { clientAssertionFile: crFile }, 'ERR_MCA_MISSING_CLIENT_ID', 'clientId'],
    // `apikey: process.env.COS_APIKEY` with the variable unset: not "no settings" (the middleware's token would go there).
    ['an API key present but undefined', oauth, { apikey: undefined }, 'ERR_MCA_INVALID_APIKEY', 'apikey'],
    ['a profile present but undefined', iamMain, { iamProfileName: undefined }, 'ERR_MCA_INVALID_IAM_PROFILE_NAME', 'iamProfileName'],
    ['a secret present but undefined', oauth, { clientId: 'c', secret: undefined }, 'ERR_MCA_INVALID_SECRET', 'secret'],
  ])('%s', (_name, base, settings, code, name) => {
    let error: unknown;
    try {
      make({ ...base(), protectedBackends: ['https://a.example.com', { match: 'https://b.example.com', ...settings }] });
    } catch (e) {
      error = watch.collect(e);
    }
    expect(error).toMatchObject({ name: 'McaConfigError', code, field: `protectedBackends[1].${name}` });
    expect((error as Error).message).toContain(`\`protectedBackends[1].${name}\``);
    expect((error as Error).message).toContain('The entry is in the `protectedBackends` option.');
    expect(leakedSecrets(error, secrets())).toEqual([]);
  });

  it('a misspelt IAM setting gets a suggestion', () => {
    let error: unknown;
    try {
      make({ ...oauth(), protectedBackends: [{ match: 'https://b.example.com', apiKey: KEY_B }] });
    } catch (e) {
      error = watch.collect(e);
    }
    expect(error).toMatchObject({ code: 'ERR_MCA_UNKNOWN_OPTION', field: 'protectedBackends[0].apiKey' });
    expect((error as Error).message).toContain('did you mean `apikey`?');
  });

  it('messages say which of the conflicting settings the entry set and which the middleware did', () => {
    let error: unknown;
    try {
      make({ ...iamMain(), protectedBackends: [{ match: 'https://b.example.com', tokenUrl: 'https://auth.example.com/token' }] });
    } catch (e) {
      error = watch.collect(e);
    }
    expect((error as Error).message).toMatch(
      /IAM grant \(from the `apikey` option\) and `protectedBackends\[0\]\.tokenUrl` \(from `protectedBackends\[0\]\.tokenUrl`\)/,
    );
  });
});

describe('the JSON file form (protectedBackendsFile)', () => {
  it('carries IAM settings; an error names the file and what named it, never the key', async () => {
    const file = join(dir, 'backends.json');
    writeFileSync(file, JSON.stringify([{ match: 'https://cos.example.com', apikey: KEY_B, iamUrl: iam.url, name: 'cos' }, 'https://orders.example.com']));
    const m = make({ clientId: 'main-client', secret: MAIN_SECRET, tokenUrl: tokens.url, env: { MCA_PROTECTED_BACKENDS_FILE: file } });
    expect(iamIdOf(await m.authorization('cos'))).toBe('iam-ServiceId-1');
    expect(await m.authorization('https://orders.example.com/x')).toBe(await m.authorization());

    writeFileSync(file, JSON.stringify([{ match: 'https://cos.example.com', apikey: KEY_B, clientId: 'c', secret: MAIN_SECRET }]));
    let error: unknown;
    try {
      make({ clientId: 'main-client', secret: MAIN_SECRET, tokenUrl: tokens.url, protectedBackendsFile: file });
    } catch (e) {
      error = watch.collect(e);
    }
    expect(error).toMatchObject({ code: 'ERR_MCA_CONFLICTING_OPTIONS', field: 'protectedBackends[0].secret' });
    expect((error as Error).message).toContain(`The entry is in the JSON file ${file} (named by \`protectedBackendsFile\`).`);
    expect(leakedSecrets(error, secrets())).toEqual([]);
  });
  it.each<[string, Record<string, unknown>, string, string]>([
    ['a list that is not an array', { protectedBackends: 'https://a.example.com' }, 'ERR_MCA_INVALID_PROTECTED_BACKENDS', 'protectedBackends'],
    ['an empty file variable', { env: { MCA_PROTECTED_BACKENDS_FILE: ' ' } }, 'ERR_MCA_INVALID_PROTECTED_BACKENDS_FILE', 'protectedBackendsFile'],
    ['a file that cannot be read', { protectedBackendsFile: join(dir, 'missing.json') }, 'ERR_MCA_INVALID_PROTECTED_BACKENDS_FILE', 'protectedBackendsFile'],
    [
      'an entry with two tenants',
      { protectedBackends: [{ match: 'https://a.example.com', tenantId: 'a', appId: 'b' }] },
      'ERR_MCA_CONFLICTING_OPTIONS',
      'protectedBackends[0].tenantId',
    ],
  ])('%s is a typed error', (_name, options, code, name) => {
    let error: unknown;
    try {
      make({ clientId: 'main-client', secret: MAIN_SECRET, tokenUrl: tokens.url, ...options });
    } catch (e) {
      error = watch.collect(e);
    }
    expect(error).toMatchObject({ name: 'McaConfigError', code, field: name });
  });
});

describe('no API key in any rendering', () => {
  it('util.inspect and JSON of the middleware, its providers, stats and the resolved entries', async () => {
    const options = { clientId: 'main-client', secret: MAIN_SECRET, tokenUrl: tokens.url };
    const iamClient = { iamClientId: IAM_CLIENT.id, iamClientSecret: IAM_CLIENT.secret };
    const list = [
      { match: 'https://cos.example.com', apikey: KEY_A, iamUrl: iam.url, ...iamClient, name: 'cos' },
      { match: 'https://pr.example.com', iamProfileName: 'reader', crTokenFile: crFile, iamUrl: iam.url, ...iamClient, name: 'pr' },
    ];
    await iam.close();
    iam = await startIamServer({ apikeys: [KEY_A], client: IAM_CLIENT, profiles: [{ field: 'profile_name', value: 'reader' }] });
    iam.crTokens.add(CR_TOKEN);
    list[0]!.iamUrl = iam.url;
    list[1]!.iamUrl = iam.url;
    const m = make({ ...options, protectedBackends: list });
    await m.authorization('cos');
    await m.authorization('pr');
    const env = createEnvSource({}, false);
    const settings = resolveSettings(options, 'middleware', env);
    const resolved = resolveBackends({ items: list, from: 'the `protectedBackends` option' }, settings, deriveProviderConfig(settings));
    const keys = [KEY_A, KEY_B, IAM_CLIENT.secret, CR_TOKEN, Buffer.from(`${IAM_CLIENT.id}:${IAM_CLIENT.secret}`).toString('base64')];
    for (const thing of [m, m.backends, m.backends.get('cos'), m.backends.get('pr'), resolved]) {
      const text = [inspect(thing, { depth: Infinity, showHidden: true }), ...reachableStrings(thing)].join('\n');
      for (const key of keys) expect(text.includes(key)).toBe(false);
    }
    const json = JSON.stringify([m.stats(), resolved.map((r) => ({ ...r, config: { ...r.config, store: undefined } }))]);
    for (const key of keys) expect(json.includes(key)).toBe(false);
  });
});

describe('the CLI with an IAM entry', () => {
  it('token --backend and check --backend use the entry’s key, and show it only as ****', async () => {
    const file = join(dir, 'cli-backends.json');
    writeFileSync(file, JSON.stringify([{ match: 'https://cos.example.com', apikey: KEY_B, iamUrl: iam.url, scope: 'ibm', name: 'cos' }]));
    const run = async (args: string[]): Promise<{ status: number; text: string }> => {
      const { status, text } = await runCli(args);
      return { status, text };
    };
    const common = [
      '--no-env-file',
      '--client-id',
      'main-client',
      '--secret',
      MAIN_SECRET,
      '--token-url',
      tokens.url,
      '--scope',
      'orders',
      '--backends-file',
      file,
      '--backend',
      'cos',
    ];
    const token = await run(['token', ...common]);
    expect(token).toEqual({ status: 0, text: `Bearer ${iam.issued[0]}` });
    expect(iamIdOf(token.text)).toBe('iam-ServiceId-1');
    const check = await run(['check', ...common]);
    expect(check.status).toBe(0);
    expect(check.text).toMatch(/^grant\s+iam_apikey/m);
    expect(check.text).toMatch(/^apikey\s+\*\*\*\* \(from `protectedBackends\[0\]\.apikey`\)/m);
    expect(check.text).not.toMatch(/^clientId/m);
    expect(check.text).toMatch(/^scope\s+ibm\s+from protectedBackends\[0\]\.scope in .*cli-backends\.json$/m);
    expect(iam.requests.map((r) => r.fields.find(([n]) => n === 'scope')?.[1])).toEqual(['ibm', 'ibm']);
    for (const secret of [KEY_B, MAIN_SECRET]) expect(check.text).not.toContain(secret);
    writeFileSync(file, JSON.stringify([{ match: 'https://cos.example.com', apikey: ` ${KEY_B}`, iamUrl: iam.url, name: 'cos' }]));
    const bad = await run(['token', ...common]);
    expect(bad.status).toBe(1);
    expect(bad.text).toContain('ERR_MCA_INVALID_APIKEY');
    expect(bad.text).toContain('(named by --backends-file)');
    expect(bad.text).not.toContain(KEY_B);
  });
});

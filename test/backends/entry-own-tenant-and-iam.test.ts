// Which token server an entry's token comes from when the entry changes only part of it: a tenant
// given as `appId` (the seed SDK's name) is the entry's tenant, and a trusted-profile entry under an
// OAuth middleware may name the middleware's own IAM. Real parts: the MCA-style token server and
// the IAM-compatible server on loopback; each request's path or profile says whose token it is.
import { mcaOAuth, type McaOAuthMiddleware, type McaOAuthOptions } from '../../lib';
import { leakedSecrets } from '../helpers/leak-watch';
import { thrown } from '../helpers/thrown';
import { crTokenFile, startIamServer, type IamServer } from '../helpers/iam-server';
import { startClaimsTokenServer, type ClaimsTokenServer } from '../helpers/claims-token-server';
import { startTokenServer, type TokenServer } from '../helpers/token-server';
import { DEFAULT_CR_TOKEN_FILES } from '../../lib/token/client-auth/compute-resource-token';

const MAIN_SECRET = 's3cr3t-value';
const { file: crFile, token: CR_TOKEN } = crTokenFile('entry-own-iam-');

let mw: McaOAuthMiddleware | undefined;
afterEach(async () => {
  await mw?.close();
  mw = undefined;
});

describe('an MCA middleware whose entries name their own tenant', () => {
  let mca: TokenServer;
  beforeEach(async () => {
    mca = await startTokenServer({ clientId: 'main-client', secret: MAIN_SECRET });
  });
  afterEach(() => mca.close());

  it('an entry with an appId gets a token of that tenant; one with the same tenantId and appId is accepted', async () => {
    mw = mcaOAuth({
      env: {},
      envFile: false,
      clientId: 'main-client',
      secret: MAIN_SECRET,
      serverUrl: mca.serverUrl,
      tenantId: 't-0',
      protectedBackends: [
        { match: 'https://seed.example.com', appId: 't-2', audience: 'seed' },
        { match: 'https://both.example.com', tenantId: 't-3', appId: 't-3', audience: 'both' },
      ],
    });
    await mw.authorization('https://seed.example.com/x');
    await mw.authorization('https://both.example.com/x');
    await mw.authorization();
    expect(mca.requests.map((r) => r.url)).toEqual([
      '/imf-authserver/authorization/v1/apps/t-2/token',
      '/imf-authserver/authorization/v1/apps/t-3/token',
      '/imf-authserver/authorization/v1/apps/t-0/token',
    ]);
  });
});

describe('a trusted-profile entry under an OAuth middleware', () => {
  // Under an OAuth middleware, a profile entry without a token file of its own takes the
  // platform's (the first of IBM's mount paths that exists), and the IAM that file's token may go
  // to is IBM's (an OAuth middleware takes no iamUrl). Those paths belong to the platform and this
  // machine is shared, so this suite points the list at its temporary file, for its own module
  // instance, as test/client-auth/cr-token-default-files.test.ts does, and puts it back.
  const platformPaths = [...DEFAULT_CR_TOKEN_FILES];
  beforeAll(() => (DEFAULT_CR_TOKEN_FILES as string[]).splice(0, platformPaths.length, crFile));
  afterAll(() => (DEFAULT_CR_TOKEN_FILES as string[]).splice(0, DEFAULT_CR_TOKEN_FILES.length, ...platformPaths));
  let tokens: ClaimsTokenServer;
  let iam: IamServer;
  beforeEach(async () => {
    tokens = await startClaimsTokenServer({ 'main-client': MAIN_SECRET });
    iam = await startIamServer({ profiles: [{ field: 'profile_id', value: 'P-2' }] });
    iam.crTokens.add(CR_TOKEN);
  });
  afterEach(() => Promise.all([tokens.close(), iam.close()]));

  const options = (entryIamUrl: string): McaOAuthOptions => ({
    env: {},
    envFile: false,
    clientId: 'main-client',
    secret: MAIN_SECRET,
    tokenUrl: tokens.url,
    protectedBackends: [{ match: 'https://cos.example.com', iamProfileId: 'P-2', iamUrl: entryIamUrl, name: 'cos' }],
  });

  it("may name IBM's IAM, the one the middleware's configuration names, though the OAuth server is elsewhere", () => {
    // Where the workload's token may go is decided against the middleware's IAM, not its OAuth server.
    mw = mcaOAuth(options('https://iam.cloud.ibm.com/'));
    expect(mw.backends.size).toBe(2);
  });

  it("may not name another IAM: the platform's token file is the workload's credential", () => {
    const error = thrown(() => (mw = mcaOAuth(options(iam.url))));
    expect(error).toMatchObject({ code: 'ERR_MCA_BORROWED_CREDENTIAL', field: 'protectedBackends[0].iamUrl' });
    expect(error.message).toMatch(/Name the entry's own `crTokenFile`, or point it at the middleware's IAM/);
    expect(leakedSecrets(error, [CR_TOKEN, MAIN_SECRET])).toEqual([]);
    // Nothing was sent anywhere.
    expect(iam.requests).toHaveLength(0);
    expect(tokens.posts()).toBe(0);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComputeResourceToken, DEFAULT_CR_TOKEN_FILES } from '../../lib/token/client-auth/compute-resource-token';
import { fakeJwt } from '../helpers/iam-server';

// Without `crTokenFile`, the grant uses the first of IBM's mount paths that exists, looked for again
// at each request. Those paths are fixed and belong to the platform (and this machine is shared), so
// this suite points the list at a temporary directory for its own module instance, in the same
// order (vault-token, sa-token, Code Engine), and puts it back afterwards.
const dir = mkdtempSync(join(tmpdir(), 'mca-cr-defaults-'));
const [vault, sa, codeEngine] = ['vault-token', 'sa-token', 'codeengine-token'].map((name) => join(dir, name)) as [string, string, string];
const platformPaths = [...DEFAULT_CR_TOKEN_FILES];
beforeAll(() => (DEFAULT_CR_TOKEN_FILES as string[]).splice(0, platformPaths.length, vault, sa, codeEngine));
afterAll(() => {
  (DEFAULT_CR_TOKEN_FILES as string[]).splice(0, DEFAULT_CR_TOKEN_FILES.length, ...platformPaths);
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  for (const path of [vault, sa, codeEngine]) rmSync(path, { force: true });
});

const build = (): ComputeResourceToken => new ComputeResourceToken({ file: undefined, profile: { field: 'profile_id', value: 'Profile-1' } });

async function sentCrToken(auth: ComputeResourceToken): Promise<string | undefined> {
  const { form } = await auth.prepare();
  return form.find(([name]) => name === 'cr_token')?.[1];
}

describe('iam_cr_token without crTokenFile: the default files', () => {
  it('starts with the only default file that exists, sends it, and `check` names it as the first that exists', async () => {
    const token = fakeJwt('crn:code-engine');
    writeFileSync(codeEngine, token);
    const auth = build();
    expect(await sentCrToken(auth)).toBe(token);
    const line = auth.describe().find((entry) => entry.label === 'crTokenFile')!.value;
    expect(line.startsWith(`file ${codeEngine}, written `)).toBe(true);
    expect(line.endsWith('read at each token request (the first that exists of the default files)')).toBe(true);
  });

  it('looks again at each request: a file mounted earlier in IBM order is used from then on', async () => {
    writeFileSync(codeEngine, fakeJwt('crn:code-engine'));
    const auth = build();
    const vaultToken = fakeJwt('crn:vault');
    writeFileSync(vault, vaultToken);
    expect(await sentCrToken(auth)).toBe(vaultToken);
  });

  it('when every default file is gone after startup, the request fails with ERR_MCA_MISSING_CR_TOKEN_FILE', async () => {
    writeFileSync(sa, fakeJwt('crn:sa'));
    const auth = build();
    rmSync(sa);
    await expect(auth.prepare()).rejects.toMatchObject({ code: 'ERR_MCA_MISSING_CR_TOKEN_FILE', field: 'crTokenFile' });
  });

  it('a default file that exists but is empty is an error naming `crTokenFile`, at startup and at a request', async () => {
    writeFileSync(sa, '');
    expect(build).toThrow(expect.objectContaining({ code: 'ERR_MCA_INVALID_CR_TOKEN_FILE', field: 'crTokenFile' }) as Error);
    writeFileSync(sa, fakeJwt('crn:sa'));
    const auth = build();
    writeFileSync(sa, '\n');
    await expect(auth.prepare()).rejects.toMatchObject({ code: 'ERR_MCA_INVALID_CR_TOKEN_FILE', field: 'crTokenFile' });
  });
});

import express from 'express';
import request from 'supertest';
import {
  Constant,
  closeAuthorizationHeaderCache,
  createTokenProvider,
  getAuthorizationHeader,
  getAuthorizationHeaderBySecret,
  getAuthorizationHeaderFromIncomingRequest,
  mcaOAuth,
} from '../../lib';
import { startTokenServer, type TokenServer } from '../helpers/token-server';

let server: TokenServer;
beforeEach(async () => {
  server = await startTokenServer({ clientId: 'clientId', secret: 'secret', tenantId: 'appId' });
});
afterEach(async () => {
  await closeAuthorizationHeaderCache();
  await server.close();
  jest.restoreAllMocks();
});

describe('getAuthorizationHeaderFromIncomingRequest', () => {
  it("returns the caller's Authorization header as it is, or undefined", async () => {
    const app = express();
    app.get('/', (req, res) => void res.json({ header: getAuthorizationHeaderFromIncomingRequest(req) ?? null }));
    await request(app).get('/').set('Authorization', 'Bearer  caller.token ').expect(200, { header: 'Bearer  caller.token' });
    await request(app).get('/').expect(200, { header: null });
    expect(getAuthorizationHeaderFromIncomingRequest(undefined)).toBeUndefined();
    expect(getAuthorizationHeaderFromIncomingRequest({})).toBeUndefined();
  });
});

describe('the seed option object, exactly, with only the import changed', () => {
  it('getAuthorizationHeader and getAuthorizationHeaderBySecret({ cacheSize, appId, clientId, secret, serverUrl })', async () => {
    const options = { cacheSize: 100, appId: 'appId', clientId: 'clientId', secret: 'secret', serverUrl: server.serverUrl };
    await expect(getAuthorizationHeader(options)).resolves.toBe('Bearer tok-1');
    await expect(getAuthorizationHeaderBySecret(options)).resolves.toBe('Bearer tok-1');
    expect(server.requests).toHaveLength(1);
  });
});

describe('Constant: the seed names, this package codes', () => {
  const seed = { cacheSize: 100, appId: 'appId', clientId: 'clientId', secret: 'secret', serverUrl: '', env: {}, envFile: false as const };
  it.each([
    ['MISSING_SECRET_ERROR', { secret: undefined }],
    ['MISSING_CLIENTID_ERROR', { clientId: undefined }],
    ['MISSING_APPID_ERROR', { appId: undefined }],
    ['MISSING_SERVER_URL_ERROR', { serverUrl: undefined }],
  ] as const)('%s is the code the condition raises', async (name, change) => {
    const error = await getAuthorizationHeader({ ...seed, serverUrl: server.serverUrl, ...change }).catch((e: unknown) => e);
    expect((error as { code: string }).code).toBe(Constant[name]);
  });

  it('TOKEN_GENERATE_ERROR is the code of a failed token request', async () => {
    server.script.push({ status: 500 }, { status: 500 });
    const error = await getAuthorizationHeader({ ...seed, serverUrl: server.serverUrl, retries: 1, retryBaseMs: 1 }).catch((e: unknown) => e);
    expect((error as { code: string }).code).toBe(Constant.TOKEN_GENERATE_ERROR);
  });

  it('keeps the seed names and its non-error values', () => {
    expect(Object.keys(Constant).sort()).toEqual(
      [
        'AUTHORIZATION_BEARER',
        'CERTIFICATE_PATH',
        'PRIVATE_KEY_PATH',
        'MISSING_IMFSERVICEURL_ERROR',
        'MISSING_CLOUDCONTROLLERURL_ERROR',
        'MISSING_PEM_ERROR',
        'MISSING_SECRET_ERROR',
        'MISSING_CLIENTID_ERROR',
        'MISSING_SERVER_URL_ERROR',
        'MISSING_APPID_ERROR',
        'UAA_LOGIN_ERROR',
        'HAS_NOPERMISSION_ERROR',
        'TOKEN_GENERATE_ERROR',
      ].sort(),
    );
    expect(Constant.AUTHORIZATION_BEARER).toBe('BEARER');
    expect(Constant.CERTIFICATE_PATH).toBe('/imf_certificate/public-certificate.pem');
    expect(Object.isFrozen(Constant)).toBe(true);
  });
});

describe('lenient options in the seed API only', () => {
  it('the seed functions accept unknown keys, with one process warning per key and process', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const options = { cacheSize: 100, appId: 'appId', clientId: 'clientId', secret: 'secret', serverUrl: server.serverUrl, method: 'GET' };
    await expect(getAuthorizationHeader(options)).resolves.toBe('Bearer tok-1');
    await expect(getAuthorizationHeader({ ...options })).resolves.toBe('Bearer tok-1');
    await expect(getAuthorizationHeader({ ...options, serverURL: 'x', extra: 1 } as typeof options)).resolves.toBe('Bearer tok-1');
    await expect(getAuthorizationHeader({ ...options, serverURL: 'x' } as typeof options)).resolves.toBe('Bearer tok-1');
    const messages = warn.mock.calls.map((call) => String(call[0]));
    expect(messages).toHaveLength(3);
    expect(messages[0]).toMatch(/^getAuthorizationHeader\(\) ignores the unknown option `method`/);
    expect(messages[1]).toMatch(/`serverURL`.*Did you mean `serverUrl`\?/s);
    expect(messages[2]).toMatch(/`extra`/);
    expect(warn.mock.calls[0]![1]).toEqual({ type: 'McaOAuthWarning', code: 'MCA_UNKNOWN_OPTION' });
  });

  it("reads only the caller's own keys, as the strict check does", async () => {
    const inherited = Object.assign(Object.create({ secret: 'secret' }) as object, {
      appId: 'appId',
      clientId: 'clientId',
      serverUrl: server.serverUrl,
      env: {},
      envFile: false as const,
    });
    await expect(getAuthorizationHeader(inherited)).rejects.toMatchObject({ code: Constant.MISSING_SECRET_ERROR });
  });

  it('mcaOAuth and createTokenProvider stay strict', () => {
    const options = { appId: 'appId', clientId: 'clientId', secret: 'secret', serverUrl: server.serverUrl, env: {}, envFile: false as const };
    expect(() => mcaOAuth({ ...options, method: 'GET' } as never)).toThrow(expect.objectContaining({ code: 'ERR_MCA_UNKNOWN_OPTION' }));
    expect(() => createTokenProvider({ ...options, method: 'GET' } as never)).toThrow(expect.objectContaining({ code: 'ERR_MCA_UNKNOWN_OPTION' }));
  });
});

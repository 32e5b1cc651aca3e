import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { createTokenProvider } from '../lib';
import { thrown } from './helpers/thrown';

// private_key_jwt keys an operator may hold from older setups: a short RSA key (RFC 7518 §3.3:
// RS256/PS256 MUST use 2048 bits or more) and a passphrase-protected PEM.
const base = { env: {}, envFile: false, tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c', clientAuth: 'private_key_jwt' } as const;

describe('private_key_jwt refuses weak or unusable keys at startup', () => {
  it.each([1024, 1536])('an RSA %i-bit key is refused, for RS256 and PS256', (modulusLength) => {
    const pem = generateKeyPairSync('rsa', { modulusLength }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    for (const signingAlgorithm of [undefined, 'PS256'] as const) {
      const error = thrown(() => createTokenProvider({ ...base, privateKey: pem, ...(signingAlgorithm ? { signingAlgorithm } : {}) }));
      expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PRIVATE_KEY', field: 'privateKey' });
      expect(error.message).toContain(`RSA ${modulusLength}-bit key is too short`);
      expect(inspect(error, { depth: Infinity, showHidden: true })).not.toContain(pem.split('\n')[1]);
    }
  });

  it('a 2048-bit key is accepted', async () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    await createTokenProvider({ ...base, privateKey: pem }).close();
  });

  it('a passphrase-protected key says so, and how to fix it', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    for (const type of ['pkcs8', 'pkcs1'] as const) {
      const pem = privateKey.export({ format: 'pem', type, cipher: 'aes-256-cbc', passphrase: 'pw' }) as string;
      const error = thrown(() => createTokenProvider({ ...base, privateKey: pem }));
      expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PRIVATE_KEY' });
      expect(error.message).toContain('encrypted with a passphrase');
      expect(JSON.stringify(error) + inspect(error, { depth: Infinity, showHidden: true })).not.toContain(pem.split('\n').find((line) => line.length >= 64)!);
    }
  });
});

// The fix a store error gets is chosen by its cause. The package's own codes carry random text in
// their messages (a fleet key's fingerprint, base64url): a fingerprint that happens to spell
// `SSl`, `tLs`, `Cert` or `aUTh` once drew the TLS (or password) fix for a split fleet, and the
// rotation suite failed now and then.
import { hintFor } from '../../lib/redis/store-health';

const foreign = (fingerprint: string): Error =>
  Object.assign(new Error(`tokens in Redis are sealed with a fleet key this process lacks (fingerprint ${fingerprint})`), {
    code: 'ERR_MCA_STORE_FOREIGN_KEY',
  });

describe('the fix for a store error', () => {
  it.each(['4ydEKKSSlS_d', 'tLs9x0AbCdEf', 'xCeRtZ_12345', 'aUTh-9876543', 'EPROTOabcdef'])(
    'a split fleet whose fingerprint reads %s gets the rotation fix',
    (fingerprint) => {
      for (const topology of ['single', 'cluster', 'sentinel'] as const) {
        const hint = hintFor(foreign(fingerprint), topology);
        expect(hint).toContain('MCA_REDIS_FLEET_KEY');
        expect(hint).not.toMatch(/certificate|password/);
      }
    },
  );

  it('a TLS failure and a wrong password still get their own fixes', () => {
    const tls = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(hintFor(tls, 'single')).toContain('NODE_EXTRA_CA_CERTS');
    expect(hintFor(new Error('WRONGPASS invalid username-password pair or user is disabled.'), 'single')).toContain('user and password');
  });
});

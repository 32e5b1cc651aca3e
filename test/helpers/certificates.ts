import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A key pair with its PEMs. Keys come from node:crypto; certificates from the openssl CLI. */
export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  privatePem: string;
}

export function rsaKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKey, privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

export function ecKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, privatePem: privateKey.export({ type: 'sec1', format: 'pem' }) as string };
}

function openssl(dir: string, args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A throwaway CA that signs leaf certificates for test keys. */
export class TestCa {
  readonly dir = mkdtempSync(join(tmpdir(), 'mca-ca-'));
  readonly key = rsaKey();
  readonly pem: string;
  #serial = 1;

  constructor(cn = 'express-mca-oauth test CA') {
    writeFileSync(join(this.dir, 'ca.key'), this.key.privatePem);
    this.pem = openssl(this.dir, ['req', '-x509', '-new', '-key', 'ca.key', '-subj', `/CN=${cn}`, '-days', '2', '-sha256']);
    writeFileSync(join(this.dir, 'ca.pem'), this.pem);
  }

  /** A leaf certificate for `key` with subject CN `cn`, signed by this CA (PEM). */
  issue(key: TestKey, cn: string): string {
    const n = this.#serial++;
    writeFileSync(join(this.dir, `leaf${n}.key`), key.privatePem);
    openssl(this.dir, ['req', '-new', '-key', `leaf${n}.key`, '-subj', `/CN=${cn}/O=Test`, '-out', `leaf${n}.csr`]);
    return openssl(this.dir, ['x509', '-req', '-in', `leaf${n}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(n), '-days', '1', '-sha256']);
  }

  /**
   * The seed's file layout: the certificate and key exported through PKCS#12 and back, so the
   * certificate file carries the bag attributes (`friendlyName: cert`) before its PEM block.
   */
  seedFiles(key: TestKey, certificatePem: string): { certificate: string; privateKey: string } {
    const n = this.#serial++;
    writeFileSync(join(this.dir, `p${n}.key`), key.privatePem);
    writeFileSync(join(this.dir, `p${n}.pem`), certificatePem);
    openssl(this.dir, [
      'pkcs12',
      '-export',
      '-inkey',
      `p${n}.key`,
      '-in',
      `p${n}.pem`,
      '-certfile',
      'ca.pem',
      '-name',
      'cert',
      '-out',
      `p${n}.p12`,
      '-passout',
      'pass:x',
    ]);
    return {
      certificate: openssl(this.dir, ['pkcs12', '-in', `p${n}.p12`, '-nokeys', '-passin', 'pass:x']),
      privateKey: openssl(this.dir, ['pkcs12', '-in', `p${n}.p12`, '-nocerts', '-nodes', '-passin', 'pass:x']),
    };
  }

  read(name: string): string {
    return readFileSync(join(this.dir, name), 'utf8');
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

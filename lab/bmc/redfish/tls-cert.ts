/**
 * A throwaway self-signed certificate for the emulator's HTTPS mode, made with the `openssl` CLI
 * (Debian base) so fleetlab needs no crypto dependency. Valid for localhost, 127.0.0.1 and the
 * extra addresses given (per-system listeners on 127.x.y.z).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TlsMaterial {
  key: string;
  cert: string;
}

export async function selfSignedCert(ips: string[] = []): Promise<TlsMaterial> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetlab-tls-'));
  try {
    const san = ['DNS:localhost', 'IP:127.0.0.1', ...[...new Set(ips)].filter((ip) => ip !== '127.0.0.1').map((ip) => `IP:${ip}`)].join(',');
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyPath, '-out', certPath, '-days', '30', '-subj', '/CN=fleetlab-bmc', '-addext', `subjectAltName=${san}`,
    ]);
    return { key: await readFile(keyPath, 'utf8'), cert: await readFile(certPath, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

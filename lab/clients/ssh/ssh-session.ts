/**
 * One SSH session to a machine the lab provisioned (ssh2): connect with a key or a password
 * under a host-key policy, run commands with a timeout, close. The lab's one way into a node's
 * operating system, used to verify it after it reports ready (ssh-verify.ts).
 *
 *   connect ─TCP (or a given socket)─▶ handshake ─host key─▶ policy ─▶ auth (key, then password)
 *   exec(cmd) ─▶ {code, stdout, stderr, ms}      every failure a FleetlabError with an SSH_* code
 *
 * Host-key policies, as OpenSSH's StrictHostKeyChecking: `accept-new` takes a key it has never
 * seen and records its fingerprint (in `store`, a JSON file {"host:port": "SHA256:…"}, when
 * given), but refuses one that differs from the recorded one; `pinned` accepts only the given
 * fingerprint (e.g. the one the node printed on its serial console). Fingerprints are OpenSSH's
 * `SHA256:<base64 without padding>` of the raw key blob.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Duplex } from 'node:stream';
import { Client, type AnyAuthMethod, type AuthenticationType, type AuthHandlerMiddleware } from 'ssh2';
import { FleetlabError } from '../../base/errors.ts';

export type HostKeyPolicy = { policy: 'accept-new'; store?: string } | { policy: 'pinned'; fingerprint: string };

export interface SshTarget {
  host: string;
  port?: number;
  user: string;
  /** A private key file (OpenSSH or PEM) … */
  privateKeyFile?: string;
  /** … and/or a password (tried after the key). */
  password?: string;
  hostKey?: HostKeyPolicy;
  /** An already-open stream to the server's port (e.g. opened inside a network namespace). */
  sock?: Duplex;
  /** Handshake + auth deadline (default 20 s). */
  readyTimeoutMs?: number;
}

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface SshSession {
  /** The server's host-key fingerprint (SHA256:…) and whether the policy saw it for the first time. */
  readonly fingerprint: string;
  readonly newHostKey: boolean;
  /** How the session authenticated. */
  readonly auth: 'publickey' | 'password';
  /** Connect + handshake + auth time. */
  readonly connectMs: number;
  exec(command: string, timeoutMs?: number): Promise<ExecResult>;
  close(): void;
}

/** OpenSSH's SHA256 fingerprint of a raw public key blob. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

const OUTPUT_CAP = 64 * 1024;

async function readStore(store: string): Promise<Record<string, string>> {
  return existsSync(store) ? (JSON.parse(await readFile(store, 'utf8')) as Record<string, string>) : {};
}

async function recordFingerprint(store: string, id: string, fp: string): Promise<void> {
  const known = await readStore(store);
  known[id] = fp;
  await mkdir(dirname(store), { recursive: true });
  await writeFile(`${store}.tmp`, JSON.stringify(known, null, 2) + '\n');
  await rename(`${store}.tmp`, store);
}

function authConfig(t: SshTarget): { privateKey?: Buffer; password?: string } {
  if (!t.privateKeyFile && t.password === undefined) throw new FleetlabError('SSH_OPTIONS', `ssh ${t.user}@${t.host}: no private key file and no password`);
  let privateKey: Buffer | undefined;
  if (t.privateKeyFile) {
    try {
      privateKey = readFileSync(t.privateKeyFile);
    } catch (e) {
      throw new FleetlabError('SSH_OPTIONS', `ssh ${t.user}@${t.host}: cannot read private key ${t.privateKeyFile}: ${(e as Error).message}`);
    }
  }
  return { ...(privateKey ? { privateKey } : {}), ...(t.password !== undefined ? { password: t.password } : {}) };
}

/** Connect, verify the host key and authenticate; rejects with SSH_CONNECT / SSH_HOST_KEY / SSH_AUTH. */
export async function openSshSession(t: SshTarget): Promise<SshSession> {
  const port = t.port ?? 22;
  const id = `${t.host}:${port}`;
  const policy = t.hostKey ?? { policy: 'accept-new' };
  const auth = authConfig(t);
  const recorded = policy.policy === 'accept-new' && policy.store ? (await readStore(policy.store))[id] : undefined;
  const expected = policy.policy === 'pinned' ? policy.fingerprint : recorded;
  let seen = '';
  let usedAuth: SshSession['auth'] = 'publickey';
  const queue: (AnyAuthMethod & { type: SshSession['auth'] })[] = [];
  if (auth.privateKey) queue.push({ type: 'publickey', username: t.user, key: auth.privateKey });
  if (auth.password !== undefined) queue.push({ type: 'password', username: t.user, password: auth.password });
  const client = new Client();
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (e: Error & { level?: string }) => {
      client.destroy(); // ssh2 keeps the socket after a failed auth: nothing may keep a run alive
      if (seen && expected && seen !== expected) reject(new FleetlabError('SSH_HOST_KEY', `ssh ${id}: host key ${seen} is not the ${policy.policy === 'pinned' ? 'pinned' : 'recorded'} ${expected}`, { fingerprint: seen, expected }));
      else if (e.level === 'client-authentication') reject(new FleetlabError('SSH_AUTH', `ssh ${t.user}@${id}: authentication refused (${Object.keys(auth).join(', ')} offered)`));
      else reject(new FleetlabError('SSH_CONNECT', `ssh ${id}: ${e.message}${e.level ? ` (${e.level})` : ''}`));
    });
    client.connect({
      host: t.host,
      port,
      username: t.user,
      ...(t.sock ? { sock: t.sock } : {}),
      readyTimeout: t.readyTimeoutMs ?? 20_000,
      hostVerifier: (key: Buffer) => {
        seen = sshFingerprint(key);
        return !expected || seen === expected;
      },
      // Key first, then password (OpenSSH's order); `false` tells ssh2 there is nothing left.
      authHandler: ((left: AuthenticationType[] | null, _partial: boolean, next: (m: AnyAuthMethod | false) => void) => {
        let m = queue.shift();
        while (m && left && !left.includes(m.type)) m = queue.shift();
        if (m) usedAuth = m.type;
        next(m ?? false);
      }) as unknown as AuthHandlerMiddleware,
    });
  });
  const connectMs = performance.now() - t0;
  const newHostKey = !expected;
  if (newHostKey && policy.policy === 'accept-new' && policy.store) await recordFingerprint(policy.store, id, seen);
  return {
    fingerprint: seen,
    newHostKey,
    auth: usedAuth,
    connectMs,
    exec: (command, timeoutMs = 30_000) => execOn(client, id, command, timeoutMs),
    close: () => closeClient(client),
  };
}

/**
 * End the session; if the server does not close its side within 1 s (a node powered off or
 * rebooted mid-disconnect leaves the socket in FIN-WAIT), destroy it so nothing keeps a run alive.
 */
function closeClient(client: Client): void {
  // ssh2's destroy() skips a socket it has already ended (not writable): destroy the socket itself.
  const sock = (client as unknown as { _sock?: Duplex })._sock;
  client.end();
  setTimeout(() => sock?.destroy(), 1000).unref();
}

function execOn(client: Client, id: string, command: string, timeoutMs: number): Promise<ExecResult> {
  const t0 = performance.now();
  return new Promise<ExecResult>((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(new FleetlabError('SSH_COMMAND', `ssh ${id}: cannot run ${JSON.stringify(command)}: ${err.message}`));
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => {
        stream.close();
        reject(new FleetlabError('SSH_COMMAND', `ssh ${id}: ${JSON.stringify(command)} did not finish in ${timeoutMs} ms`, { stdout, stderr }));
      }, timeoutMs);
      stream.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-OUTPUT_CAP)));
      stream.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-OUTPUT_CAP)));
      stream.on('close', (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        resolve({ code: code ?? null, signal: signal ?? null, stdout, stderr, ms: performance.now() - t0 });
      });
    });
  });
}

/**
 * Post-provision verification of one node over SSH, as one value: connect (with retries while
 * the server is not up yet), run the named checks, close. Never throws: a node that cannot be
 * reached, refuses the key or fails a check gets `ok: false` with that failure's code, so the
 * caller (the qemu tier, the hardware tier) can fail that node alone and record the rest.
 *
 *   verifyOverSsh ─▶ openSshSession (retry SSH_CONNECT until connectWithinMs) ─▶ runSshChecks ─▶ close
 */
import { ERRORS, FleetlabError } from '../../base/errors.ts';
import { runSshChecks, SSH_CHECK_NAMES, type SshCheckName, type SshCheckResult, type SshExpect } from './ssh-checks.ts';
import { openSshSession, type SshSession, type SshTarget } from './ssh-session.ts';

export interface SshVerifyOptions {
  target: SshTarget;
  /** Default: every check (image, rootfs, disks, nic). */
  checks?: readonly SshCheckName[];
  expect?: SshExpect;
  /** How long to keep retrying a refused/unreachable connection (default 60 s; servers start late). */
  connectWithinMs?: number;
  /** Per-command timeout (default 30 s). */
  commandTimeoutMs?: number;
  /** Opens a fresh socket per attempt when the target needs one (e.g. inside a network namespace). */
  openSock?: () => Promise<NonNullable<SshTarget['sock']>>;
  signal?: AbortSignal;
}

export interface SshVerifyResult {
  ok: boolean;
  host: string;
  port: number;
  user: string;
  policy: 'accept-new' | 'pinned';
  /** Set once connected. */
  fingerprint?: string;
  newHostKey?: boolean;
  auth?: SshSession['auth'];
  connectMs?: number;
  attempts: number;
  checks: SshCheckResult[];
  /** The first failure's code and message (connection or check). */
  code?: string;
  message?: string;
  ms: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function connectWithRetry(o: SshVerifyOptions, deadline: number): Promise<{ session: SshSession; attempts: number }> {
  for (let attempts = 1; ; attempts++) {
    try {
      const sock = o.openSock ? await o.openSock() : undefined;
      return { session: await openSshSession({ ...o.target, ...(sock ? { sock } : {}) }), attempts };
    } catch (e) {
      const retry = e instanceof FleetlabError && e.code === ERRORS.SSH_CONNECT.code && Date.now() < deadline && !o.signal?.aborted;
      if (!retry) throw Object.assign(e as Error, { attempts });
      await sleep(1000);
    }
  }
}

export async function verifyOverSsh(o: SshVerifyOptions): Promise<SshVerifyResult> {
  const t0 = performance.now();
  const base = { host: o.target.host, port: o.target.port ?? 22, user: o.target.user, policy: o.target.hostKey?.policy ?? 'accept-new' } as const;
  let conn: { session: SshSession; attempts: number };
  try {
    conn = await connectWithRetry(o, Date.now() + (o.connectWithinMs ?? 60_000));
  } catch (e) {
    const code = e instanceof FleetlabError ? e.code : ERRORS.SSH_CONNECT.code;
    return { ...base, ok: false, attempts: (e as { attempts?: number }).attempts ?? 1, checks: [], code, message: (e as Error).message, ms: performance.now() - t0 };
  }
  const { session, attempts } = conn;
  try {
    const checks = await runSshChecks(session, o.checks ?? SSH_CHECK_NAMES, o.expect ?? {}, o.commandTimeoutMs);
    const failed = checks.find((c) => !c.ok);
    return {
      ...base,
      ok: !failed,
      fingerprint: session.fingerprint,
      newHostKey: session.newHostKey,
      auth: session.auth,
      connectMs: session.connectMs,
      attempts,
      checks,
      ...(failed ? { code: failed.code, message: `check ${failed.check}: ${failed.message}` } : {}),
      ms: performance.now() - t0,
    };
  } finally {
    session.close();
  }
}

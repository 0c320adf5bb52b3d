/**
 * When a Redfish request is worth repeating, and how long to wait first. BMCs answer 503 while
 * busy (firmware update, session table full), drop keep-alive sockets without warning and stall
 * under load; all three pass with time. Everything else (4xx, TLS, refused) does not.
 *
 *   attempt n fails ─▶ retryable (503 any method; reset/timeout not POST)? ─no─▶ error
 *                         └─yes, n < retries ─▶ wait max(Retry-After, backoff·2ⁿ ± jitter) ─▶ n+1
 */
import type { ErrorName } from '../../base/errors.ts';

export interface RetryPolicy {
  /** Retries after the first attempt (default 3). */
  retries: number;
  /** First backoff, doubled per retry (default 250 ms). */
  backoffMs: number;
  /** Longest single wait, also the cap on a server's Retry-After (default 5000 ms). */
  maxBackoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, backoffMs: 250, maxBackoffMs: 5000 };

export type RetryReason = 'status-503' | 'connection-reset' | 'timeout';

/** Network error codes that mean "the socket died under us": a fresh connection usually works. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);
// axios with clarifyTimeoutError reports its own per-attempt timeout as ETIMEDOUT.
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const REFUSED_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

/**
 * Why a failed attempt may be retried, or undefined when it must not be. A 503 was refused, so
 * any method may go again; a POST (Reset, InsertMedia, SimpleUpdate) that timed out or lost its
 * connection may already have acted, and repeating it could reset a machine twice.
 */
export function retryReason(status: number | undefined, errCode: string | undefined, idempotent: boolean): RetryReason | undefined {
  if (status === 503) return 'status-503';
  if (!idempotent) return undefined;
  if (errCode && RESET_CODES.has(errCode)) return 'connection-reset';
  if (errCode && TIMEOUT_CODES.has(errCode)) return 'timeout';
  return undefined;
}

/** Registry name for a request that never got an HTTP answer. */
export function networkErrorName(errCode: string | undefined): ErrorName {
  if (errCode && TIMEOUT_CODES.has(errCode)) return 'BMC_CLIENT_TIMEOUT';
  if (errCode && (RESET_CODES.has(errCode) || REFUSED_CODES.has(errCode))) return 'BMC_CLIENT_UNREACHABLE';
  if (errCode && isTlsCode(errCode)) return 'BMC_CLIENT_TLS';
  return 'BMC_CLIENT_UNREACHABLE';
}

export function isTlsCode(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO/.test(code);
}

/** Milliseconds before retry `attempt` (0-based): Retry-After when the BMC gave one, else backoff. */
export function retryDelayMs(p: RetryPolicy, attempt: number, retryAfter: string | undefined, random: () => number = Math.random): number {
  const backoff = Math.min(p.maxBackoffMs, p.backoffMs * 2 ** attempt);
  // ±20% so 100 clients that failed together do not come back together.
  const jittered = backoff * (0.8 + 0.4 * random());
  const ra = retryAfterMs(retryAfter);
  return Math.round(Math.min(p.maxBackoffMs, ra !== undefined ? Math.max(ra, jittered) : jittered));
}

/** RFC 9110 Retry-After: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(h: string | undefined): number | undefined {
  if (h === undefined || h.trim() === '') return undefined;
  if (/^\d+$/.test(h.trim())) return Number(h.trim()) * 1000;
  const t = Date.parse(h);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

/**
 * Per-node outcomes of a wave and the statistics halt policies and reports use. The `detail` of
 * wave.decision events is `key=value` pairs from `formatStats`, so run.json's `waves` is a
 * per-wave table a script can parse.
 */
import { shortCode } from '../../lab/base/errors.ts';

export interface NodeOutcome {
  node: string;
  site: string;
  profile: string;
  /** The image this node was asked to run. */
  image: string;
  ok: boolean;
  /** What the node reported it runs at the end (null: blank disk). */
  runs: string | null;
  /** Provision request → node.ready, ms of run time (null when it never got ready). */
  ttrMs: number | null;
  attempts: number;
  code?: string;
  message?: string;
}

export interface WaveStats {
  nodes: number;
  ok: number;
  failed: number;
  /** failed / nodes (0 for an empty wave). */
  failureRate: number;
  p95TtrMs: number | null;
  /** Failure codes → count. */
  codes: Record<string, number>;
}

export function waveStats(outcomes: readonly NodeOutcome[]): WaveStats {
  const ttrs = outcomes.flatMap((o) => (o.ok && o.ttrMs !== null ? [o.ttrMs] : [])).sort((a, b) => a - b);
  const codes: Record<string, number> = {};
  let ok = 0;
  for (const o of outcomes) {
    if (o.ok) ok++;
    else codes[o.code ?? '?'] = (codes[o.code ?? '?'] ?? 0) + 1;
  }
  const failed = outcomes.length - ok;
  return {
    nodes: outcomes.length,
    ok,
    failed,
    failureRate: outcomes.length ? failed / outcomes.length : 0,
    p95TtrMs: ttrs.length ? ttrs[Math.min(ttrs.length - 1, Math.ceil(0.95 * ttrs.length) - 1)]! : null,
    codes,
  };
}

export function formatStats(s: WaveStats): string {
  const codes = Object.entries(s.codes)
    .map(([k, v]) => `${shortCode(k)}:${v}`)
    .join(',');
  return `ok=${s.ok} failed=${s.failed} failureRate=${+s.failureRate.toFixed(4)} p95TtrMs=${s.p95TtrMs === null ? '-' : Math.round(s.p95TtrMs)}${codes ? ` codes=${codes}` : ''}`;
}

/** Parse a wave.decision detail back into fields (numbers where they are numbers). */
export function parseDetail(detail: string | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const m of (detail ?? '').matchAll(/([\w.]+)=("[^"]*"|\S+)/g)) {
    const v = m[2]!.startsWith('"') ? m[2]!.slice(1, -1) : m[2]!;
    out[m[1]!] = v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return out;
}

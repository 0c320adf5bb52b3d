/**
 * Unit parsing shared by link profiles and fault specs. Strings carry their unit ('20mbit',
 * '40ms', '0.5%', '1MiB'); bare numbers are accepted only where the field name says the unit
 * (e.g. `latencyMs`), so a value is never silently read in the wrong unit.
 *
 * Every parser reports a problem at `path` and returns undefined on bad input; none throws.
 */
import type { Problems } from './problem.ts';
import { describeValue as describe } from './values.ts';

/** SI multipliers for tc-style rates (bits per second). */
const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, tbit: 1e12 };

const DURATION_UNITS: Record<string, number> = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, min: 60e3, h: 3600e3 };

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

const NUM = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
const RATE_RE = new RegExp(`^${NUM}\\s*([a-z]+)$`, 'i');
const DURATION_RE = new RegExp(`^${NUM}\\s*([a-z]+)$`, 'i');
const PERCENT_RE = new RegExp(`^${NUM}\\s*%$`);
const BYTES_RE = new RegExp(`^${NUM}\\s*([a-z]*)$`, 'i');

/** A rate like '20mbit', '512kbit', '1gbit' (or 'unlimited') → bits per second (Infinity for unlimited). */
export function parseRate(v: unknown, path: string, problems: Problems): number | undefined {
  if (v === 'unlimited') return Infinity;
  if (typeof v === 'string') {
    const m = RATE_RE.exec(v.trim());
    if (m) {
      const unit = m[2]!.toLowerCase();
      const mult = RATE_UNITS[unit];
      if (mult !== undefined) {
        const bps = Number(m[1]) * mult;
        if (bps > 0) return bps;
        problems.add(path, `rate must be > 0 (use partition to cut a link), got ${describe(v)}`);
        return undefined;
      }
      if (/^[kmgt]?bps$/.test(unit) || /^[kmgt]?b\/s$/.test(unit)) {
        const prefix = unit[0] === 'b' ? '' : unit[0];
        problems.add(path, `ambiguous rate unit in ${describe(v)} (tc reads '${unit}' as bytes/s): write '${m[1]}${prefix}bit' for bits/s`);
        return undefined;
      }
    }
  }
  problems.add(path, `expected a rate like '20mbit', '512kbit' or '1gbit', got ${describe(v)}`);
  return undefined;
}

/** A duration like '40ms', '1.5s', '2m' → milliseconds. */
export function parseDuration(v: unknown, path: string, problems: Problems, example = '40ms'): number | undefined {
  if (typeof v === 'string') {
    const m = DURATION_RE.exec(v.trim());
    if (m) {
      const mult = DURATION_UNITS[m[2]!.toLowerCase()];
      if (mult !== undefined) return Number(m[1]) * mult;
    }
  }
  problems.add(path, `expected a duration like '${example}', got ${describe(v)}`);
  return undefined;
}

/** A non-negative number of the unit named by the field (e.g. `latencyMs: 40`). */
export function parseNumberField(v: unknown, path: string, problems: Problems, what: string, min = 0, max = Infinity): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max) return v;
  const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
  problems.add(path, `expected ${what} (a number ${range}), got ${describe(v)}`);
  return undefined;
}

/** A duration string ('30s') or a number of milliseconds. */
export function parseDurationOrMs(v: unknown, path: string, problems: Problems, example = '10s'): number | undefined {
  if (typeof v === 'number') return parseNumberField(v, path, problems, 'milliseconds');
  return parseDuration(v, path, problems, example);
}

/**
 * A share: '0.5%' → 0.005, or a number as a fraction in [0, 1] (`loss: 0.01` = 1 %).
 */
export function parseShare(v: unknown, path: string, problems: Problems): number | undefined {
  if (typeof v === 'string') {
    const m = PERCENT_RE.exec(v.trim());
    if (m) {
      const pct = Number(m[1]);
      if (pct <= 100) return pct / 100;
      problems.add(path, `percentage must be at most 100%, got ${describe(v)}`);
      return undefined;
    }
  } else if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1) {
    return v;
  }
  problems.add(path, `expected a percentage like '0.5%' (or a fraction in [0, 1]), got ${describe(v)}`);
  return undefined;
}

/** A byte count: a non-negative integer, or '1MB' (10^6), '1MiB' (2^20), '512kb', '100b'. */
export function parseBytes(v: unknown, path: string, problems: Problems): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string') {
    const m = BYTES_RE.exec(v.trim());
    if (m) {
      const mult = m[2] === '' ? 1 : BYTE_UNITS[m[2]!.toLowerCase()];
      if (mult !== undefined) return Math.round(Number(m[1]) * mult);
    }
  }
  problems.add(path, `expected a byte count like 1048576, '1MiB' or '500kb', got ${describe(v)}`);
  return undefined;
}

/** Format bits/s the way tc does ('20mbit'), for summaries and dry-run plans. */
export function formatRate(bps: number): string {
  if (bps === Infinity) return 'unlimited';
  for (const [unit, mult] of [['gbit', 1e9], ['mbit', 1e6], ['kbit', 1e3]] as const) {
    if (bps >= mult) return `${+(bps / mult).toFixed(3)}${unit}`;
  }
  return `${+bps.toFixed(3)}bit`;
}

/**
 * A duration the way a spec writes it ('40ms', '2s'): parseDuration reads it back. Reports show
 * durations to people with reports/format.ts's fmtMs ('850 ms', '4m 05s') instead.
 */
export function formatDuration(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000}s` : `${+ms.toFixed(3)}ms`;
}

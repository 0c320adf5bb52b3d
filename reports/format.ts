/** Small text/XML/CSV helpers shared by the report writers. */

/**
 * A duration for people: "850 ms", "12.3 s", "4m 05s". NaN/null → "-". The one display formatter
 * of durations; lab/base/units.ts's formatDuration writes the spec syntax ('40ms') instead.
 */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  const a = Math.abs(ms);
  if (a < 1000) return `${round(ms, a < 10 ? 2 : 0)} ms`;
  if (a < 60_000) return `${(ms / 1000).toFixed(a < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** NaN (an empty Stat) → 0 for the stable --json shape; everything else rounded to 0.1 ms. */
export function jsonMs(x: number): number {
  return Number.isFinite(x) ? round(x, 1) : 0;
}

export function xmlEscape(s: string): string {
  // XML 1.0 forbids most control characters even escaped: drop them.
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Attribute-safe escaping. */
export const htmlEscape = xmlEscape;

/** Text-content escaping (quotes need none): keeps event dumps short. */
export function textEscape(s: string): string {
  return s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
}

export function csvField(v: string | number): string {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(round(v, 3)) : '') : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Threshold values: up to 4 significant digits for fractions, 0.1 for large numbers. */
export function fmtValue(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '-';
  return Math.abs(v) >= 100 ? String(round(v, 1)) : String(Number(v.toPrecision(4)));
}

/**
 * Failures counted two ways, always labelled: failed *attempts* (every node.failed in the log: a
 * node retried three times counts three) and failed *nodes* (each node whose last provisioning
 * failed, by its final code). "Failures (3) by code: TARGET ×17" mixed the two (issue 20 item 6).
 */
import type { RunMetrics } from './metrics.ts';

export interface FailureTally {
  /** Every node.failed, by code, most frequent first. */
  attempts: [string, number][];
  /** Failed nodes by the code of their final failure, most frequent first. */
  nodes: [string, number][];
}

const sorted = (counts: Record<string, number>): [string, number][] => Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));

export function failureTally(m: Pick<RunMetrics, 'errorCodes' | 'nodes'>): FailureTally {
  const byNode: Record<string, number> = {};
  for (const n of m.nodes) if (n.outcome === 'failed') byNode[n.error?.code ?? 'unknown'] = (byNode[n.error?.code ?? 'unknown'] ?? 0) + 1;
  return { attempts: sorted(m.errorCodes), nodes: sorted(byNode) };
}

/** `failed attempts by code: X ×17 · failed nodes by code: X ×3`; `code` formats each code (escaping, markup). */
export function formatFailureTally(t: FailureTally, code: (c: string) => string = (c) => c): string {
  const part = (label: string, rows: [string, number][]) => `${label} by code: ${rows.map(([k, v]) => `${code(k)} ×${v}`).join(', ')}`;
  const parts: string[] = [];
  if (t.attempts.length) parts.push(part(`failed attempts (${t.attempts.reduce((s, [, v]) => s + v, 0)})`, t.attempts));
  if (t.nodes.length) parts.push(part(`failed nodes (${t.nodes.reduce((s, [, v]) => s + v, 0)})`, t.nodes));
  return parts.join(' · ');
}

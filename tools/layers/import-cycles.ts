/**
 * File-level import cycles (type-only edges count: a reader still has to hold both files at
 * once). Tarjan's strongly connected components over the import graph; each component of two
 * or more files, or a file importing itself, is one cycle, reported with one concrete loop.
 *
 *   ImportEdge[] ──SCCs──▶ cycles ──minus allowedCycles (layers.json)──▶ CycleViolation[]
 */
import type { ImportEdge } from './import-graph.ts';

export interface CycleViolation {
  /** Every file of the strongly connected component, sorted. */
  files: string[];
  /** One loop through the component: a → b → … → a. */
  loop: string[];
  message: string;
}

/** Files that import each other, directly or around a loop. */
export function findCycles(edges: readonly ImportEdge[]): CycleViolation[] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, new Set());
    next.get(e.from)!.add(e.to);
  }
  return components(next)
    .filter((c) => c.length > 1 || next.get(c[0]!)?.has(c[0]!))
    .map((c) => {
      const files = [...c].sort();
      const loop = loopThrough(files, next);
      return { files, loop, message: `import cycle: ${loop.join(' → ')}` };
    });
}

/** The cycles not listed in `allowed` (each allowance must match a component exactly). */
export function unexpectedCycles(cycles: readonly CycleViolation[], allowed: readonly { files: string[] }[] = []): CycleViolation[] {
  const key = (files: readonly string[]): string => [...files].sort().join('\n');
  const ok = new Set(allowed.map((a) => key(a.files)));
  return cycles.filter((c) => !ok.has(key(c.files)));
}

/** Tarjan's algorithm, iterative so a deep graph cannot overflow the stack. */
function components(next: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let counter = 0;
  for (const start of next.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; it: Iterator<string> }[] = [];
    const enter = (n: string): void => {
      index.set(n, counter);
      low.set(n, counter++);
      stack.push(n);
      onStack.add(n);
      work.push({ node: n, it: (next.get(n) ?? new Set<string>()).values() });
    };
    enter(start);
    while (work.length) {
      const top = work[work.length - 1]!;
      const step = top.it.next();
      if (!step.done) {
        const m = step.value;
        if (!index.has(m)) enter(m);
        else if (onStack.has(m)) low.set(top.node, Math.min(low.get(top.node)!, index.get(m)!));
        continue;
      }
      work.pop();
      if (work.length) low.set(work[work.length - 1]!.node, Math.min(low.get(work[work.length - 1]!.node)!, low.get(top.node)!));
      if (low.get(top.node) === index.get(top.node)) {
        const comp: string[] = [];
        let n: string;
        do {
          n = stack.pop()!;
          onStack.delete(n);
          comp.push(n);
        } while (n !== top.node);
        out.push(comp);
      }
    }
  }
  return out;
}

/** A shortest loop from the component's first file back to itself (breadth-first inside it). */
function loopThrough(files: readonly string[], next: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const inside = new Set(files);
  const start = files[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const n = queue.shift()!;
    for (const m of next.get(n) ?? []) {
      if (!inside.has(m)) continue;
      if (m === start) return [start, ...pathFrom(start, n, prev), start];
      if (!prev.has(m)) {
        prev.set(m, n);
        queue.push(m);
      }
    }
  }
  return [start, start];
}

/** start → … → end along the breadth-first parents (start excluded). */
function pathFrom(start: string, end: string, prev: ReadonlyMap<string, string>): string[] {
  const path: string[] = [];
  for (let p: string | undefined = end; p !== undefined && p !== start; p = prev.get(p)) path.unshift(p);
  return path;
}

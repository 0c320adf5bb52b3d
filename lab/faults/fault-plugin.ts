/**
 * The one interface every fault kind implements (one file each under kinds/, registered by
 * kind in fault-registry.ts). Shared knobs — selector, probability, start time/phase,
 * duration, repetition — live on the wrapper (fault-spec.ts) and are applied by the
 * controller, so a plugin only knows how to switch its effect on and off:
 *
 *   validate(params) ──▶ P          start(ctx, targets, P) ──▶ Stopper ──(later)──▶ effect off
 *
 * Invariants: start() applies the effect synchronously or starts it and returns at once; the
 * Stopper undoes exactly what this activation did (overlapping activations compose: links via
 * overlays, NodeFaults/BmcFaults via layered-field.ts) and may be called once.
 */
import type { Clock } from '../base/clock.ts';
import type { Rng } from '../base/rng.ts';
import type { EventBody } from '../base/event.ts';
import type { Problems } from '../base/problem.ts';
import type { FaultWorld, WorldBmc, WorldNode, WorldSite } from './fault-world.ts';

export type Stopper = () => void | Promise<void>;

/** What a fault acts on; the selector is mapped to this (e.g. a site selector → its nodes). */
export type FaultScope = 'site' | 'node' | 'bmc' | 'target';

export interface FaultTargets {
  sites: WorldSite[];
  nodes: WorldNode[];
  bmcs: WorldBmc[];
}

export interface FaultContext {
  /** Activation id, as in fault.start / fault.stop events; unique per run. */
  id: string;
  world: FaultWorld;
  clock: Clock;
  /** Seeded stream for this activation. */
  rng: Rng;
  emit(body: EventBody): void;
  /**
   * Mark a phase inside this activation as its own window (e.g. each outage of a link flap):
   * emits fault.start now with id `<activation id>/<name>` and returns the function that emits
   * its fault.stop (idempotent). The plugin closes open sub-windows in its Stopper.
   */
  subWindow(name: string): () => void;
}

export interface FaultPlugin<P = unknown> {
  readonly kind: string;
  readonly scope: FaultScope;
  /** One line for docs and --dry-run plans. */
  readonly summary: string;
  /** Acts through sim nodes' protocol hooks only: qemu nodes it selects are named in a warning. */
  readonly simOnly?: boolean;
  /** Parse and check params; report every problem under `path`; undefined when invalid. */
  validate(params: unknown, path: string, problems: Problems): P | undefined;
  /** Whether the world can host this fault (e.g. target hooks); a message when it cannot. */
  check?(world: FaultWorld): string | undefined;
  start(ctx: FaultContext, targets: FaultTargets, params: P): Stopper;
}

/** Registers a typed plugin in the untyped registry (the controller passes validate's output to start). */
export function defineFault<P>(plugin: FaultPlugin<P>): FaultPlugin {
  return plugin as unknown as FaultPlugin;
}

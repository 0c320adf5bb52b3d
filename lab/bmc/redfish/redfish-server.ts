/**
 * Redfish BMC emulator, the public entry: one HTTP(S) server for many systems under
 * /redfish/v1/Systems/{id} (sushy-tools layout), optionally one extra listener per system address.
 *
 *   startRedfishServer ─▶ EmulatorState (systems, sessions, tasks) + route table
 *                      ─▶ ListenerSet (shared + per-system listeners) ─▶ request pipeline
 *
 * Scale: no per-system timers or closures; per-system BMC state is created on first write
 * (SystemState), sessions and tasks expire/progress lazily from the clock.
 */
import type { BmcSystem } from '../bmc-system.ts';
import type { EventSink } from '../../base/event.ts';
import { nullSink } from '../../base/event.ts';
import type { Clock } from '../../base/clock.ts';
import { realClock } from '../../base/clock.ts';
import type { Rng } from '../../base/rng.ts';
import { createRng } from '../../base/rng.ts';
import { EmulatorState } from './emulator-state.ts';
import { ListenerSet } from './listener-set.ts';
import { handleRequest } from './request-pipeline.ts';
import { routeTable } from './route-table.ts';
import { personaByName } from './personas/persona-registry.ts';
import { TASK_HISTORY_MAX } from './task-store.ts';
import { selfSignedCert } from './tls-cert.ts';

export interface RedfishServerOptions {
  systems: BmcSystem[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Serve HTTPS with a self-signed certificate generated at start. */
  tls?: boolean;
  /** Every request → bmc.request {bmc: systemId | '-', proto: 'redfish', op: 'GET System' | 'POST Reset' | …}. */
  events?: EventSink;
  /** Session inactivity timeout, seconds (default 1800). */
  sessionTimeoutSec?: number;
  /** Live sessions before POST Sessions answers 503 SessionLimitExceeded (default 64). */
  maxSessions?: number;
  /** Also listen on each system's `redfish` {host, port} when set; that listener exposes only that system. */
  perSystemListeners?: boolean;
  /** Clock for session expiry and task progress (default real time). */
  clock?: Clock;
  /** Randomness for the errorRate fault (default a fixed seed). */
  rng?: Rng;
  /** Longest a Reset waits for the machine's power transition before answering 204 (ms, default 1000). */
  resetWaitMs?: number;
  /** Duration of a SimpleUpdate task (clock ms, default 3000). */
  updateTaskMs?: number;
  /**
   * BMC persona by name (personas/persona-registry.ts; default 'generic'); unknown → BMC_PERSONA_UNKNOWN.
   * A system with its own `persona` uses that one for its resources (and its per-system listener).
   */
  persona?: string;
  /** Tasks remembered before the oldest is forgotten (default TASK_HISTORY_MAX = 1000). */
  maxTasks?: number;
}

export interface RedfishServer {
  url: string;
  close(): Promise<void>;
  addSystem(s: BmcSystem): void;
  removeSystem(id: string): void;
  /** Base URL of a system's own listener (perSystemListeners), once it is listening. */
  systemUrl(id: string): string | undefined;
}

export async function startRedfishServer(o: RedfishServerOptions): Promise<RedfishServer> {
  const persona = personaByName(o.persona ?? 'generic');
  // A system's own persona (from its hardware profile) is checked before anything listens.
  for (const s of o.systems) if (s.persona !== undefined) personaByName(s.persona);
  const host = o.host ?? '127.0.0.1';
  const events = o.events ?? nullSink;
  const core = new EmulatorState({
    clock: o.clock ?? realClock(),
    rng: o.rng ?? createRng(0x5edf15).child('redfish'),
    sessionTimeoutSec: o.sessionTimeoutSec ?? 1800,
    maxSessions: o.maxSessions ?? 64,
    resetWaitMs: o.resetWaitMs ?? 1000,
    updateTaskMs: o.updateTaskMs ?? 3000,
    maxTasks: o.maxTasks ?? TASK_HISTORY_MAX,
  });
  for (const s of o.systems) core.add(s);
  const ownAddress = (s: BmcSystem) => (o.perSystemListeners && s.redfish ? s.redfish : undefined);
  const tls = o.tls ? await selfSignedCert([host, ...o.systems.flatMap((s) => ownAddress(s)?.host ?? [])]) : undefined;

  let closed = false;
  const deps = { core, routes: routeTable(), events, persona, closed: () => closed };
  const listeners = new ListenerSet((req, res, only) => void handleRequest(deps, req, res, only), tls);
  const startOwn = async (s: BmcSystem) => {
    const a = ownAddress(s);
    if (a && !closed) await listeners.listen(a.host, a.port, s.id);
  };
  const shutdown = async () => {
    closed = true;
    await listeners.closeAll();
    core.close();
  };

  let url: string;
  try {
    url = await listeners.listen(host, o.port ?? 0, undefined);
    for (const s of o.systems) await startOwn(s);
  } catch (e) {
    // One address that cannot be bound fails the start; nothing stays listening.
    await shutdown();
    throw e;
  }

  return {
    url,
    systemUrl: (id) => listeners.systemUrl(id),
    addSystem(s) {
      if (s.persona !== undefined) personaByName(s.persona);
      core.add(s);
      // Errors binding a per-system address are reported on stderr-less paths as an event.
      startOwn(s).catch((e: unknown) =>
        events.emit({ kind: 'log', level: 'error', msg: `redfish listener for ${s.id} on ${s.redfish?.host}:${s.redfish?.port}: ${(e as Error).message}` }),
      );
    },
    removeSystem(id) {
      core.remove(id);
      listeners.drop(id);
    },
    async close() {
      if (!closed) await shutdown();
    },
  };
}

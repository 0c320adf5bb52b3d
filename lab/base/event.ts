/**
 * The spine of fleetlab: everything that happens in a run is one of these events.
 *
 *   lab (nodes, BMCs, links, faults) ──emit(body)──▶ EventSink ──stamp t──▶ events.ndjson
 *                                                              └──────────▶ live listeners
 *
 * The union lives in lab/ because the lab emits most events and lab/ may not import harness/;
 * harness/events re-exports it and owns the log writer.
 *
 * Invariants:
 * - `t` is monotonic milliseconds since run start (never wall time); the wall clock at run
 *   start is in the `run.start` event and in run.json.
 * - Handlers over events use exhaustive maps (`EventHandlers`) so a new kind cannot be forgotten.
 */

/** Firmware / install phases a node passes through, in order, on a provisioning boot. */
export const NODE_PHASES = [
  'power-on', // power applied, POST running
  'dhcp', // PXE ROM DHCP (DISCOVER … ACK)
  'tftp', // boot file (iPXE) over TFTP
  'ipxe-dhcp', // iPXE's own DHCP (user class iPXE)
  'script', // iPXE script over HTTP and its interpretation
  'kernel', // kernel + initrd fetched over HTTP
  'boot', // kernel boot until the agent runs
  'agent', // in-band agent persona talking to the target
  'image', // image download + verify + write to disk
  'callback', // install reports back to the target
  'reboot', // reboot after install
  'disk-boot', // boot from the written disk
  'ready', // OS up from disk
] as const;
export type NodePhase = (typeof NODE_PHASES)[number];

export type PowerState = 'on' | 'off';

/** Phases of a target's view of a node (ARCHITECTURE.md "Targets": Target.state). */
export type TargetPhase =
  | 'registered'
  | 'ready'
  | 'provisioning'
  | 'agent'
  | 'active'
  | 'deprovisioning'
  | 'failed';

export type BmcProto = 'redfish' | 'ipmi';

/** Event bodies, discriminated on `kind`. Node/site fields hold names from the lab spec. */
export type EventBody =
  /**
   * `timeScale`: the lab's (what reports divide wall time by to get modelled time; 0 = nothing modelled,
   * times stay wall); absent in logs written before modelled-time reports. `host`: the machine that measured.
   */
  | { kind: 'run.start'; runId: string; scenario: string; seed: number; wallStart: string; testbed: Testbed; nodes: number; sites: number; params: Record<string, string | number | boolean>; target: string; versions: Record<string, string>; timeScale?: number; host?: HostInfo }
  | { kind: 'run.end'; status: RunStatus; reason?: string }
  | { kind: 'step.start'; step: string }
  | { kind: 'step.end'; step: string; ok: boolean; ms: number; error?: string }
  | { kind: 'node.power'; node: string; state: PowerState; cause?: string }
  /**
   * `lateMs` on node.phase/ready/failed: wall ms by which the node's own modelled waits (hardware
   * timings slept on the lab clock) fired late since its previous such event, i.e. during the
   * phase this event ends. A busy host delays timers; at timeScale 0.001 one late millisecond
   * would read as a modelled second, so the reports subtract it (reports/metrics/node-state.ts).
   */
  | { kind: 'node.phase'; node: string; phase: NodePhase; attempt?: number; lateMs?: number }
  | { kind: 'node.ready'; node: string; image?: string; lateMs?: number }
  | { kind: 'node.failed'; node: string; phase: NodePhase; code: string; message: string; lateMs?: number }
  | { kind: 'node.error'; node: string; code: string; message: string }
  | { kind: 'dhcp.discover'; node: string; site: string; stage: DhcpStage; attempt: number }
  | { kind: 'dhcp.offer'; node: string; site: string; stage: DhcpStage; ip: string; ms: number }
  | { kind: 'dhcp.ack'; node: string; site: string; stage: DhcpStage; ip: string; ms: number; bootFile?: string; nextServer?: string }
  | { kind: 'tftp.done'; node: string; file: string; bytes: number; ms: number; blksize: number }
  | { kind: 'http.done'; node: string; url: string; bytes: number; ms: number; status: number }
  | { kind: 'boot.kernel'; node: string; cmdline: string }
  | { kind: 'boot.disk'; node: string; image: string | null }
  | { kind: 'agent.start'; node: string; persona: string }
  | { kind: 'agent.step'; node: string; persona: string; step: string; detail?: string }
  | { kind: 'agent.image'; node: string; url: string; bytes: number; ms: number; sha256: string; ok: boolean }
  | { kind: 'agent.callback'; node: string; url: string; status: number }
  | { kind: 'target.state'; node: string; native: string; phase: TargetPhase }
  /** What server version ran (container image id/digest/labels, `--version` of a daemon, API version); run.json `target.version`. */
  | { kind: 'target.version'; target: string; version: Record<string, string> }
  | { kind: 'bmc.request'; bmc: string; proto: BmcProto; op: string; status: number | string; ms: number }
  | { kind: 'fault.start'; id: string; fault: string; selector: string; params: Record<string, unknown>; /** Sites/nodes/BMCs hit; absent when the selector is 'all'. */ targets?: string[] }
  | { kind: 'fault.stop'; id: string; fault: string }
  | { kind: 'wave.decision'; wave: string; decision: WaveDecision; nodes: number; detail?: string }
  | { kind: 'expect.result'; name: string; ok: boolean; value: number | null; limit: string }
  | { kind: 'node.info'; node: string; site: string; profile: string; macs: string[]; bmc: string }
  /**
   * One host-load sample of the interval ending at `t` (wall ms): the harness's event-loop lag, the
   * share of the interval its main thread waited for a CPU, its CPU share, the host's runnable
   * tasks. `saturated` marks an interval in which timings are not trustworthy (harness/run/host-sampler.ts).
   */
  | { kind: 'host.sample'; intervalMs: number; loopLagMeanMs: number; loopLagP99Ms: number; loopLagMaxMs: number; runQueueWaitPct: number; cpuPct: number; runnable: number; cores: number; saturated: boolean }
  /** UDP datagrams the kernel dropped during the run: host-wide counters and fleetlab's own sockets (null: not readable). */
  | { kind: 'host.udp'; inErrors: number | null; rcvbufErrors: number | null; sndbufErrors: number | null; ownSocketDrops: number | null }
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; msg: string; code?: string };

/** The machine a run measured on (run.json `config.host`, the report header, compare). */
export interface HostInfo {
  kernel: string; // e.g. "Linux 6.1.0-18-amd64"
  cores: number;
  cpuModel: string;
  /** qemu accelerator this host offers: 'kvm' (/dev/kvm present) or 'tcg'. */
  accelerator: string;
  memoryMB: number;
}

/** What runs are compared on: `fleetlab compare` refuses runs from different testbeds. */
export interface Testbed {
  tier: string; // sim | qemu | hardware | mixed
  machine: string; // e.g. "linux-x64-2cpu"
  scale: number; // node count
}

export type DhcpStage = 'pxe' | 'ipxe';
/**
 * A rollout's decisions about one wave: start, soak (watch before the next wave), done, halt,
 * rollback; blue-green `switch` (traffic moved to the green set), A/B `compare` (cohort metrics).
 * `detail` holds `key=value` pairs (ok=, failed=, failureRate=, p95TtrMs=, reason=…).
 */
export type WaveDecision = 'start' | 'done' | 'halt' | 'rollback' | 'soak' | 'switch' | 'compare';
export type RunStatus = 'passed' | 'failed' | 'interrupted' | 'timedout';

export type EventKind = EventBody['kind'];
/** A stamped event as written to events.ndjson: `t` = ms since run start (monotonic). */
export type FleetEvent = EventBody & { t: number };
export type EventOf<K extends EventKind> = Extract<FleetEvent, { kind: K }>;

/** Exhaustive handler map: adding a kind to the union is a compile error until every map handles it. */
export type EventHandlers<R> = { [K in EventKind]: (e: EventOf<K>) => R };

/** Where the lab sends events. Implementations stamp `t`, persist and fan out; emit never throws. */
export interface EventSink {
  emit(body: EventBody): void;
}

/** A sink that drops everything: for unit tests and standalone tools that do not record. */
export const nullSink: EventSink = { emit() {} };

/**
 * ComputerSystem: the Systems collection, GET/PATCH Systems/{id} (Boot override, AssetTag,
 * IndicatorLED) with ETag/If-Match, and the ComputerSystem.Reset action.
 *
 * Boot override mapping (Redfish ⇄ Machine.bootOverride):
 *   Target  None|Pxe|Hdd|Cd|BiosSetup|UefiHttp  ⇄ none|pxe|hdd|cd|bios|uefi-http
 *   Enabled Disabled (target none) | Once (once=true) | Continuous (once=false)
 *   Mode    UEFI|Legacy ⇄ uefi|legacy
 * The machine clears a Once override after the boot that used it; GET then reads Disabled/None.
 */
import type { BmcSystem } from '../../bmc-system.ts';
import type { BootMode, BootOverride, BootTarget, PowerOp } from '../../../base/machine.ts';
import type { Ctx, Reply } from '../handler-context.ts';
import type { RouteTrie } from '../route-trie.ts';
import { stateOf, systemOf } from '../handler-context.ts';
import type { EmulatorState } from '../emulator-state.ts';
import { etagOf, ifMatchOk } from '../etag.ts';
import { rfError } from '../redfish-errors.ts';
import type { Schema } from '../patch-schema.ts';
import { validateAction, validatePatch } from '../patch-schema.ts';
import { collection, enabledOk, odata, V1 } from './common.ts';

export const BOOT_TARGETS: Record<string, BootTarget> = {
  None: 'none',
  Pxe: 'pxe',
  Hdd: 'hdd',
  Cd: 'cd',
  BiosSetup: 'bios',
  UefiHttp: 'uefi-http',
};
const TARGET_NAMES = Object.fromEntries(Object.entries(BOOT_TARGETS).map(([k, v]) => [v, k])) as Record<BootTarget, string>;
export const BOOT_MODES: Record<string, BootMode> = { UEFI: 'uefi', Legacy: 'legacy' };
const ENABLED = ['Disabled', 'Once', 'Continuous'] as const;

export const RESET_TYPES = ['On', 'ForceOn', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'PushPowerButton', 'PowerCycle'] as const;
export type ResetType = (typeof RESET_TYPES)[number];

/** What a ComputerSystem PATCH may set (also `fleetlab schema redfish-patch`). */
export const SYSTEM_PATCH: Schema = {
  Boot: {
    type: 'object',
    fields: {
      BootSourceOverrideTarget: { type: 'string', enum: Object.keys(BOOT_TARGETS) },
      BootSourceOverrideEnabled: { type: 'string', enum: ENABLED },
      BootSourceOverrideMode: { type: 'string', enum: Object.keys(BOOT_MODES) },
      HttpBootUri: { type: 'string', nullable: true },
    },
  },
  AssetTag: { type: 'string' },
  IndicatorLED: { type: 'string', enum: ['Lit', 'Blinking', 'Off'] },
  LocationIndicatorActive: { type: 'boolean' },
};

export function enabledOf(o: BootOverride): (typeof ENABLED)[number] {
  return o.target === 'none' ? 'Disabled' : o.once ? 'Once' : 'Continuous';
}

export function sysUri(id: string): string {
  return `${V1}/Systems/${encodeURIComponent(id)}`;
}

export function renderSystem(core: EmulatorState, sys: BmcSystem): Record<string, unknown> {
  const m = sys.machine;
  const inv = m.inventory();
  const st = core.peekState(sys.id);
  const o = m.bootOverride;
  const base = sysUri(sys.id);
  const body: Record<string, unknown> = {
    '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem',
    '@odata.id': base,
    Id: sys.id,
    Name: sys.id,
    SystemType: 'Physical',
    UUID: inv.uuid,
    Manufacturer: inv.vendor,
    Model: inv.model,
    SerialNumber: inv.serial,
    SKU: inv.model,
    AssetTag: st?.assetTag ?? '',
    BiosVersion: st?.biosVersion ?? inv.biosVersion,
    HostName: sys.id,
    PowerState: powerStateOf(core, sys),
    IndicatorLED: st?.indicatorLed ?? 'Off',
    LocationIndicatorActive: (st?.indicatorLed ?? 'Off') !== 'Off',
    Status: enabledOk,
    ProcessorSummary: {
      Count: inv.cpu.sockets,
      Model: inv.cpu.model,
      LogicalProcessorCount: inv.cpu.sockets * inv.cpu.coresPerSocket * inv.cpu.threadsPerCore,
      CoreCount: inv.cpu.sockets * inv.cpu.coresPerSocket,
      Status: enabledOk,
    },
    MemorySummary: { TotalSystemMemoryGiB: inv.memoryGiB, Status: enabledOk },
    Boot: {
      BootSourceOverrideEnabled: enabledOf(o),
      BootSourceOverrideTarget: TARGET_NAMES[o.target],
      'BootSourceOverrideTarget@Redfish.AllowableValues': Object.keys(BOOT_TARGETS),
      'BootSourceOverrideEnabled@Redfish.AllowableValues': [...ENABLED],
      BootSourceOverrideMode: o.mode === 'uefi' ? 'UEFI' : 'Legacy',
      'BootSourceOverrideMode@Redfish.AllowableValues': Object.keys(BOOT_MODES),
      HttpBootUri: o.httpBootUri ?? null,
    },
    Bios: odata(`${base}/Bios`),
    SecureBoot: odata(`${base}/SecureBoot`),
    Processors: odata(`${base}/Processors`),
    Memory: odata(`${base}/Memory`),
    EthernetInterfaces: odata(`${base}/EthernetInterfaces`),
    SimpleStorage: odata(`${base}/SimpleStorage`),
    Storage: odata(`${base}/Storage`),
    VirtualMedia: odata(`${base}/VirtualMedia`),
    Links: {
      Chassis: [odata(`${V1}/Chassis/${encodeURIComponent(sys.id)}`)],
      ManagedBy: [odata(`${V1}/Managers/${encodeURIComponent(sys.id)}`)],
    },
    Actions: {
      '#ComputerSystem.Reset': {
        target: `${base}/Actions/ComputerSystem.Reset`,
        'ResetType@Redfish.AllowableValues': [...RESET_TYPES],
      },
    },
  };
  body['@odata.etag'] = etagOf(body);
  return body;
}

function systemReply(core: EmulatorState, sys: BmcSystem): Reply {
  const body = renderSystem(core, sys);
  return { body, headers: { ETag: body['@odata.etag'] as string } };
}

/**
 * Members of the Systems collection as the caller may see them. Listing 10,000 systems walks them
 * all, so the last answer is cached per server (core) and reused until membership changes.
 */
const listCache = new WeakMap<EmulatorState, { membership: number; key: string; only: string | undefined; body: unknown }>();
function systemsCollection(ctx: Ctx): unknown {
  const c = listCache.get(ctx.core);
  if (c && c.membership === ctx.core.membership && c.key === ctx.credKey && c.only === ctx.only) return c.body;
  const body = collection(
    `${V1}/Systems`,
    'ComputerSystemCollection',
    'Computer System Collection',
    ctx.core.visible(ctx.credKey, ctx.only).map((s) => sysUri(s.id)),
  );
  listCache.set(ctx.core, { membership: ctx.core.membership, key: ctx.credKey, only: ctx.only, body });
  return body;
}

function patchSystem(ctx: Ctx): Reply {
  const sys = systemOf(ctx);
  const cur = renderSystem(ctx.core, sys);
  const ifMatch = ctx.headers['if-match'];
  if (!ifMatchOk(ifMatch, cur['@odata.etag'] as string))
    throw rfError('BMC_PRECONDITION', `If-Match ${ifMatch} does not match the current ETag ${cur['@odata.etag'] as string} of ${cur['@odata.id'] as string}`);
  validatePatch(ctx.body, SYSTEM_PATCH, cur);
  const b = ctx.body as {
    Boot?: { BootSourceOverrideTarget?: string; BootSourceOverrideEnabled?: (typeof ENABLED)[number]; BootSourceOverrideMode?: string; HttpBootUri?: string | null };
    AssetTag?: string;
    IndicatorLED?: 'Lit' | 'Blinking' | 'Off';
    LocationIndicatorActive?: boolean;
  };
  if (b.Boot) applyBoot(ctx, b.Boot);
  if (b.AssetTag !== undefined || b.IndicatorLED !== undefined || b.LocationIndicatorActive !== undefined) {
    const st = stateOf(ctx);
    if (b.AssetTag !== undefined) st.assetTag = b.AssetTag;
    if (b.IndicatorLED !== undefined) st.indicatorLed = b.IndicatorLED;
    if (b.LocationIndicatorActive !== undefined) st.indicatorLed = b.LocationIndicatorActive ? 'Lit' : 'Off';
    st.version++;
  }
  return systemReply(ctx.core, sys);
}

function applyBoot(
  ctx: Ctx,
  b: { BootSourceOverrideTarget?: string; BootSourceOverrideEnabled?: (typeof ENABLED)[number]; BootSourceOverrideMode?: string; HttpBootUri?: string | null },
): void {
  const m = systemOf(ctx).machine;
  const cur = m.bootOverride;
  const curEnabled = enabledOf(cur);
  let target: BootTarget = b.BootSourceOverrideTarget !== undefined ? BOOT_TARGETS[b.BootSourceOverrideTarget]! : cur.target;
  // Setting a target while the override is Disabled arms it for one boot (what BMCs do when a
  // client sends only the target, as bmclib's fallback does).
  let enabled = b.BootSourceOverrideEnabled ?? (b.BootSourceOverrideTarget !== undefined && curEnabled === 'Disabled' ? 'Once' : curEnabled);
  if (enabled === 'Disabled') target = 'none';
  if (target === 'none') enabled = 'Disabled';
  const mode: BootMode = b.BootSourceOverrideMode !== undefined ? BOOT_MODES[b.BootSourceOverrideMode]! : cur.mode;
  const next: BootOverride = { target, mode, once: enabled === 'Once' };
  const uri = b.HttpBootUri === undefined ? cur.httpBootUri : (b.HttpBootUri ?? undefined);
  if (uri !== undefined) next.httpBootUri = uri;
  m.bootOverride = next;
}

/** State the machine will be in once the power op this BMC started (if any) finishes. */
function expectedPower(core: EmulatorState, sys: BmcSystem): 'on' | 'off' {
  const inflight = core.peekState(sys.id)?.inflight;
  if (inflight === 'on' || inflight === 'reset' || inflight === 'cycle') return 'on';
  if (inflight === 'off' || inflight === 'soft-off') return 'off';
  return sys.machine.power();
}

/**
 * Redfish PowerState: the machine's state, or PoweringOn/PoweringOff while a transition this BMC
 * started is under way — so a client never reads "Off" and then gets "already on" for On
 * (Ironic maps PoweringOn to power on and skips the request).
 */
export function powerStateOf(core: EmulatorState, sys: BmcSystem): 'On' | 'Off' | 'PoweringOn' | 'PoweringOff' {
  const now = sys.machine.power();
  const expected = expectedPower(core, sys);
  if (expected === now) return now === 'on' ? 'On' : 'Off';
  return expected === 'on' ? 'PoweringOn' : 'PoweringOff';
}

async function reset(ctx: Ctx): Promise<Reply> {
  const sys = systemOf(ctx);
  const action = 'ComputerSystem.Reset';
  const b = validateAction(ctx.body, action, { ResetType: { type: 'string', enum: RESET_TYPES, required: true } });
  const type = b.ResetType as ResetType;
  const power = expectedPower(ctx.core, sys);
  const already = (state: 'on' | 'off') =>
    rfError('BMC_ALREADY_IN_STATE', `${action} ${type}: system ${sys.id} is already powered ${state}`, { args: [] });
  let op: PowerOp;
  switch (type) {
    case 'On':
    case 'ForceOn':
      if (power === 'on') throw already('on');
      op = 'on';
      break;
    case 'ForceOff':
      if (power === 'off') throw already('off');
      op = 'off';
      break;
    case 'GracefulShutdown':
      if (power === 'off') throw already('off');
      op = 'soft-off';
      break;
    case 'GracefulRestart':
    case 'ForceRestart':
      if (power === 'off') throw already('off');
      op = 'reset';
      break;
    case 'Nmi':
      if (power === 'off') throw already('off');
      op = 'nmi';
      break;
    case 'PushPowerButton':
      op = power === 'on' ? 'soft-off' : 'on';
      break;
    case 'PowerCycle':
      op = 'cycle';
      break;
  }
  await runPower(ctx, op);
  return { status: 204 };
}

/**
 * Start the machine's transition, serialised after any in-flight one, and wait for it at most
 * `resetWaitMs`: a real BMC accepts the request and lets the chassis catch up.
 */
async function runPower(ctx: Ctx, op: PowerOp): Promise<void> {
  const sys = systemOf(ctx);
  const st = stateOf(ctx);
  const prev = st.chain;
  st.inflight = op;
  const boots = op === 'on' || op === 'reset' || op === 'cycle';
  const p = prev.then(() => sys.machine.setPower(op));
  // `chain` is what st.chain holds: comparing against it tells whether a later op was queued
  // (then that op owns `inflight`); comparing against `done` never matched, so the transition
  // state stuck at PoweringOn after the machine switched itself off.
  const done: Promise<void> = p.then(
    () => {
      if (st.inflight === op && st.chain === chain) st.inflight = undefined;
      if (boots) st.applyOnReset();
    },
    (e: unknown) => {
      if (st.chain === chain) st.inflight = undefined;
      throw e;
    },
  );
  // The chain never rejects (a failed op must not block the next one).
  const chain = done.catch(() => undefined);
  st.chain = chain;
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ctx.core.opts.resetWaitMs)));
  try {
    await Promise.race([done, bound]);
  } catch (e) {
    throw rfError('BMC_INTERNAL', `power ${op} on ${sys.id} failed: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

export function registerSystems(r: RouteTrie): void {
  r.add(`${V1}/Systems`, { op: 'Systems', methods: { GET: (ctx) => ({ body: systemsCollection(ctx) }) } });
  r.add(`${V1}/Systems/{sid}`, {
    op: 'System',
    methods: {
      GET: (ctx) => systemReply(ctx.core, systemOf(ctx)),
      PATCH: patchSystem,
    },
  });
  r.add(`${V1}/Systems/{sid}/Actions/ComputerSystem.Reset`, { op: 'Reset', methods: { POST: reset } });
}

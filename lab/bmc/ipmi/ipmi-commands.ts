/**
 * IPMI commands a BMC answers, one table keyed by (netFn, cmd). Each entry names the `op` used in
 * bmc.request events, the privilege it needs (0 = allowed before a session exists) and a handler
 * that returns a completion code and response data. Completion codes come from lab/base/errors.ts.
 *
 *   IpmiRequest ─▶ COMMANDS[netFn<<8|cmd] ─▶ privilege check ─▶ run(ctx, data) ─▶ {cc, data, after}
 *
 * Handlers answer promptly: power transitions are started on the Machine and not awaited (the
 * profile's onMs may be seconds), as a real BMC acknowledges Chassis Control before the chassis
 * changes state. `after` runs once the response is on the wire (Close Session, Cold Reset).
 */
import type { BootOverride, PowerOp } from '../../base/machine.ts';
import { ipmiCompletion } from '../../base/errors.ts';
import type { BmcState } from './bmc-state.ts';
import { CIPHER_SUITES, CIPHER_SUITE_ZERO } from './cipher-suite.ts';
import { NETFN_APP, NETFN_CHASSIS, NETFN_STORAGE, NETFN_TRANSPORT } from './ipmi-message.ts';
import type { Session } from './rakp-session.ts';
import { PRIV } from './rakp-session.ts';

export interface CommandContext {
  state: BmcState;
  /** Undefined for pre-session requests. */
  session: Session | undefined;
  /** Clock ms. */
  now: number;
  remote: { address: string; port: number };
  /** Where this BMC listens (reported as its IP by Get LAN Configuration Parameters). */
  local: { address: string; port: number };
  maxSessions: number;
  allowCipherZero: boolean;
  /** IPMI 1.5 auth types offered (empty = RMCP+ only). */
  ipmi15AuthTypes: readonly number[];
  /** A power operation the machine rejected after we answered. */
  onPowerError(op: PowerOp, err: unknown): void;
}

export interface CommandResult {
  cc: number;
  data?: Buffer | number[];
  after?: () => void;
}

export interface CommandDef {
  op: string;
  minPriv: number;
  run(ctx: CommandContext, data: Buffer): CommandResult;
}

const OK = 0x00;
const cc = {
  length: ipmiCompletion('BMC_REQUEST_LENGTH'),
  invalid: ipmiCompletion('BMC_PROPERTY_VALUE'),
  notFound: ipmiCompletion('BMC_NOT_FOUND'),
  paramUnsupported: ipmiCompletion('BMC_PARAM_UNSUPPORTED'),
  privLimit: ipmiCompletion('BMC_PRIVILEGE_LIMIT'),
  sessionUnknown: ipmiCompletion('BMC_SESSION_UNKNOWN'),
  reservation: ipmiCompletion('BMC_RESERVATION'),
};

/** Users: ID 1 is the fixed null user (disabled), ID 2 the system's credentials. */
const MAX_USERS = 10;
const OUR_USER_ID = 2;
/** IPMI channel number of our LAN channel. */
const LAN_CHANNEL = 1;

const POWER_OPS: Record<number, PowerOp> = { 0: 'off', 1: 'on', 2: 'cycle', 3: 'reset', 4: 'nmi', 5: 'soft-off' };

const DEVICE_TO_TARGET: Record<number, BootOverride['target']> = { 0x0: 'none', 0x1: 'pxe', 0x2: 'hdd', 0x3: 'hdd', 0x5: 'cd', 0x6: 'bios' };
const TARGET_TO_DEVICE: Record<BootOverride['target'], number> = { none: 0x0, pxe: 0x1, hdd: 0x2, cd: 0x5, bios: 0x6, 'uefi-http': 0x1 };

function need(data: Buffer, n: number): boolean {
  return data.length >= n;
}

// ---------------------------------------------------------------- App (netFn 0x06)

const getDeviceId: CommandDef = {
  op: 'get-device-id',
  minPriv: PRIV.user,
  run: () => ({
    cc: OK,
    // device id, revision, fw 1.00 (available), IPMI 2.0, chassis + SEL device, manufacturer 0,
    // product 0x0F1E, aux firmware revision.
    data: [0x20, 0x01, 0x01, 0x00, 0x02, 0x84, 0x00, 0x00, 0x00, 0x1e, 0x0f, 0x00, 0x00, 0x00, 0x00],
  }),
};

const getChannelAuthCaps: CommandDef = {
  op: 'get-channel-auth-caps',
  minPriv: 0,
  run: (ctx, data) => {
    if (!need(data, 2)) return { cc: cc.length };
    const channel = data[0]! & 0x0f;
    if (channel !== 0x0e && channel !== LAN_CHANNEL) return { cc: cc.invalid };
    const v2 = (data[0]! & 0x80) !== 0;
    // Byte 2: IPMI 1.5 auth types offered (bit n = type n) + "v2.0 data" flag; byte 3: non-null
    // usernames only, per-message and user-level authentication on; byte 4: 1.5 / 2.0 support.
    const types = ctx.ipmi15AuthTypes.reduce((m, a) => m | (1 << a), 0);
    const versions = (ctx.ipmi15AuthTypes.length > 0 ? 0x01 : 0) | 0x02;
    return { cc: OK, data: [LAN_CHANNEL, (v2 ? 0x80 : 0x00) | types, 0x04, v2 ? versions : 0x00, 0, 0, 0, 0] };
  },
};

const getChannelCipherSuites: CommandDef = {
  op: 'get-channel-cipher-suites',
  minPriv: 0,
  run: (ctx, data) => {
    if (!need(data, 3)) return { cc: cc.length };
    const channel = data[0]! & 0x0f;
    if (channel !== 0x0e && channel !== LAN_CHANNEL) return { cc: cc.invalid };
    if ((data[1]! & 0x3f) !== 0) return { cc: OK, data: [LAN_CHANNEL] }; // only IPMI payload has suites
    const suites = ctx.allowCipherZero ? [CIPHER_SUITE_ZERO, ...CIPHER_SUITES] : CIPHER_SUITES;
    const records = Buffer.from(suites.flatMap((s) => [0xc0, s.id, s.auth, 0x40 | s.integrity, 0x80 | s.conf]));
    const index = data[2]! & 0x3f;
    return { cc: OK, data: Buffer.concat([Buffer.from([LAN_CHANNEL]), records.subarray(index * 16, index * 16 + 16)]) };
  },
};

const getSystemGuid: CommandDef = {
  op: 'get-system-guid',
  minPriv: 0,
  run: (ctx) => ({ cc: OK, data: Buffer.from(ctx.state.guid) }),
};

const getSelfTest: CommandDef = { op: 'get-self-test', minPriv: PRIV.user, run: () => ({ cc: OK, data: [0x55, 0x00] }) };

const coldReset: CommandDef = {
  op: 'mc.reset-cold',
  minPriv: PRIV.admin,
  run: (ctx) => ({ cc: OK, after: () => ctx.state.coldReset() }),
};

const warmReset: CommandDef = { op: 'mc.reset-warm', minPriv: PRIV.admin, run: () => ({ cc: OK }) };

const setSessionPrivilege: CommandDef = {
  op: 'session.set-privilege',
  minPriv: PRIV.callback,
  run: (ctx, data) => {
    const s = ctx.session!;
    if (!need(data, 1)) return { cc: cc.length };
    const want = data[0]! & 0x0f;
    if (want === 0) return { cc: OK, data: [s.priv] };
    if (want > PRIV.oem) return { cc: cc.invalid };
    if (want > s.maxPriv) return { cc: cc.privLimit };
    s.priv = want;
    return { cc: OK, data: [want] };
  },
};

const closeSession: CommandDef = {
  op: 'session.close',
  minPriv: PRIV.callback,
  run: (ctx, data) => {
    const s = ctx.session!;
    if (!need(data, 4)) return { cc: cc.length };
    const id = data.readUInt32LE(0);
    const target = id === 0 ? s.bmcSid : id;
    if (target !== s.bmcSid && s.priv < PRIV.admin) return { cc: ipmiCompletion('BMC_INSUFFICIENT_PRIVILEGE') };
    if (!ctx.state.sessions.get(target)) return { cc: cc.sessionUnknown };
    return { cc: OK, after: () => ctx.state.sessions.close(target) };
  },
};

const getSessionInfo: CommandDef = {
  op: 'session.info',
  minPriv: PRIV.user,
  run: (ctx) => {
    const s = ctx.session!;
    const ip = ctx.remote.address.split('.').map((x) => Number(x) & 0xff);
    const port = Buffer.alloc(2);
    port.writeUInt16LE(ctx.remote.port & 0xffff);
    const active = ctx.state.sessions.activeCount();
    return {
      cc: OK,
      data: [1, ctx.maxSessions & 0x3f, active & 0x3f, OUR_USER_ID, s.priv, 0x10 | LAN_CHANNEL, ...(ip.length === 4 ? ip : [0, 0, 0, 0]), 0, 0, 0, 0, 0, 0, ...port],
    };
  },
};

const getChannelInfo: CommandDef = {
  op: 'get-channel-info',
  minPriv: PRIV.user,
  run: (ctx, data) => {
    if (!need(data, 1)) return { cc: cc.length };
    const channel = data[0]! & 0x0f;
    if (channel !== 0x0e && channel !== LAN_CHANNEL) return { cc: cc.invalid };
    // 802.3 LAN, IPMB-1.0 protocol, multi-session, IPMI forum IANA 7154.
    return { cc: OK, data: [LAN_CHANNEL, 0x04, 0x01, 0x80 | (ctx.state.sessions.activeCount() & 0x3f), 0xf2, 0x1b, 0x00, 0x00, 0x00] };
  },
};

const getUserAccess: CommandDef = {
  op: 'user.get-access',
  minPriv: PRIV.operator,
  run: (_ctx, data) => {
    if (!need(data, 2)) return { cc: cc.length };
    const id = data[1]! & 0x3f;
    if (id === 0 || id > MAX_USERS) return { cc: cc.invalid };
    const ours = id === OUR_USER_ID;
    // max users, enabled count (1, status "enabled"), fixed names (user 1), channel access
    // (bit 4 IPMI messaging, bits 3:0 privilege limit; 0x0F = no access).
    return { cc: OK, data: [MAX_USERS, (ours ? 0x40 : 0x80) | 1, 1, ours ? 0x10 | PRIV.admin : 0x0f] };
  },
};

const getUserName: CommandDef = {
  op: 'user.get-name',
  minPriv: PRIV.operator,
  run: (ctx, data) => {
    if (!need(data, 1)) return { cc: cc.length };
    const id = data[0]! & 0x3f;
    if (id === 0 || id > MAX_USERS) return { cc: cc.invalid };
    const name = Buffer.alloc(16);
    if (id === OUR_USER_ID) Buffer.from(ctx.state.system.credentials.username, 'utf8').copy(name, 0, 0, 16);
    return { cc: OK, data: name };
  },
};

// ---------------------------------------------------------------- Chassis (netFn 0x00)

const getChassisCapabilities: CommandDef = {
  op: 'chassis.capabilities',
  minPriv: PRIV.user,
  run: () => ({ cc: OK, data: [0x00, 0x20, 0x20, 0x20, 0x20, 0x20] }),
};

const getChassisStatus: CommandDef = {
  op: 'chassis.status',
  minPriv: PRIV.user,
  run: (ctx) => {
    const on = ctx.state.system.machine.power() === 'on';
    // byte 1: power on, restore policy "previous" (01b in bits 6:5); byte 2: last power event;
    // byte 3: identify supported (bit 6) + identify state (bits 5:4).
    return {
      cc: OK,
      data: [(on ? 0x01 : 0x00) | 0x20, ctx.state.lastPowerOnByIpmi ? 0x10 : 0x00, 0x40 | (ctx.state.identifyState(ctx.now) << 4)],
    };
  },
};

const chassisControl: CommandDef = {
  op: 'chassis.control',
  minPriv: PRIV.operator,
  run: (ctx, data) => {
    if (!need(data, 1)) return { cc: cc.length };
    const op = POWER_OPS[data[0]! & 0x0f];
    if (!op) return { cc: cc.invalid };
    const m = ctx.state.system.machine;
    ctx.state.bootFlagsSetAt = undefined; // a Chassis Control stops the 60 s valid-bit timer
    if (op === 'on' || op === 'cycle') ctx.state.lastPowerOnByIpmi = true;
    m.setPower(op).catch((e: unknown) => ctx.onPowerError(op, e));
    return { cc: OK };
  },
};

const chassisIdentify: CommandDef = {
  op: 'chassis.identify',
  minPriv: PRIV.operator,
  run: (ctx, data) => {
    const force = data.length >= 2 && (data[1]! & 0x01) === 1;
    const seconds = data.length >= 1 ? data[0]! : 15;
    ctx.state.identifyUntil = force ? Infinity : seconds === 0 ? 0 : ctx.now + seconds * 1000;
    return { cc: OK };
  },
};

/** Boot option parameter lengths we accept on Set (IPMI v2.0 table 28-14). */
const BOOT_PARAM_LEN: Record<number, number> = { 0: 1, 3: 1, 4: 2, 5: 5 };

const setBootOptions: CommandDef = {
  op: 'boot-options.set',
  minPriv: PRIV.operator,
  run: (ctx, data) => {
    if (!need(data, 1)) return { cc: cc.length };
    const param = data[0]! & 0x7f;
    const len = BOOT_PARAM_LEN[param];
    if (len === undefined) return { cc: param <= 7 ? OK : cc.paramUnsupported }; // 1, 2, 6, 7: accepted, not modelled
    const v = data.subarray(1);
    if (v.length < len) return { cc: cc.length };
    const st = ctx.state;
    switch (param) {
      case 0:
        st.setInProgress = v[0]! & 0x03;
        return { cc: OK };
      case 3:
        st.validBitClearing = v[0]! & 0x1f;
        return { cc: OK };
      case 4:
        st.bootInfoAck = (st.bootInfoAck & ~v[0]!) | (v[1]! & v[0]!);
        return { cc: OK };
      default: {
        const b1 = v[0]!;
        const device = (v[1]! >> 2) & 0x0f;
        const target = DEVICE_TO_TARGET[device];
        if (target === undefined) return { cc: cc.invalid };
        const mode: BootOverride['mode'] = b1 & 0x20 ? 'uefi' : 'legacy';
        const m = st.system.machine;
        if ((b1 & 0x80) === 0 || target === 'none') {
          m.bootOverride = { target: 'none', mode, once: false };
          st.bootFlagsSetAt = undefined;
        } else {
          m.bootOverride = { target, mode, once: (b1 & 0x40) === 0 };
          st.bootFlagsSetAt = ctx.now;
        }
        v.copy(st.bootFlagsExtra, 0, 2, 5);
        return { cc: OK };
      }
    }
  },
};

const getBootOptions: CommandDef = {
  op: 'boot-options.get',
  minPriv: PRIV.user,
  run: (ctx, data) => {
    if (!need(data, 1)) return { cc: cc.length };
    const param = data[0]! & 0x7f;
    const st = ctx.state;
    const head = [0x01, param];
    switch (param) {
      case 0:
        return { cc: OK, data: [...head, st.setInProgress] };
      case 1:
      case 2:
        return { cc: OK, data: [...head, 0] };
      case 3:
        return { cc: OK, data: [...head, st.validBitClearing] };
      case 4:
        return { cc: OK, data: [...head, 0, st.bootInfoAck] };
      case 5: {
        const o = st.system.machine.bootOverride;
        const valid = o.target !== 'none';
        const b1 = (valid ? 0x80 : 0) | (valid && !o.once ? 0x40 : 0) | (o.mode === 'uefi' ? 0x20 : 0);
        const b2 = (valid ? TARGET_TO_DEVICE[o.target] : 0) << 2;
        return { cc: OK, data: [...head, b1, b2, ...st.bootFlagsExtra] };
      }
      default:
        return { cc: cc.paramUnsupported };
    }
  },
};

// ---------------------------------------------------------------- Storage / SEL (netFn 0x0A)

const selInfo: CommandDef = {
  op: 'sel.info',
  minPriv: PRIV.user,
  run: (ctx) => {
    const st = ctx.state;
    const b = Buffer.alloc(14);
    b[0] = 0x51; // SEL version 1.5 (also for IPMI 2.0)
    b.writeUInt16LE(st.sel.length, 1);
    b.writeUInt16LE((512 - st.sel.length) * 16, 3);
    b.writeUInt32LE(st.selLastAdd >>> 0, 5);
    b.writeUInt32LE(st.selLastErase >>> 0, 9);
    b[13] = 0x02; // Reserve SEL supported
    return { cc: OK, data: b };
  },
};

const selAllocInfo: CommandDef = {
  op: 'sel.alloc-info',
  minPriv: PRIV.user,
  run: (ctx) => {
    const b = Buffer.alloc(9);
    b.writeUInt16LE(512, 0);
    b.writeUInt16LE(16, 2);
    b.writeUInt16LE(512 - ctx.state.sel.length, 4);
    b.writeUInt16LE(512 - ctx.state.sel.length, 6);
    b[8] = 1;
    return { cc: OK, data: b };
  },
};

const selReserve: CommandDef = {
  op: 'sel.reserve',
  minPriv: PRIV.user,
  run: (ctx) => {
    const st = ctx.state;
    st.selReservation = st.selReservation >= 0xffff ? 1 : st.selReservation + 1;
    return { cc: OK, data: [st.selReservation & 0xff, st.selReservation >> 8] };
  },
};

const selGetEntry: CommandDef = {
  op: 'sel.get-entry',
  minPriv: PRIV.user,
  run: (ctx, data) => {
    if (!need(data, 6)) return { cc: cc.length };
    const sel = ctx.state.sel;
    const id = data.readUInt16LE(2);
    const offset = data[4]!;
    const count = data[5]!;
    const at = id === 0x0000 ? 0 : id === 0xffff ? sel.length - 1 : sel.findIndex((r) => r.id === id);
    const rec = at >= 0 ? sel[at] : undefined;
    if (!rec) return { cc: cc.notFound };
    if (offset > 16) return { cc: cc.invalid };
    const next = sel[at + 1]?.id ?? 0xffff;
    const bytes = rec.bytes.subarray(offset, count === 0xff ? 16 : Math.min(16, offset + count));
    return { cc: OK, data: Buffer.concat([Buffer.from([next & 0xff, next >> 8]), bytes]) };
  },
};

const selClear: CommandDef = {
  op: 'sel.clear',
  minPriv: PRIV.operator,
  run: (ctx, data) => {
    if (!need(data, 6)) return { cc: cc.length };
    if (data.readUInt16LE(0) !== ctx.state.selReservation) return { cc: cc.reservation };
    if (data[2] !== 0x43 || data[3] !== 0x4c || data[4] !== 0x52) return { cc: cc.invalid }; // 'CLR'
    if (data[5] === 0xaa) ctx.state.clearSel();
    return { cc: OK, data: [0x01] }; // erasure completed
  },
};

const selGetTime: CommandDef = {
  op: 'sel.get-time',
  minPriv: PRIV.user,
  run: () => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(Math.floor(Date.now() / 1000) >>> 0);
    return { cc: OK, data: b };
  },
};

// ---------------------------------------------------------------- Transport (netFn 0x0C)

/** Get LAN Configuration Parameters (§23.2): what `ipmitool lan print` shows. Read-only. */
const getLanConfig: CommandDef = {
  op: 'lan.get-config',
  minPriv: PRIV.operator,
  run: (ctx, data) => {
    if (!need(data, 2)) return { cc: cc.length };
    const channel = data[0]! & 0x0f;
    if (channel !== 0x0e && channel !== LAN_CHANNEL) return { cc: cc.invalid };
    const REV = 0x11;
    if (data[0]! & 0x80) return { cc: OK, data: [REV] };
    const types = ctx.ipmi15AuthTypes.reduce((m, a) => m | (1 << a), 0);
    const ip = ctx.local.address.split('.').map((x) => Number(x) & 0xff);
    const guid = ctx.state.guid; // LSB first: its first bytes are the UUID's last ones
    const value: Record<number, number[]> = {
      0: [0x00], // set complete
      1: [types], // auth types supported
      2: [types, types, types, types, 0x00], // enabled per privilege: callback, user, operator, admin, OEM
      3: ip.length === 4 ? ip : [0, 0, 0, 0],
      4: [0x01], // static address
      5: [0x02, 0x00, guid[3]!, guid[2]!, guid[1]!, guid[0]!], // locally administered MAC
      6: [255, 0, 0, 0],
      12: [0, 0, 0, 0],
      13: [0, 0, 0, 0, 0, 0],
    };
    const v = value[data[1]! & 0x7f];
    return v ? { cc: OK, data: [REV, ...v] } : { cc: cc.paramUnsupported };
  },
};

const COMMANDS = new Map<number, CommandDef>([
  [key(NETFN_APP, 0x01), getDeviceId],
  [key(NETFN_APP, 0x02), coldReset],
  [key(NETFN_APP, 0x03), warmReset],
  [key(NETFN_APP, 0x04), getSelfTest],
  [key(NETFN_APP, 0x37), getSystemGuid],
  [key(NETFN_APP, 0x38), getChannelAuthCaps],
  [key(NETFN_APP, 0x3b), setSessionPrivilege],
  [key(NETFN_APP, 0x3c), closeSession],
  [key(NETFN_APP, 0x3d), getSessionInfo],
  [key(NETFN_APP, 0x42), getChannelInfo],
  [key(NETFN_APP, 0x44), getUserAccess],
  [key(NETFN_APP, 0x46), getUserName],
  [key(NETFN_APP, 0x54), getChannelCipherSuites],
  [key(NETFN_CHASSIS, 0x00), getChassisCapabilities],
  [key(NETFN_CHASSIS, 0x01), getChassisStatus],
  [key(NETFN_CHASSIS, 0x02), chassisControl],
  [key(NETFN_CHASSIS, 0x04), chassisIdentify],
  [key(NETFN_CHASSIS, 0x08), setBootOptions],
  [key(NETFN_CHASSIS, 0x09), getBootOptions],
  [key(NETFN_STORAGE, 0x40), selInfo],
  [key(NETFN_STORAGE, 0x41), selAllocInfo],
  [key(NETFN_STORAGE, 0x42), selReserve],
  [key(NETFN_STORAGE, 0x43), selGetEntry],
  [key(NETFN_STORAGE, 0x47), selClear],
  [key(NETFN_STORAGE, 0x48), selGetTime],
  [key(NETFN_TRANSPORT, 0x02), getLanConfig],
]);

function key(netFn: number, cmd: number): number {
  return (netFn << 8) | cmd;
}

export function findCommand(netFn: number, cmd: number): CommandDef | undefined {
  return COMMANDS.get(key(netFn, cmd));
}

/** Event op for a command we do not implement, e.g. `netfn-0x06.cmd-0x99`. */
export function unknownOp(netFn: number, cmd: number): string {
  return `netfn-0x${netFn.toString(16).padStart(2, '0')}.cmd-0x${cmd.toString(16).padStart(2, '0')}`;
}

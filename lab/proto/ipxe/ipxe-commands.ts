/**
 * The iPXE command table: one handler per command the interpreter knows, with iPXE's argument
 * rules and return codes (rc 0 success, failures name the line). Settings, flow control,
 * imaging and menus; NOOPS are accepted and do nothing in the lab.
 *
 *   Interpreter.exec(argv) ─▶ COMMANDS[argv[0]](rt, args, frame, call) ─▶ CommandResult | throws Halt
 */
import { CODE_SCRIPT, FAIL, Halt, OK, type CommandResult, type Frame, type IpxeRuntime } from './ipxe-runtime.ts';

/** The call being executed: the command name, its full argv and the chain depth. */
export interface CommandCall {
  cmd: string;
  argv: string[];
  depth: number;
}

type Command = (rt: IpxeRuntime, a: string[], f: Frame, call: CommandCall) => CommandResult | Promise<CommandResult>;

/** Commands that are accepted and do nothing in the lab (network is already up, no console). */
export const NOOPS = new Set(['ifopen', 'ifclose', 'ifstat', 'route', 'ntp', 'imgstat', 'imgverify', 'console', 'colour', 'cpair', 'params', 'param', 'nslookup', 'vcreate', 'vdestroy', 'sync', 'show', 'clear-screen']);

const ok: CommandResult = Object.freeze({ rc: OK });

/** Parse leading `--opt value` / `-o value` / flags of an imaging command. */
function parseImageArgs(argv: string[]): { name?: string; timeout?: number; rest: string[]; bad?: string } {
  const out: { name?: string; timeout?: number; rest: string[]; bad?: string } = { rest: [] };
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-')) break;
    if (a === '--name' || a === '-n') out.name = argv[++i];
    else if (a.startsWith('--name=')) out.name = a.slice(7);
    else if (a === '--timeout' || a === '-t') out.timeout = Number(argv[++i]);
    else if (a.startsWith('--timeout=')) out.timeout = Number(a.slice(10));
    else if (['--autofree', '-a', '--replace', '-r'].includes(a)) continue;
    else {
      out.bad = a;
      break;
    }
  }
  out.rest = argv.slice(i);
  return out;
}

// ── settings ────────────────────────────────────────────────────────────────────────────────
const settings: Record<string, Command> = {
  // `-n` (no newline) only matters on a console; the host gets the text either way.
  echo: (rt, a) => (rt.host.echo((a[0] === '-n' ? a.slice(1) : a).join(' ')), ok),
  set: (rt, a, f) => {
    if (a.length === 0) return rt.failed(f, 'set: missing setting name');
    rt.setVar(a[0]!, a.slice(1).join(' '));
    return ok;
  },
  clear: (rt, a, f) => {
    if (a.length === 0) return rt.failed(f, 'clear: missing setting name');
    rt.setVar(a[0]!, undefined);
    return ok;
  },
  inc: (rt, a, f) => {
    if (a.length === 0) return rt.failed(f, 'inc: missing setting name');
    const name = a[0]!.split(':')[0]!;
    const cur = rt.lookup(name) ?? '0';
    const by = a[1] === undefined ? 1 : Number(a[1]);
    if (!/^-?\d+$/.test(cur) || !Number.isInteger(by)) return rt.failed(f, `inc: ${name}='${cur}' is not a number`);
    rt.host.vars.set(name, String(Number(cur) + by));
    return ok;
  },
  isset: (rt, a, f) => (a.length !== 1 ? rt.failed(f, `isset: takes one value, got ${a.length}`) : { rc: a[0] !== '' ? OK : FAIL }),
  iseq: (rt, a, f) => (a.length !== 2 ? rt.failed(f, `iseq: takes two values, got ${a.length}`) : { rc: a[0] === a[1] ? OK : FAIL }),
  // `cpuid --ext 29` (long mode) is how scripts pick x86_64 vs i386 kernels.
  cpuid: (rt) => ({ rc: (rt.lookup('buildarch') ?? 'x86_64') === 'i386' ? FAIL : OK }),
};

// ── flow control ────────────────────────────────────────────────────────────────────────────
const dhcp: Command = async (rt, _a, f, { cmd }) => {
  let got = false;
  try {
    got = await rt.host.dhcp();
  } catch (e) {
    return rt.failed(f, `${cmd}: ${(e as Error).message}`);
  }
  return got ? ok : rt.failed(f, `${cmd}: no DHCP lease`);
};

const flow: Record<string, Command> = {
  goto: (rt, a, f) => {
    const label = a[0];
    if (label === undefined) return rt.failed(f, 'goto: missing label');
    if (!f.labels.has(label)) return rt.failed(f, `goto: label '${label}' not found`);
    f.jump = label;
    return ok;
  },
  exit: (_rt, a, f) => {
    const code = a[0] === undefined ? 0 : Number(a[0]);
    f.exitCode = Number.isInteger(code) ? code : 1;
    return ok;
  },
  sleep: async (rt, a, f) => {
    if (a.length !== 1 || !/^(\d+|0x[0-9a-f]+)$/i.test(a[0]!)) return rt.failed(f, `sleep: '${a.join(' ')}' is not a whole number of seconds`);
    await rt.host.sleep(Number(a[0]) * 1000);
    return ok;
  },
  prompt: async (rt, a, f) => {
    // Non-interactive console: nobody presses a key, so a prompt with a timeout times out (fails).
    let timeout: number | null = null;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === '--timeout' || a[i] === '-t') timeout = Number(a[++i]);
      else if (a[i] === '--key' || a[i] === '-k') i++;
    }
    if (timeout !== null && Number.isFinite(timeout)) await rt.host.sleep(timeout);
    // Like iPXE, a timed-out prompt fails: `prompt ... && shell ||` is the usual guard.
    return { rc: FAIL, fail: { code: CODE_SCRIPT, message: `line ${f.line}: prompt: no key pressed${timeout !== null ? ` within ${timeout} ms` : ''} (the lab has no keyboard)` } };
  },
  dhcp,
  ifconf: dhcp,
  reboot: () => {
    throw new Halt({ kind: 'exit', code: 0, reason: 'reboot' });
  },
  poweroff: () => {
    throw new Halt({ kind: 'exit', code: 0, reason: 'poweroff' });
  },
  shell: (rt, _a, f) => rt.failed(f, 'shell: no interactive console in the lab'),
};

// ── imaging ─────────────────────────────────────────────────────────────────────────────────
/** kernel, imgselect, imgfetch, module, initrd, chain, imgexec, boot: fetch and/or run an image. */
const image: Command = async (rt, _a, f, { cmd, argv, depth }) => {
  const p = parseImageArgs(argv);
  if (p.bad) return rt.failed(f, `${cmd}: unknown option ${p.bad}`);
  const target = p.rest[0];
  const runs = cmd === 'boot' || cmd === 'imgexec';
  if (runs && target === undefined) {
    // iPXE imgexec: with no argument only the selected image (`kernel`/`imgselect`) runs.
    if (!rt.selected) return rt.failed(f, `${cmd}: no image selected (use kernel, not only initrd/imgfetch)`);
    return rt.execImage(rt.selected, f, depth);
  }
  if (target === undefined) return rt.failed(f, `${cmd}: missing URL`);
  // `boot name` / `imgexec name` may name an already loaded image.
  const known = rt.images.find((x) => x.name === target);
  if (runs && known) {
    if (p.rest.length > 1) known.args = p.rest.slice(1).join(' ');
    return rt.execImage(known, f, depth);
  }
  const img = await rt.fetchImage(f, cmd, target, p.name, p.rest.slice(1));
  if (!('url' in img)) return img;
  if (cmd === 'kernel' || cmd === 'imgselect') {
    rt.selected = img;
    return ok;
  }
  if (cmd === 'chain' || runs) return rt.execImage(img, f, depth);
  return ok;
};

const SANBOOT_VALUE_OPTIONS = new Set(['--drive', '-d', '--filename', '-f', '--label', '-l', '--uuid', '-u', '--extra', '-e']);

const imaging: Record<string, Command> = {
  kernel: image,
  imgselect: image,
  imgfetch: image,
  module: image,
  initrd: image,
  chain: image,
  imgexec: image,
  boot: image,
  imgargs: (rt, a, f) => {
    const name = a[0];
    const img = rt.images.find((x) => x.name === name);
    if (!img) return rt.failed(f, `imgargs: no image named '${name ?? ''}'`);
    img.args = a.slice(1).join(' ');
    return ok;
  },
  imgfree: (rt, a) => {
    if (a.length === 0) {
      rt.images = [];
      rt.selected = null;
    } else {
      rt.images = rt.images.filter((x) => x.name !== a[0]);
      if (rt.selected?.name === a[0]) rt.selected = null;
    }
    return ok;
  },
  sanboot: (rt, a, f) => {
    let url = '';
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      if (SANBOOT_VALUE_OPTIONS.has(x)) i++;
      else if (!x.startsWith('-')) {
        url = rt.resolve(x, f) ?? x;
        break;
      }
    }
    throw new Halt({ kind: 'sanboot', url });
  },
};

// ── menus (non-interactive: `choose` takes the default, after its timeout) ──────────────────
const menus: Record<string, Command> = {
  menu: (rt) => ((rt.menu = []), ok),
  item: (rt, a) => {
    let isDefault = false;
    let gap = false;
    let i = 0;
    for (; i < a.length; i++) {
      const x = a[i]!;
      if (x === '--key' || x === '-k' || x === '--menu' || x === '-m') i++;
      else if (x === '--default' || x === '-d') isDefault = true;
      else if (x === '--gap' || x === '-g') gap = true;
      else if (x === '--') {
        i++;
        break;
      } else if (!x.startsWith('-')) break;
    }
    if (!gap && a[i] !== undefined) rt.menu.push({ id: a[i]!, label: a.slice(i + 1).join(' '), isDefault });
    return ok;
  },
  choose: async (rt, a, f) => {
    let def: string | undefined;
    let timeout: number | undefined;
    let i = 0;
    for (; i < a.length; i++) {
      const x = a[i]!;
      if (x === '--default' || x === '-d') def = a[++i];
      else if (x === '--timeout' || x === '-t') timeout = Number(a[++i]);
      else if (x === '--menu' || x === '-m') i++;
      else if (x === '--keep' || x === '-k') continue;
      else break;
    }
    const name = a[i];
    if (name === undefined) return rt.failed(f, 'choose: missing setting name');
    const pick = def ?? rt.menu.find((m) => m.isDefault)?.id ?? rt.menu[0]?.id;
    if (timeout !== undefined && Number.isFinite(timeout) && timeout > 0) await rt.host.sleep(timeout);
    if (pick === undefined) return rt.failed(f, 'choose: menu has no items');
    rt.setVar(name, pick);
    return ok;
  },
};

export const COMMANDS: ReadonlyMap<string, Command> = new Map(Object.entries({ ...settings, ...flow, ...imaging, ...menus }));

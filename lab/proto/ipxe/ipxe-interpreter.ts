/**
 * An interpreter for the iPXE script subset real provisioning servers emit (Ironic boot.ipxe and
 * per-node configs, Tinkerbell smee, Digital Rebar, MAAS, netboot.xyz-style menus).
 *
 *   script text ──lines (\ continuations joined)──▶ per line: expand ${…} ──▶ split on blanks
 *        ──▶ commands separated by || && ; (iPXE exec.c semantics) ──▶ host I/O (dhcp, fetch, sleep)
 *        ──▶ outcome: boot kernel+initrds | sanboot | exit | failed
 *
 * Semantics copied from iPXE where scripts depend on them:
 * - A line is split into tokens and commands first; each command's tokens are expanded right
 *   before it runs (so `choose x && goto ${x}` works), innermost `${…}` first (so
 *   `${net${netid}/mac:hexhyp}` works). A token stays one argument after expansion, even ''
 *   for an unset setting (so `isset ${x}` has one, empty, argument).
 * - `a || b`: b runs only if a failed; `a && b`: only if a succeeded; `;` always. The line's rc
 *   is the last executed command's. A line that ends with rc != 0 aborts the script (its error
 *   becomes the outcome); `goto` and `exit` stop the rest of their line.
 * - `chain`/`boot URL` of a script runs it nested with relative URLs resolved against it; when
 *   it ends (or `exit N`s) control returns to the caller with that rc. `exit` in the top-level
 *   script, or falling off its end, hands control back to the firmware (outcome `exit`).
 * - Unknown commands are reported through `host.error` and fail like iPXE ("command not found"),
 *   so `foo || echo skipped` continues. `maxSteps` bounds loops, `maxChain` nesting.
 * Nothing in a script makes this throw: every problem is an outcome or a failed command.
 */
import { ERRORS } from '../../base/errors.ts';

export interface IpxeHost {
  /** Settings: mac, ip, uuid, hostname, serial, manufacturer, product, buildarch, platform, … (mutated by `set`). */
  vars: Map<string, string>;
  /** iPXE `dhcp` / `ifconf`: true when a lease was obtained. */
  dhcp(): Promise<boolean>;
  fetch(url: string): Promise<{ status: number; body: Buffer }>;
  sleep(ms: number): Promise<void>;
  echo(text: string): void;
  error(code: string, message: string): void;
}

export interface IpxeKernel {
  url: string;
  bytes: number;
  args: string;
}

export interface IpxeInitrd {
  url: string;
  bytes: number;
  name?: string;
}

export type IpxeOutcome =
  | { kind: 'boot'; kernel: IpxeKernel; initrds: IpxeInitrd[] }
  | { kind: 'sanboot'; url: string }
  /** Back to the firmware. `reason` tells `exit` from the `reboot` and `poweroff` commands. */
  | { kind: 'exit'; code: number; reason?: 'exit' | 'reboot' | 'poweroff' }
  | { kind: 'failed'; code: string; message: string };

export interface IpxeRunOptions {
  /** URL the script was fetched from; relative URLs resolve against it. */
  baseUrl?: string;
  /** Nested chain depth limit (default 16). */
  maxChain?: number;
  /** Commands executed before the run is declared a loop (default 10,000). */
  maxSteps?: number;
}

interface Image {
  name: string;
  url: string;
  bytes: number;
  args: string;
  /** Script text when the image is an iPXE script (kept: scripts are small), else null. */
  script: string | null;
}

/** Thrown inside the interpreter only: ends the whole run with an outcome. */
class Halt {
  constructor(readonly outcome: IpxeOutcome) {}
}

interface Failure {
  code: string;
  message: string;
}

interface Frame {
  url: string;
  lines: { no: number; text: string }[];
  labels: Map<string, number>;
  pc: number;
  jump: string | null;
  exitCode: number | null;
  line: number;
}

const OK = 0;
const FAIL = 1;
const CODE_SCRIPT: string = ERRORS.IPXE_SCRIPT.code;
const CODE_UNKNOWN: string = ERRORS.IPXE_UNKNOWN_COMMAND.code;
const CODE_FETCH: string = ERRORS.HTTP_FETCH.code;

/** Commands that are accepted and do nothing in the lab (network is already up, no console). */
const NOOPS = new Set(['ifopen', 'ifclose', 'ifstat', 'route', 'ntp', 'imgstat', 'imgverify', 'console', 'colour', 'cpair', 'params', 'param', 'nslookup', 'vcreate', 'vdestroy', 'sync', 'show', 'clear-screen']);

export function isIpxeScript(body: Buffer | string): boolean {
  // iPXE script_probe: the magic, then one whitespace character, at the very start.
  const s = typeof body === 'string' ? body.slice(0, 7) : body.toString('latin1', 0, 7);
  return /^#!(ipxe|gpxe)\s$/.test(s);
}

export async function runIpxeScript(text: string, host: IpxeHost, opts: IpxeRunOptions = {}): Promise<IpxeOutcome> {
  const it = new Interpreter(host, opts);
  try {
    if (!isIpxeScript(text)) return { kind: 'failed', code: CODE_SCRIPT, message: `${opts.baseUrl ?? 'script'}: not an iPXE script (no #!ipxe line)` };
    const r = await it.runScript(text, opts.baseUrl ?? '', 0);
    if (r.exited) return { kind: 'exit', code: r.rc, reason: 'exit' };
    if (r.rc !== OK) return { kind: 'failed', code: r.fail?.code ?? CODE_SCRIPT, message: r.fail?.message ?? `script failed with rc ${r.rc}` };
    // Fell off the end without booting: iPXE gives up on this device.
    return { kind: 'exit', code: 0, reason: 'exit' };
  } catch (e) {
    if (e instanceof Halt) return e.outcome;
    return { kind: 'failed', code: CODE_SCRIPT, message: `interpreter error: ${(e as Error).message}` };
  }
}

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

function hexBytes(v: string): number[] {
  if (/^[0-9a-f]{2}([:-][0-9a-f]{2})*$/i.test(v)) return v.split(/[:-]/).map((h) => parseInt(h, 16));
  return [...Buffer.from(v, 'latin1')];
}

function formatSetting(v: string, type: string | undefined): string {
  switch (type) {
    case 'hexhyp':
      return hexBytes(v).map((b) => b.toString(16).padStart(2, '0')).join('-');
    case 'hex':
      return hexBytes(v).map((b) => b.toString(16).padStart(2, '0')).join(':');
    case 'hexraw':
      return hexBytes(v).map((b) => b.toString(16).padStart(2, '0')).join('');
    case 'uristring':
      return encodeURIComponent(v);
    default:
      return v;
  }
}

class Interpreter {
  steps = 0;
  images: Image[] = [];
  selected: Image | null = null;
  readonly maxSteps: number;
  readonly maxChain: number;
  menu: { id: string; label: string; isDefault: boolean }[] = [];

  constructor(
    readonly host: IpxeHost,
    opts: IpxeRunOptions,
  ) {
    this.maxSteps = opts.maxSteps ?? 10_000;
    this.maxChain = opts.maxChain ?? 16;
  }

  // ---------- settings ----------

  lookup(key: string): string | undefined {
    const v = this.host.vars;
    const direct = v.get(key);
    if (direct !== undefined) return direct;
    const slash = key.lastIndexOf('/');
    if (slash >= 0) {
      const scope = key.slice(0, slash);
      const name = key.slice(slash + 1);
      // net0, netX (the last opened device), net0.dhcp, smbios, builtin all alias the plain
      // setting; net1.. deliberately do not, so "isset ${net1/mac}" is false on a one-NIC node.
      if (/^(net0|netX|net0\.dhcp|netX\.dhcp|smbios|builtin)$/.test(scope)) return v.get(name);
      return undefined;
    }
    return v.get(`net0/${key}`);
  }

  expand(line: string): string {
    let s = line;
    for (let guard = 0; guard < 1000; guard++) {
      const end = s.indexOf('}');
      if (end < 0) return s;
      const start = s.lastIndexOf('${', end);
      if (start < 0) return s;
      const spec = s.slice(start + 2, end);
      const colon = spec.indexOf(':');
      const name = colon >= 0 ? spec.slice(0, colon) : spec;
      const type = colon >= 0 ? spec.slice(colon + 1) : undefined;
      const raw = this.lookup(name);
      const val = raw === undefined ? '' : formatSetting(raw, type);
      s = s.slice(0, start) + val + s.slice(end + 1);
    }
    return s;
  }

  setVar(spec: string, value: string | undefined): void {
    const name = spec.includes(':') ? spec.slice(0, spec.indexOf(':')) : spec;
    if (value === undefined || value === '') this.host.vars.delete(name);
    else this.host.vars.set(name, value);
  }

  // ---------- scripts ----------

  async runScript(text: string, url: string, depth: number): Promise<{ rc: number; exited: boolean; fail?: Failure }> {
    const raw = text.replace(/\r\n?/g, '\n').split('\n');
    const lines: { no: number; text: string }[] = [];
    for (let i = 0; i < raw.length; i++) {
      const no = i + 1;
      let t = raw[i]!;
      // iPXE joins a line ending in a backslash with the next one (no separator added).
      while (t.endsWith('\\') && i + 1 < raw.length) t = t.slice(0, -1) + raw[++i]!;
      lines.push({ no, text: t });
    }
    // iPXE script.c: a line may start with `:label`, optionally followed by a command that runs
    // when execution reaches (or jumps to) that line; goto resumes at the label line itself.
    const labels = new Map<string, number>();
    lines.forEach((l, idx) => {
      const m = /^\s*:(\S*)/.exec(l.text);
      if (m && !labels.has(m[1]!)) labels.set(m[1]!, idx);
    });
    const f: Frame = { url, lines, labels, pc: 0, jump: null, exitCode: null, line: 0 };
    while (f.pc < lines.length) {
      const l = lines[f.pc++]!;
      const command = l.text.replace(/^\s*:\S*/, '');
      if (command.trim() === '') continue;
      f.line = l.no;
      const { rc, fail } = await this.runLine(command, f, depth);
      if (f.exitCode !== null) return { rc: f.exitCode, exited: true };
      if (f.jump !== null) {
        f.pc = labels.get(f.jump)!;
        f.jump = null;
        continue;
      }
      if (rc !== OK) return { rc, exited: false, fail: fail ?? { code: CODE_SCRIPT, message: `line ${l.no}: command failed` } };
    }
    return { rc: OK, exited: false };
  }

  async runLine(line: string, f: Frame, depth: number): Promise<{ rc: number; fail?: Failure }> {
    // iPXE exec.c: split the raw line into blank-separated tokens, find the || && ; terminators,
    // then expand each command's tokens just before it runs — so `choose x && goto \${x}` sees the choice.
    const words: string[] = [];
    for (const w of line.split(/[ \t]+/)) {
      if (w === '') continue;
      if (w.startsWith('#')) break; // comment to end of line
      words.push(w);
    }
    let i = 0;
    let rc = OK;
    let fail: Failure | undefined;
    let proceed = true;
    for (;;) {
      const tokens: string[] = [];
      let term: string | null = null;
      while (i < words.length) {
        const w = words[i++]!;
        if (w === '||' || w === '&&' || w === ';') {
          term = w;
          break;
        }
        tokens.push(w);
      }
      if (proceed) {
        // Each token is expanded on its own and stays one argument, even when empty or when the
        // value has blanks (iPXE expand_tokens): `iseq \${unset} \${unset}` compares '' with ''.
        const argv = tokens.map((w) => this.expand(w));
        const r = await this.exec(argv, f, depth);
        rc = r.rc;
        // Tests like iseq/isset fail silently; name the command when such a failure ends the script.
        fail = r.fail ?? (r.rc !== OK ? { code: CODE_SCRIPT, message: `line ${f.line}: '${argv.join(' ')}' failed` } : undefined);
      }
      if (f.jump !== null || f.exitCode !== null) break;
      if (term === null) break;
      proceed = term === '||' ? rc !== OK : term === '&&' ? rc === OK : true;
    }
    return rc === OK ? { rc } : { rc, fail: fail ?? { code: CODE_SCRIPT, message: `line ${f.line}: command failed` } };
  }

  failed(f: Frame, message: string, code = CODE_SCRIPT): { rc: number; fail: Failure } {
    const m = `line ${f.line}: ${message}`;
    this.host.echo(m);
    return { rc: FAIL, fail: { code, message: m } };
  }

  resolve(url: string, f: Frame): string | null {
    try {
      return new URL(url, f.url || undefined).href;
    } catch {
      return null;
    }
  }

  /** Fetch an image; returns it, or a failure result. */
  async fetchImage(f: Frame, cmd: string, rawUrl: string, name: string | undefined, args: string[]): Promise<Image | { rc: number; fail: Failure }> {
    const url = this.resolve(rawUrl, f);
    if (!url) return this.failed(f, `${cmd}: cannot resolve '${rawUrl}' (script has no base URL)`);
    let r: { status: number; body: Buffer };
    try {
      r = await this.host.fetch(url);
    } catch (e) {
      return this.failed(f, `${cmd} ${url}: ${(e as Error).message}`, CODE_FETCH);
    }
    if (r.status < 200 || r.status > 299) return this.failed(f, `${cmd} ${url}: HTTP ${r.status}`, CODE_FETCH);
    const path = new URL(url).pathname;
    const img: Image = {
      name: name ?? (path.slice(path.lastIndexOf('/') + 1) || url),
      url,
      bytes: r.body.length,
      args: args.join(' '),
      script: isIpxeScript(r.body) ? r.body.toString('latin1') : null,
    };
    // Re-fetching a name replaces the old image (iPXE unregisters a same-named image).
    this.images = this.images.filter((x) => x.name !== img.name);
    this.images.push(img);
    return img;
  }

  /** Execute an image: a script runs nested, anything else boots as the kernel. */
  async execImage(img: Image, f: Frame, depth: number): Promise<{ rc: number; fail?: Failure }> {
    if (img.script !== null) {
      if (depth + 1 > this.maxChain) return this.failed(f, `chain depth ${this.maxChain} exceeded at ${img.url}`);
      // The script image is consumed by running it (iPXE unregisters it while it runs).
      this.images = this.images.filter((x) => x !== img);
      if (this.selected === img) this.selected = null;
      const r = await this.runScript(img.script, img.url, depth + 1);
      if (r.exited) return r.rc === OK ? { rc: OK } : this.failed(f, `${img.url} exited with code ${r.rc}`);
      return r.rc === OK ? { rc: OK } : { rc: r.rc, fail: r.fail };
    }
    throw new Halt({
      kind: 'boot',
      kernel: { url: img.url, bytes: img.bytes, args: img.args },
      initrds: this.images.filter((x) => x !== img && x.script === null).map((x) => ({ url: x.url, bytes: x.bytes, name: x.name })),
    });
  }

  async exec(argv: string[], f: Frame, depth: number): Promise<{ rc: number; fail?: Failure }> {
    if (argv.length === 0) return { rc: OK };
    if (++this.steps > this.maxSteps)
      throw new Halt({ kind: 'failed', code: CODE_SCRIPT, message: `line ${f.line}: more than ${this.maxSteps} commands executed (endless loop?)` });
    const cmd = argv[0]!;
    const a = argv.slice(1);
    switch (cmd) {
      case 'echo': {
        // `-n` (no newline) only matters on a console; the host gets the text either way.
        this.host.echo((a[0] === '-n' ? a.slice(1) : a).join(' '));
        return { rc: OK };
      }
      case 'set': {
        if (a.length === 0) return this.failed(f, 'set: missing setting name');
        this.setVar(a[0]!, a.slice(1).join(' '));
        return { rc: OK };
      }
      case 'clear':
        if (a.length === 0) return this.failed(f, 'clear: missing setting name');
        this.setVar(a[0]!, undefined);
        return { rc: OK };
      case 'inc': {
        if (a.length === 0) return this.failed(f, 'inc: missing setting name');
        const name = a[0]!.split(':')[0]!;
        const cur = this.lookup(name) ?? '0';
        const by = a[1] === undefined ? 1 : Number(a[1]);
        if (!/^-?\d+$/.test(cur) || !Number.isInteger(by)) return this.failed(f, `inc: ${name}='${cur}' is not a number`);
        this.host.vars.set(name, String(Number(cur) + by));
        return { rc: OK };
      }
      case 'isset':
        if (a.length !== 1) return this.failed(f, `isset: takes one value, got ${a.length}`);
        return { rc: a[0] !== '' ? OK : FAIL };
      case 'iseq':
        if (a.length !== 2) return this.failed(f, `iseq: takes two values, got ${a.length}`);
        return { rc: a[0] === a[1] ? OK : FAIL };
      case 'goto': {
        const label = a[0];
        if (label === undefined) return this.failed(f, 'goto: missing label');
        if (!f.labels.has(label)) return this.failed(f, `goto: label '${label}' not found`);
        f.jump = label;
        return { rc: OK };
      }
      case 'exit': {
        const code = a[0] === undefined ? 0 : Number(a[0]);
        f.exitCode = Number.isInteger(code) ? code : 1;
        return { rc: OK };
      }
      case 'sleep': {
        const s = Number(a[0]);
        if (a.length !== 1 || !/^(\d+|0x[0-9a-f]+)$/i.test(a[0]!)) return this.failed(f, `sleep: '${a.join(' ')}' is not a whole number of seconds`);
        await this.host.sleep(s * 1000);
        return { rc: OK };
      }
      case 'prompt': {
        // Non-interactive console: nobody presses a key, so a prompt with a timeout times out (fails).
        let timeout: number | null = null;
        for (let i = 0; i < a.length; i++) {
          if (a[i] === '--timeout' || a[i] === '-t') timeout = Number(a[++i]);
          else if (a[i] === '--key' || a[i] === '-k') i++;
        }
        if (timeout !== null && Number.isFinite(timeout)) await this.host.sleep(timeout);
        // Like iPXE, a timed-out prompt fails: `prompt ... && shell ||` is the usual guard.
        return { rc: FAIL, fail: { code: CODE_SCRIPT, message: `line ${f.line}: prompt: no key pressed${timeout !== null ? ` within ${timeout} ms` : ''} (the lab has no keyboard)` } };
      }
      case 'dhcp':
      case 'ifconf': {
        let ok = false;
        try {
          ok = await this.host.dhcp();
        } catch (e) {
          return this.failed(f, `${cmd}: ${(e as Error).message}`);
        }
        return ok ? { rc: OK } : this.failed(f, `${cmd}: no DHCP lease`);
      }
      case 'kernel':
      case 'imgselect':
      case 'imgfetch':
      case 'module':
      case 'initrd':
      case 'chain':
      case 'imgexec':
      case 'boot': {
        const p = parseImageArgs(argv);
        if (p.bad) return this.failed(f, `${cmd}: unknown option ${p.bad}`);
        const target = p.rest[0];
        if ((cmd === 'boot' || cmd === 'imgexec') && target === undefined) {
          // iPXE imgexec: with no argument only the selected image (`kernel`/`imgselect`) runs.
          if (!this.selected) return this.failed(f, `${cmd}: no image selected (use kernel, not only initrd/imgfetch)`);
          return this.execImage(this.selected, f, depth);
        }
        if (target === undefined) return this.failed(f, `${cmd}: missing URL`);
        // `boot name` / `imgexec name` may name an already loaded image.
        const known = this.images.find((x) => x.name === target);
        if ((cmd === 'boot' || cmd === 'imgexec') && known) {
          if (p.rest.length > 1) known.args = p.rest.slice(1).join(' ');
          return this.execImage(known, f, depth);
        }
        const img = await this.fetchImage(f, cmd, target, p.name, p.rest.slice(1));
        if (!('url' in img)) return img;
        if (cmd === 'kernel' || cmd === 'imgselect') {
          this.selected = img;
          return { rc: OK };
        }
        if (cmd === 'chain' || cmd === 'boot' || cmd === 'imgexec') return this.execImage(img, f, depth);
        return { rc: OK };
      }
      case 'imgargs': {
        const name = a[0];
        const img = this.images.find((x) => x.name === name);
        if (!img) return this.failed(f, `imgargs: no image named '${name ?? ''}'`);
        img.args = a.slice(1).join(' ');
        return { rc: OK };
      }
      case 'imgfree': {
        if (a.length === 0) {
          this.images = [];
          this.selected = null;
        } else {
          this.images = this.images.filter((x) => x.name !== a[0]);
          if (this.selected?.name === a[0]) this.selected = null;
        }
        return { rc: OK };
      }
      case 'sanboot': {
        let url = '';
        for (let i = 0; i < a.length; i++) {
          const x = a[i]!;
          if (x === '--drive' || x === '-d' || x === '--filename' || x === '-f' || x === '--label' || x === '-l' || x === '--uuid' || x === '-u' || x === '--extra' || x === '-e') i++;
          else if (!x.startsWith('-')) {
            url = this.resolve(x, f) ?? x;
            break;
          }
        }
        throw new Halt({ kind: 'sanboot', url });
      }
      case 'reboot':
        throw new Halt({ kind: 'exit', code: 0, reason: 'reboot' });
      case 'poweroff':
        throw new Halt({ kind: 'exit', code: 0, reason: 'poweroff' });
      case 'cpuid': {
        // `cpuid --ext 29` (long mode) is how scripts pick x86_64 vs i386 kernels.
        const arch = this.lookup('buildarch') ?? 'x86_64';
        return { rc: arch === 'i386' ? FAIL : OK };
      }
      case 'menu':
        this.menu = [];
        return { rc: OK };
      case 'item': {
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
        if (!gap && a[i] !== undefined) this.menu.push({ id: a[i]!, label: a.slice(i + 1).join(' '), isDefault });
        return { rc: OK };
      }
      case 'choose': {
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
        if (name === undefined) return this.failed(f, 'choose: missing setting name');
        const pick = def ?? this.menu.find((m) => m.isDefault)?.id ?? this.menu[0]?.id;
        if (timeout !== undefined && Number.isFinite(timeout) && timeout > 0) await this.host.sleep(timeout);
        if (pick === undefined) return this.failed(f, 'choose: menu has no items');
        this.setVar(name, pick);
        return { rc: OK };
      }
      case 'shell':
        return this.failed(f, 'shell: no interactive console in the lab');
      default:
        if (NOOPS.has(cmd)) return { rc: OK };
        {
          const message = `line ${f.line}: unknown command ${cmd}`;
          this.host.error(CODE_UNKNOWN, message);
          return { rc: FAIL, fail: { code: CODE_UNKNOWN, message } };
        }
    }
  }
}

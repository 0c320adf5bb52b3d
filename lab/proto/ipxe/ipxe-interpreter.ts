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
 *
 * This file runs scripts, lines and images; the commands themselves are ipxe-commands.ts, the
 * shared types ipxe-runtime.ts.
 */
import { COMMANDS, NOOPS } from './ipxe-commands.ts';
import {
  CODE_FETCH,
  CODE_SCRIPT,
  CODE_UNKNOWN,
  FAIL,
  Halt,
  OK,
  type CommandResult,
  type Failure,
  type Frame,
  type Image,
  type IpxeHost,
  type IpxeOutcome,
  type IpxeRunOptions,
  type IpxeRuntime,
} from './ipxe-runtime.ts';

export type { IpxeHost, IpxeInitrd, IpxeKernel, IpxeOutcome, IpxeRunOptions } from './ipxe-runtime.ts';

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

class Interpreter implements IpxeRuntime {
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

  failed(f: Frame, message: string, code: string = CODE_SCRIPT): { rc: number; fail: Failure } {
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
  async execImage(img: Image, f: Frame, depth: number): Promise<CommandResult> {
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

  async exec(argv: string[], f: Frame, depth: number): Promise<CommandResult> {
    if (argv.length === 0) return { rc: OK };
    if (++this.steps > this.maxSteps)
      throw new Halt({ kind: 'failed', code: CODE_SCRIPT, message: `line ${f.line}: more than ${this.maxSteps} commands executed (endless loop?)` });
    const cmd = argv[0]!;
    const run = COMMANDS.get(cmd);
    if (run) return run(this, argv.slice(1), f, { cmd, argv, depth });
    if (NOOPS.has(cmd)) return { rc: OK };
    const message = `line ${f.line}: unknown command ${cmd}`;
    this.host.error(CODE_UNKNOWN, message);
    return { rc: FAIL, fail: { code: CODE_UNKNOWN, message } };
  }
}

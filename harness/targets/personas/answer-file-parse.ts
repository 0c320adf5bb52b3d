/**
 * Reads the three unattended-install answer files an OS installer is pointed at on its kernel
 * command line, down to what an install needs from them: the image to write, the partitioning
 * asked for, the HTTP callbacks its post-install commands make, and what to do at the end.
 *
 *   kickstart (Anaconda, inst.ks=):      liveimg --url=U [--checksum=SHA256]; autopart | part …;
 *                                         %post … curl/wget … %end; reboot | poweroff
 *   preseed (debian-installer, url=):     d-i live-installer/net-image string U; d-i partman-auto/method
 *                                         string M; d-i preseed/late_command string … curl …;
 *                                         d-i debian-installer/exit/poweroff boolean true
 *   autoinstall (Subiquity, ds=nocloud-net;s=U → U/user-data, YAML): autoinstall.storage.layout.name
 *                                         | storage.config; image = the curtin-style
 *                                         autoinstall.sources.<name>.uri (+ sha256), as MAAS sends it;
 *                                         late-commands … curl …; shutdown: reboot | poweroff
 *
 * Installers run the post commands in a shell; this persona does not: it follows the curl/wget
 * calls in them, with ${mac} ${ip} ${uuid} ${hostname} expanded (iPXE's names; servers such as
 * Foreman render per-host files instead).
 */
import { parse as parseYaml } from 'yaml';

export type AnswerFileKind = 'kickstart' | 'preseed' | 'autoinstall';

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  body?: string;
}

export interface InstallPlan {
  kind: AnswerFileKind;
  image: { url: string; sha256?: string };
  partitioning: string;
  callbacks: HttpCall[];
  then: 'reboot' | 'poweroff';
}

/** A plan, or the one reason the file cannot drive an install. */
export type ParseResult = { plan: InstallPlan } | { problem: string };

/** Splits a shell command line into words (single/double quotes, backslash escapes). */
function shellWords(cmd: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"((?:\\.|[^"\\])*)"|((?:\\.|[^\s'"\\])+)|(\s+)/g;
  let cur: string | null = null;
  for (const m of cmd.matchAll(re)) {
    if (m[4] !== undefined) {
      if (cur !== null) words.push(cur);
      cur = null;
      continue;
    }
    cur = (cur ?? '') + (m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3]!.replace(/\\(.)/g, '$1'));
  }
  if (cur !== null) words.push(cur);
  return words;
}

/** The HTTP request a curl or wget command makes, else undefined (other commands are not followed). */
export function httpCallOf(command: string): HttpCall | undefined {
  const words = shellWords(command.trim().replace(/^in-target\s+/, ''));
  const tool = words[0]?.split('/').pop();
  if (tool !== 'curl' && tool !== 'wget') return undefined;
  let method: HttpCall['method'] | undefined;
  let body: string | undefined;
  let url: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    const [flag, inline] = w.startsWith('--') && w.includes('=') ? [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)] : [w, undefined];
    const value = () => inline ?? words[++i] ?? '';
    if (flag === '-X' || flag === '--request' || flag === '--method') method = value().toUpperCase() as HttpCall['method'];
    else if (['-d', '--data', '--data-raw', '--data-binary', '--post-data'].includes(flag)) body = value();
    else if (['-H', '--header', '-o', '-O', '--output', '--output-document', '-u', '--user', '-m', '--max-time', '--retry', '-T', '--tries', '--timeout'].includes(flag)) value();
    else if (/^https?:\/\//.test(w)) url = w;
  }
  if (!url) return undefined;
  return { method: method ?? (body !== undefined ? 'POST' : 'GET'), url, ...(body !== undefined ? { body } : {}) };
}

export function parseKickstart(text: string): ParseResult {
  const lines = text.split('\n').map((l) => l.trim());
  let image: InstallPlan['image'] | undefined;
  const parts: string[] = [];
  const callbacks: HttpCall[] = [];
  let then: InstallPlan['then'] = 'reboot';
  let section: string | null = null;
  for (const line of lines) {
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('%')) {
      section = line === '%end' ? null : (line.split(/\s+/)[0] ?? null);
      continue;
    }
    if (section === '%post') {
      const call = httpCallOf(line);
      if (call) callbacks.push(call);
      continue;
    }
    if (section) continue;
    const [cmd, ...rest] = shellWords(line);
    const opt = (name: string) => rest.find((w) => w.startsWith(`--${name}=`))?.slice(name.length + 3);
    if (cmd === 'liveimg') {
      const url = opt('url');
      if (!url) return { problem: `kickstart: 'liveimg' without --url= (${line})` };
      image = { url, ...(opt('checksum') ? { sha256: opt('checksum')! } : {}) };
    } else if (cmd === 'autopart' || cmd === 'part' || cmd === 'reqpart') parts.push(line);
    else if (cmd === 'poweroff' || cmd === 'shutdown' || cmd === 'halt') then = 'poweroff';
    else if (cmd === 'reboot') then = 'reboot';
  }
  if (!image) return { problem: "kickstart: no 'liveimg --url=…' command (the image to install)" };
  if (!parts.length) return { problem: "kickstart: no partitioning ('autopart', 'part' or 'reqpart')" };
  return { plan: { kind: 'kickstart', image, partitioning: parts.join('; '), callbacks, then } };
}

export function parsePreseed(text: string): ParseResult {
  const values = new Map<string, string>();
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    const m = /^\s*(\S+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m || line.trim().startsWith('#')) continue;
    values.set(m[2]!, m[4]!.trim());
  }
  const url = values.get('live-installer/net-image');
  if (!url) return { problem: 'preseed: no d-i live-installer/net-image (the image to install)' };
  const method = values.get('partman-auto/method');
  if (!method) return { problem: 'preseed: no d-i partman-auto/method (partitioning)' };
  const late = values.get('preseed/late_command') ?? '';
  const callbacks = late.split(/;|&&/).map(httpCallOf).filter((c): c is HttpCall => !!c);
  const disk = values.get('partman-auto/disk');
  return {
    plan: { kind: 'preseed', image: { url }, partitioning: `${method}${disk ? ` on ${disk}` : ''}`, callbacks, then: values.get('debian-installer/exit/poweroff') === 'true' ? 'poweroff' : 'reboot' },
  };
}

interface Autoinstall {
  storage?: { layout?: { name?: string }; config?: unknown[] };
  sources?: Record<string, { uri?: string; sha256?: string }>;
  'late-commands'?: (string | string[])[];
  shutdown?: string;
}

export function parseAutoinstall(text: string): ParseResult {
  let doc: { autoinstall?: Autoinstall } | null;
  try {
    doc = parseYaml(text) as { autoinstall?: Autoinstall } | null;
  } catch (e) {
    return { problem: `autoinstall user-data: not YAML: ${(e as Error).message.split('\n')[0]}` };
  }
  const a = doc?.autoinstall;
  if (!a) return { problem: "autoinstall user-data: no top-level 'autoinstall' key" };
  const source = Object.values(a.sources ?? {}).find((s) => typeof s?.uri === 'string');
  if (!source) return { problem: 'autoinstall: no autoinstall.sources.<name>.uri (the image to install)' };
  const partitioning = a.storage?.layout?.name ?? (a.storage?.config ? `${a.storage.config.length} storage config entries` : undefined);
  if (!partitioning) return { problem: 'autoinstall: no autoinstall.storage (layout.name or config)' };
  const callbacks = (a['late-commands'] ?? []).map((c) => httpCallOf(Array.isArray(c) ? c.map((w) => `'${w}'`).join(' ') : c)).filter((c): c is HttpCall => !!c);
  return { plan: { kind: 'autoinstall', image: { url: source.uri!, ...(source.sha256 ? { sha256: source.sha256 } : {}) }, partitioning, callbacks, then: a.shutdown === 'poweroff' ? 'poweroff' : 'reboot' } };
}

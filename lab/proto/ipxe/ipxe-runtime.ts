/**
 * The iPXE interpreter's shared vocabulary: the public types (host, outcome, options), the
 * internal run state (images, frames, failures) and the runtime interface the command table
 * (ipxe-commands.ts) drives the interpreter (ipxe-interpreter.ts) through.
 *
 *   ipxe-interpreter.ts (Interpreter implements IpxeRuntime) ──exec──▶ ipxe-commands.ts (COMMANDS)
 *            └──────────────── both speak the types below ───────────────┘
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

export interface Image {
  name: string;
  url: string;
  bytes: number;
  args: string;
  /** Script text when the image is an iPXE script (kept: scripts are small), else null. */
  script: string | null;
}

/** Thrown inside the interpreter only: ends the whole run with an outcome. */
export class Halt {
  constructor(readonly outcome: IpxeOutcome) {}
}

export interface Failure {
  code: string;
  message: string;
}

export interface Frame {
  url: string;
  lines: { no: number; text: string }[];
  labels: Map<string, number>;
  pc: number;
  jump: string | null;
  exitCode: number | null;
  line: number;
}

export const OK = 0;
export const FAIL = 1;
export const CODE_SCRIPT: string = ERRORS.IPXE_SCRIPT.code;
export const CODE_UNKNOWN: string = ERRORS.IPXE_UNKNOWN_COMMAND.code;
export const CODE_FETCH: string = ERRORS.HTTP_FETCH.code;

/** A command's result: rc 0 = success; a failure says why when it ends the script. */
export interface CommandResult {
  rc: number;
  fail?: Failure;
}

/** What commands may do to the running interpreter. */
export interface IpxeRuntime {
  readonly host: IpxeHost;
  readonly maxChain: number;
  images: Image[];
  selected: Image | null;
  menu: { id: string; label: string; isDefault: boolean }[];
  lookup(key: string): string | undefined;
  setVar(spec: string, value: string | undefined): void;
  /** A failed result naming the line; echoed to the console like iPXE does. */
  failed(f: Frame, message: string, code?: string): { rc: number; fail: Failure };
  /** `url` resolved against the running script's URL, or null. */
  resolve(url: string, f: Frame): string | null;
  fetchImage(f: Frame, cmd: string, rawUrl: string, name: string | undefined, args: string[]): Promise<Image | { rc: number; fail: Failure }>;
  execImage(img: Image, f: Frame, depth: number): Promise<CommandResult>;
}

/**
 * Run one BMC client tool (ipmitool, ipmipower) to completion: no shell, a hard deadline after
 * which the tool is killed (a tool stuck on a dead BMC must not outlive the run),
 * secrets only through the environment given, output collected for parsing and errors.
 *
 *   spawn(tool, argv, env) ─▶ tracked (SIGKILL if fleetlab exits) ─▶ onSpawn(pid) ─▶ exit ─▶ {code, stdout, stderr}
 *                                └─ deadline ─▶ SIGKILL ─▶ {timedOut: true}
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { FleetlabError } from '../../base/errors.ts';

/**
 * Tool processes still running. When fleetlab exits (normally, or through the harness's signal
 * handling, which ends the process) none may stay behind talking to a BMC.
 */
const live = new Set<ChildProcess>();
let exitHook = false;

/** Track a child until it ends; it is SIGKILLed if this process exits first. */
export function trackChild(child: ChildProcess): void {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  live.add(child);
  child.once('close', () => live.delete(child));
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Killed at the deadline. */
  timedOut: boolean;
}

export interface ToolRun {
  env?: Record<string, string>;
  deadlineMs: number;
  onSpawn?: (pid: number) => void;
}

/** Longest output kept per stream: a BMC answering garbage must not fill memory. */
const MAX_OUTPUT = 1 << 20;

export function runTool(tool: string, args: string[], o: ToolRun): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < MAX_OUTPUT) stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.deadlineMs);
    child.once('spawn', () => {
      if (child.pid !== undefined) o.onSpawn?.(child.pid);
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new FleetlabError('BMC_CLIENT_TOOL', e.code === 'ENOENT' ? `${tool} is not installed (not found on PATH)` : `${tool} could not be started: ${e.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

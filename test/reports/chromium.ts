/**
 * Test/bench helper (not a test): opens a local HTML file in Debian's headless Chromium and
 * returns the DOM after scripts ran, the page's console lines (Chromium logs them to stderr with
 * --enable-logging) and optionally a screenshot. No network: file:// only, background networking off.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = process.env.FLEETLAB_CHROMIUM ?? '/usr/bin/chromium';

export interface RenderResult {
  dom: string;
  consoleLines: string[];
  wallMs: number;
}

export async function renderInChromium(htmlPath: string, opts: { screenshot?: string; width?: number; height?: number; timeoutMs?: number } = {}): Promise<RenderResult> {
  const profile = await mkdtemp(join(tmpdir(), 'fleetlab-chromium-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    '--enable-logging=stderr',
    '--v=0',
    `--window-size=${opts.width ?? 1400},${opts.height ?? 3400}`,
    ...(opts.screenshot ? [`--screenshot=${resolve(opts.screenshot)}`] : []),
    '--dump-dom',
    pathToFileURL(resolve(htmlPath)).href,
  ];
  const t0 = performance.now();
  try {
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((res, rej) => {
      execFile(CHROMIUM, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err && !stdout) rej(new Error(`chromium failed: ${err.message}\n${stderr.slice(-2000)}`));
        else res({ stdout, stderr });
      });
    });
    return { dom: stdout, consoleLines: stderr.split('\n').filter((l) => l.includes(':CONSOLE')), wallMs: performance.now() - t0 };
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** An attribute of <body> from the dumped DOM. */
export function bodyAttr(dom: string, name: string): string | undefined {
  const body = /<body([^>]*)>/.exec(dom)?.[1] ?? '';
  return new RegExp(`${name}="([^"]*)"`).exec(body)?.[1];
}

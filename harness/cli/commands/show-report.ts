/**
 * `fleetlab show-report DIR`: serve a run's report.html (or a suite's index.html) on loopback and
 * print its URL, so a report from a CI artefact or a remote host opens in a browser (file:// pages
 * cannot fetch). A run directory with an event log but no report is rebuilt first. Serves only
 * files inside DIR; runs until SIGINT/SIGTERM (exit 0, like `bmc serve`).
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Command } from '../command.ts';
import { parseArgs } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { buildReports, EVENTS_FILE } from '../../../reports/write-reports.ts';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.json': 'application/json', '.csv': 'text/csv', '.xml': 'application/xml', '.ndjson': 'application/x-ndjson', '.txt': 'text/plain' };

/** The page to open: a suite's index.html, else a run's report.html (rebuilt from its log if missing). */
async function entryPage(dir: string): Promise<string> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new FleetlabError('USAGE', `show-report: '${dir}' is not a directory`);
  if (existsSync(join(dir, 'index.html'))) return 'index.html';
  if (!existsSync(join(dir, 'report.html'))) {
    if (!existsSync(join(dir, EVENTS_FILE))) throw new FleetlabError('RUN_LOG_MISSING', `show-report: ${dir} has no report.html, index.html or ${EVENTS_FILE}`);
    await buildReports(dir);
  }
  return 'report.html';
}

/** A static file server for `root` on 127.0.0.1:port (0 = any free port). */
export function serveDir(root: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = resolve(root, '.' + path);
    if ((file !== root && !file.startsWith(root + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(readFileSync(file));
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok(server));
  });
}

export const showReportCommand: Command = {
  name: ['show-report'],
  summary: 'serve a run or suite report on localhost and print its URL',
  usage: `usage: fleetlab show-report <run-dir|suite-dir> [--port P]

  Serves DIR on 127.0.0.1 (port P, default any free one) and prints the URL of its report.html
  (a suite's index.html); a run directory without a report is rebuilt from events.ndjson first.
  Runs until Ctrl-C. exit: 0 stopped by a signal, 2 bad input (no such directory, nothing to show)`,
  async run(argv, io) {
    const a = parseArgs(argv, { port: { type: 'string' } });
    if (a.positionals.length !== 1) throw new FleetlabError('USAGE', `show-report: expected one directory, got ${a.positionals.length === 0 ? 'none' : a.positionals.join(' ')}`);
    const port = a.strings.port === undefined ? 0 : Number(a.strings.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new FleetlabError('USAGE', `--port '${a.strings.port}': expected 0..65535`);
    const root = resolve(a.positionals[0]!);
    const page = await entryPage(root);
    const server = await serveDir(root, port);
    try {
      io.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}/${page}\n`);
      await new Promise<void>((done) => {
        if (io.signal.aborted) done();
        else io.signal.addEventListener('abort', () => done(), { once: true });
      });
    } finally {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
    return 0;
  },
};

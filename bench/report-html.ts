/**
 * Report build and browser load at fleet scale (run by hand: `npx tsx bench/report-html.ts [nodes...]`).
 * For each size: a synthetic provisioning log → writeReports (wall ms) → report.html size →
 * headless Chromium load (page-side: ms from navigation start until every chart is drawn;
 * also the whole Chromium process wall time, which includes browser start-up).
 * Goal (issue 8): a 3,000-node report loads in under 5 s.
 */
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReports } from '../reports/write-reports.ts';
import { writeSyntheticRun } from '../fixtures/reports/synthetic-log.ts';
import { bodyAttr, renderInChromium } from '../fixtures/reports/chromium.ts';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const list = sizes.length ? sizes : [30, 3000, 10_000];
console.log('nodes  events.ndjson  writeReports  report.html  page ready  render JS  chromium wall  console');
for (const nodes of list) {
  const dir = join(tmpdir(), `fleetlab-bench-report-${nodes}`);
  await rm(dir, { recursive: true, force: true });
  await writeSyntheticRun(dir, { nodes, sites: Math.max(1, Math.ceil(nodes / 10)), seed: 1, failEvery: 50, retryEvery: 20, faults: [{ fault: 'wan-latency', selector: 'site=site-001', start: 5000, end: 15_000 }] });
  const t0 = performance.now();
  await writeReports(dir);
  const buildMs = performance.now() - t0;
  const r = await renderInChromium(join(dir, 'report.html'), { timeoutMs: 120_000 });
  const mb = async (f: string) => ((await stat(join(dir, f))).size / 1e6).toFixed(2) + ' MB';
  console.log(
    [
      String(nodes).padStart(5),
      (await mb('events.ndjson')).padStart(13),
      `${Math.round(buildMs)} ms`.padStart(12),
      (await mb('report.html')).padStart(11),
      `${bodyAttr(r.dom, 'data-ready-at-ms') ?? '?'} ms`.padStart(10),
      `${bodyAttr(r.dom, 'data-render-ms') ?? '?'} ms`.padStart(9),
      `${Math.round(r.wallMs)} ms`.padStart(13),
      `${r.consoleLines.length} lines`.padStart(8),
    ].join('  '),
  );
  await rm(dir, { recursive: true, force: true });
}

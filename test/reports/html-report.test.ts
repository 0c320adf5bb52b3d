// Opens report.html in Debian's headless Chromium: charts rendered, no console errors, a
// screenshot artifact saved under the run dir (reports/runs/test-html-*/report.png, git-ignored).
// Load time at 3,000 nodes is measured by bench/report-html.ts, not asserted here.
import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { writeReports } from '../../reports/write-reports.ts';
import { writeSyntheticRun } from '../../fixtures/reports/synthetic-log.ts';
import { CHROMIUM, bodyAttr, renderInChromium } from '../../fixtures/reports/chromium.ts';

const runsDir = fileURLToPath(new URL('../../reports/runs/', import.meta.url));

async function check(t: Test, nodes: number, sites: number) {
  const dir = join(runsDir, `test-html-${nodes}`);
  await rm(dir, { recursive: true, force: true });
  await writeSyntheticRun(dir, { nodes, sites, seed: 21, failEvery: 17, retryEvery: 9, faults: [{ fault: 'wan-latency', selector: 'site=site-001', start: 4000, end: 12_000 }, { fault: 'bmc-hang', selector: 'node=site-000-node-000', start: 20_000, end: null }] });
  await writeReports(dir);
  const html = join(dir, 'report.html');
  const shot = join(dir, 'report.png');
  const r = await renderInChromium(html, { screenshot: shot });
  t.same(r.consoleLines, [], 'no console output (errors would show here)');
  t.equal(bodyAttr(r.dom, 'data-report-ready'), '1', 'report script ran to the end');
  t.equal(bodyAttr(r.dom, 'data-errors'), '0', 'no uncaught errors');
  for (const id of ['cdf', 'overtime', 'rates-net', 'rates-nodes']) {
    t.match(r.dom, new RegExp(`id="${id}"[^>]*data-rendered="1"`), `${id} chart rendered`);
  }
  t.ok((r.dom.match(/class="uplot/g) ?? []).length >= 4, 'uPlot charts in the DOM');
  t.ok((r.dom.match(/<canvas/g) ?? []).length >= 5, 'chart canvases present');
  const gantt = /<canvas id="gantt"[^>]*>/.exec(r.dom)?.[0] ?? '';
  t.match(gantt, /data-rendered="1"/, 'phase Gantt drawn');
  t.match(gantt, new RegExp(`data-rows="${nodes <= 150 ? nodes : 100}"`), nodes <= 150 ? 'one row per node' : 'aggregated to 100 groups at fleet scale');
  t.match(r.dom, new RegExp(`id="heatmap"[^>]*data-rendered="1"[^>]*data-cells="${sites}"|id="heatmap"[^>]*data-cells="${sites}"[^>]*data-rendered="1"`), 'one heatmap cell per site');
  t.match(r.dom, /id="failures"/);
  t.ok(existsSync(shot) && (await stat(shot)).size > 10_000, `screenshot saved: ${shot}`);
  return { html, r };
}

t.test('chromium is installed', async (t) => {
  t.ok(existsSync(CHROMIUM), `${CHROMIUM} (Debian package chromium)`);
});

t.test('30-node report renders in headless Chromium', async (t) => {
  await check(t, 30, 10);
});

t.test('3,000-node report renders in headless Chromium and stays small', async (t) => {
  const { html } = await check(t, 3000, 300);
  const size = (await stat(html)).size;
  t.ok(size < 2_000_000, `report.html is ${(size / 1e6).toFixed(2)} MB at 3,000 nodes (pre-aggregated, no events embedded)`);
});

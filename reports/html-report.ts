/**
 * report.html: ONE self-contained file (no network at view time). Static sections (cards,
 * thresholds, phase table, failures, faults, comparison) are rendered here as plain HTML so the
 * page reads even without JS; charts are drawn in the browser by assets/report.js with uPlot
 * (inlined from node_modules at report time) from the pre-aggregated data of html-data.ts.
 *
 *   RunMetrics ─┬─ static HTML sections
 *               └─ htmlData() ─JSON─▶ <script type=application/json> ─▶ report.js + uPlot ─▶ charts
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unfinishedByPhase, type RunMetrics } from './metrics.ts';
import type { Comparison } from './compare-runs.ts';
import { htmlData, failureRows } from './html-data.ts';
import { fmtMs, fmtValue, htmlEscape as h, round, textEscape } from './format.ts';
import { PHASES } from './phases.ts';
import { compressedScale, fmtModelled, PHASE_TIME_KIND, testedLine, timeScaleNote } from './time-basis.ts';

interface Assets {
  uplotJs: string;
  uplotCss: string;
  js: string;
  css: string;
}
let assets: Assets | null = null;

function loadAssets(): Assets {
  if (assets) return assets;
  const require = createRequire(import.meta.url);
  const uplotDir = dirname(require.resolve('uplot/package.json'));
  const here = dirname(fileURLToPath(import.meta.url));
  assets = {
    uplotJs: readFileSync(join(uplotDir, 'dist/uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(join(uplotDir, 'dist/uPlot.min.css'), 'utf8'),
    js: readFileSync(join(here, 'assets/report.js'), 'utf8'),
    css: readFileSync(join(here, 'assets/report.css'), 'utf8'),
  };
  return assets;
}

/** JSON safe inside <script>: no "</script>", no U+2028/2029 surprises. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
/** Inline JS safe inside <script>. */
function scriptText(s: string): string {
  return s.replace(/<\/script/gi, '<\\/script');
}

export interface HtmlReportOptions {
  runDir?: string;
  comparison?: Comparison;
  truncated?: boolean;
  title?: string;
}

function card(k: string, v: string, cls = ''): string {
  return `<div class="card ${cls}"><div class="v">${h(v)}</div><div class="k">${h(k)}</div></div>`;
}

export function htmlReport(m: RunMetrics, o: HtmlReportOptions = {}): string {
  const a = loadAssets();
  const c = m.config;
  const title = o.title ?? `fleetlab · ${c?.scenario ?? 'run'}${c ? ` · ${c.runId}` : ''}`;
  const parts: string[] = [...headerSection(m, o), ...summarySection(m)];
  if (o.comparison) parts.push(comparisonSection(o.comparison));
  parts.push(...chartSections(m, o), ...durationSection(m), ...failuresSection(m));
  parts.push(...faultsSection(m), ...stepsSection(m));
  if (c) parts.push(`<section><h2>Versions</h2><div class="meta">${Object.entries(c.versions).map(([k, v]) => `${h(k)} <code>${h(v)}</code>`).join(' · ')}</div></section>`);
  parts.push('</main>');

  const data = htmlData(m, o.comparison);
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(title)}</title>`,
    `<style>${a.uplotCss}\n${a.css}</style></head><body>`,
    ...parts,
    `<script type="application/json" id="fleetlab-data">${scriptJson(data)}</script>`,
    `<script>${scriptText(a.uplotJs)}</script>`,
    `<script>${scriptText(a.js)}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** The page header: scenario, status badge, run facts, and the killed-run notice. */
function headerSection(m: RunMetrics, o: HtmlReportOptions): string[] {
  const c = m.config;
  const parts: string[] = [];
  parts.push(`<header><h1>${h(c?.scenario ?? 'fleetlab run')}<span class="badge ${m.status}">${m.status}</span></h1>`);
  const meta: string[] = [];
  if (c) {
    meta.push(`run <code>${h(c.runId)}</code>`, `seed <code>${c.seed}</code>`, `target <code>${h(c.target)}</code>`, `testbed <code>${h(`${c.testbed.tier} / ${c.testbed.machine} / ${c.testbed.scale} nodes`)}</code>`, `started <code>${h(c.wallStart)}</code>`);
    const params = Object.entries(c.params).map(([k, v]) => `${k}=${v}`).join(' ');
    if (params) meta.push(`params <code>${h(params)}</code>`);
  }
  if (o.runDir) meta.push(`dir <code>${h(o.runDir)}</code>`);
  parts.push(`<div class="meta">${meta.join(' · ')}</div>`);
  parts.push(`<div class="meta" id="time-basis">${h(timeScaleNote(m))}</div>`);
  parts.push(`<div class="meta" id="tested">tested: ${h(testedLine(c))}</div>`);
  if (!m.ended) parts.push(`<div class="meta fail">The event log ends without run.end${o.truncated ? ' (last line cut short)' : ''}: the run was killed; figures cover what was logged.</div>`);
  parts.push(`<div id="errors"></div></header><main>`);
  return parts;
}

/** Summary cards and the threshold table. */
function summarySection(m: RunMetrics): string[] {
  const ttr = m.timeToReady;
  const parts: string[] = [];
  parts.push('<section id="summary"><h2>Summary</h2><div class="cards">');
  parts.push(card('nodes ready', `${m.counts.ready} / ${m.counts.total}`, m.counts.ready === m.counts.total && m.counts.total > 0 ? 'ok' : ''));
  parts.push(card('failed', String(m.counts.failed), m.counts.failed ? 'bad' : ''));
  parts.push(card('unfinished', String(m.counts.unfinished), m.counts.unfinished ? 'bad' : ''));
  parts.push(card('time-to-ready p50', fmtMs(ttr.p50)));
  parts.push(card('time-to-ready p95', fmtMs(ttr.p95)));
  parts.push(card('time-to-ready max', fmtMs(ttr.max)));
  parts.push(card('run duration', fmtModelled(m, m.durationMs)));
  parts.push(card('fault windows', String(m.faults.filter((w) => !w.parent).length)));
  parts.push(card('retries', String(m.retries.samples.reduce((x, y) => x + y, 0))));
  parts.push(card('BMC p95', fmtMs(m.latency.bmc.p95), m.latency.bmc.errors ? 'bad' : ''));
  parts.push('</div>');
  if (m.thresholds.length) {
    parts.push('<h2 style="margin-top:14px">Thresholds</h2><table id="thresholds"><tr><th>threshold</th><th>result</th><th class="n">value</th><th>limit</th></tr>');
    for (const t of m.thresholds) parts.push(`<tr class="${t.ok ? '' : 'fail'}"><td>${h(t.name)}</td><td class="${t.ok ? 'ok-txt' : 'fail'}">${t.ok ? 'pass' : 'FAIL'}</td><td class="n">${fmtValue(t.value)}</td><td>${h(t.limit)}</td></tr>`);
    parts.push('</table>');
  }
  parts.push('</section>');
  return parts;
}

/** Placeholders the browser script (assets/report.js) draws the charts into. */
function chartSections(m: RunMetrics, o: HtmlReportOptions): string[] {
  const parts: string[] = [];
  if (m.faults.length) parts.push('<div id="fault-legend" class="legend"></div>');
  parts.push(`<div class="row2"><section><h2>Time-to-ready CDF${o.comparison ? ' (dashed: baseline)' : ''}</h2><div id="cdf" class="chart"></div></section>`);
  parts.push(`<section><h2>Phase percentiles over time</h2><div class="controls">phase <select id="ot-phase"></select><span class="note">by the time the phase started; shaded: fault windows (colour per kind); dashed lines: rollout waves</span></div><div id="overtime" class="chart"></div></section></div>`);
  parts.push(`<div class="row2"><section><h2>Boot traffic</h2><div id="rates-net" class="chart"></div></section><section><h2>Nodes over time</h2><div id="rates-nodes" class="chart"></div></section></div>`);
  parts.push(`<section><h2>Phase timeline</h2><div class="controls"><span id="gantt-mode"></span></div><div class="controls">drill down: <input id="gantt-filter" placeholder="node name, site name, or 'failed'" size="34"></div><div id="gantt-legend" class="legend"></div><div class="gantt-wrap"><canvas id="gantt" class="gantt"></canvas></div><div id="gantt-detail-wrap" style="display:none"><h2 id="gantt-detail-title" style="margin-top:12px"></h2><div class="gantt-wrap"><canvas id="gantt-detail" class="gantt"></canvas></div></div></section>`);
  parts.push(`<section><h2>Time-to-ready per site</h2><div class="controls">colour by <select id="heat-stat"><option value="p95">p95</option><option value="p50">p50</option><option value="max">max</option><option value="failed">failed share</option></select><span id="heat-scale" class="note"></span></div><div id="heatmap" class="heat"></div><div class="note">one cell per site (${m.sites.length}); click a site to see its nodes in the timeline</div></section>`);
  return parts;
}

/** Phase durations and protocol latency, one percentile row per phase or operation. */
function durationSection(m: RunMetrics): string[] {
  const ttr = m.timeToReady;
  const parts: string[] = [];
  // Modelled figures; when the run was compressed, the wall p50 and what kind of time each phase is.
  const scale = compressedScale(m);
  const extraTh = scale !== null ? '<th class="n">wall p50</th><th>time</th>' : '';
  parts.push(`<section id="phases"><h2>Phase durations${scale !== null ? ' (modelled)' : ''}</h2><table><tr><th>phase</th><th class="n">count</th><th class="n">p50</th><th class="n">p90</th><th class="n">p95</th><th class="n">p99</th><th class="n">max</th><th class="n">mean</th><th class="n">failed</th>${extraTh}</tr>`);
  const statRow = (name: string, s: RunMetrics['timeToReady'], kind = '') =>
    `<tr><td>${h(name)}</td><td class="n">${s.count}</td><td class="n">${fmtMs(s.p50)}</td><td class="n">${fmtMs(s.p90)}</td><td class="n">${fmtMs(s.p95)}</td><td class="n">${fmtMs(s.p99)}</td><td class="n">${fmtMs(s.max)}</td><td class="n">${fmtMs(s.mean)}</td><td class="n${s.errors ? ' fail' : ''}">${s.errors || ''}</td>${scale !== null ? `<td class="n">${fmtMs(s.p50 * scale)}</td><td>${kind}</td>` : ''}</tr>`;
  for (const p of PHASES) {
    const s = m.phases[p];
    if (s && p !== 'ready') parts.push(statRow(p, s, PHASE_TIME_KIND[p]));
  }
  parts.push(statRow('time-to-ready', ttr));
  parts.push(`</table><h2 style="margin-top:14px">Protocol latency</h2><table><tr><th>operation</th><th class="n">count</th><th class="n">p50</th><th class="n">p90</th><th class="n">p95</th><th class="n">p99</th><th class="n">max</th><th class="n">mean</th><th class="n">errors</th>${extraTh}</tr>`);
  parts.push(statRow('DHCP exchange', m.latency.dhcp), statRow('TFTP transfer', m.latency.tftp), statRow('HTTP request', m.latency.http), statRow('image download', m.latency.image), statRow('BMC request', m.latency.bmc));
  for (const [p, s] of Object.entries(m.latency.bmcByProto)) parts.push(statRow(`BMC request (${p})`, s));
  parts.push('</table></section>');
  return parts;
}

/** Failed nodes (with their last events), error codes, and the unfinished nodes by phase. */
function failuresSection(m: RunMetrics): string[] {
  const parts: string[] = [];
  const f = failureRows(m);
  parts.push(`<section id="failures"><h2>Failures (${f.total})</h2>`);
  const codes = Object.entries(m.errorCodes).sort((x, y) => y[1] - x[1]);
  if (codes.length) parts.push(`<div class="meta">by code: ${codes.map(([k, v]) => `<code>${h(k)}</code> ×${v}`).join(', ')}</div>`);
  if (f.total) {
    parts.push('<table><tr><th>node</th><th>site</th><th>phase</th><th>code</th><th>message</th><th class="n">at</th></tr>');
    for (const r of f.rows) {
      parts.push(`<tr class="fail"><td>${h(r.node)}</td><td>${h(r.site)}</td><td>${h(r.phase)}</td><td>${h(r.code)}</td><td>${h(r.message)}<details><summary>last ${r.last.length} events</summary><pre class="events">${textEscape(r.last.join('\n'))}</pre></details></td><td class="n">${fmtMs(r.t)}</td></tr>`);
    }
    parts.push('</table>');
    if (f.total > f.rows.length) parts.push(`<div class="note">first ${f.rows.length} of ${f.total} failed nodes listed; run.json and junit.xml have all of them</div>`);
  } else parts.push('<div class="note">no node failed</div>');
  const stuck = unfinishedByPhase(m);
  if (stuck.length) parts.push(`<div class="meta" style="margin-top:8px">${m.counts.unfinished} node(s) unfinished when the log ended, by the phase they were in: ${stuck.map(([p, n]) => `<code>${h(p)}</code> ×${n}`).join(', ')}</div>`);
  parts.push('</section>');
  return parts;
}

/** Fault windows (sub-windows, e.g. each outage of a link flap, are counted under their window). */
function faultsSection(m: RunMetrics): string[] {
  const parts: string[] = [];
  const MAX_FAULT_ROWS = 200;
  const top = m.faults.filter((w) => !w.parent);
  const subs = new Map<string, number>();
  for (const w of m.faults) if (w.parent) subs.set(w.parent, (subs.get(w.parent) ?? 0) + 1);
  const targets = (t?: string[]) => (!t ? 'all' : t.length <= 5 ? t.join(', ') : `${t.slice(0, 5).join(', ')} +${t.length - 5} more`);
  parts.push(`<section id="faults"><h2>Fault windows (${top.length}${m.faults.length > top.length ? `, ${m.faults.length - top.length} sub-windows` : ''})</h2>`);
  if (top.length) {
    parts.push('<table><tr><th>id</th><th>fault</th><th>selector</th><th>targets</th><th>params</th><th class="n">start</th><th class="n">end</th><th class="n">sub-windows</th></tr>');
    for (const w of top.slice(0, MAX_FAULT_ROWS)) parts.push(`<tr><td>${h(w.id)}</td><td>${h(w.fault)}</td><td>${h(w.selector)}</td><td>${h(targets(w.targets))}</td><td><code>${h(JSON.stringify(w.params))}</code></td><td class="n">${fmtMs(w.start)}</td><td class="n">${w.open ? 'never healed' : fmtMs(w.end)}</td><td class="n">${subs.get(w.id) ?? ''}</td></tr>`);
    parts.push('</table>');
    if (top.length > MAX_FAULT_ROWS) parts.push(`<div class="note">first ${MAX_FAULT_ROWS} of ${top.length} windows listed; run.json has all</div>`);
  } else parts.push('<div class="note">no faults injected</div>');
  parts.push('</section>');
  return parts;
}

/** Scenario steps and rollout waves (nothing when the run had neither). */
function stepsSection(m: RunMetrics): string[] {
  const parts: string[] = [];
  if (m.steps.length || m.waves.length) {
    parts.push(`<section id="steps"><h2>Scenario steps${m.waves.length ? ' and rollout waves' : ''}</h2>`);
    if (m.steps.length) {
      parts.push('<table><tr><th>step</th><th class="n">start</th><th class="n">duration</th><th>result</th></tr>');
      for (const st of m.steps) parts.push(`<tr${st.ok === false ? ' class="fail"' : ''}><td>${h(st.step)}</td><td class="n">${fmtMs(st.start)}</td><td class="n">${fmtMs(st.ms)}</td><td>${st.ok === null ? 'unfinished' : st.ok ? 'ok' : `failed${st.error ? `: ${h(st.error)}` : ''}`}</td></tr>`);
      parts.push('</table>');
    }
    if (m.waves.length) {
      parts.push('<table style="margin-top:10px"><tr><th class="n">at</th><th>wave</th><th>decision</th><th class="n">nodes</th><th>detail</th></tr>');
      for (const w of m.waves) parts.push(`<tr${w.decision === 'halt' || w.decision === 'rollback' ? ' class="fail"' : ''}><td class="n">${fmtMs(w.t)}</td><td>${h(w.wave)}</td><td>${h(w.decision)}</td><td class="n">${w.nodes}</td><td>${h(w.detail ?? '')}</td></tr>`);
      parts.push('</table>');
    }
    parts.push('</section>');
  }
  return parts;
}

function comparisonSection(c: Comparison): string {
  const rows = c.metrics.map((x) => {
    const p = Number.isNaN(x.p) ? '-' : x.p < 0.001 ? x.p.toExponential(1) : x.p.toFixed(3);
    return `<tr${x.regression ? ' class="fail"' : ''}><td>${h(x.metric)}</td><td class="verdict-${x.verdict}">${x.verdict}${x.regression ? ' (regression)' : ''}</td><td class="n">${fmtMs(x.baseline.p50)}</td><td class="n">${fmtMs(x.run.p50)}</td><td class="n">${fmtMs(x.deltaMs)}</td><td class="n">${Number.isFinite(x.deltaPct) ? `${round(x.deltaPct, 1)} %` : '-'}</td><td class="n">${p}</td><td class="n">${x.baseline.count}</td><td class="n">${x.run.count}</td><td>${h(x.reason)}</td></tr>`;
  });
  const o = c.options;
  const oc = c.outcomes;
  rows.unshift(`<tr${oc.regression ? ' class="fail"' : ''}><td>${oc.metric}</td><td class="verdict-${oc.verdict}">${oc.verdict}${oc.regression ? ' (regression)' : ''}</td><td class="n">${oc.baseline.ready}/${oc.baseline.total}</td><td class="n">${oc.run.ready}/${oc.run.total}</td><td class="n"></td><td class="n"></td><td class="n">${Number.isNaN(oc.p) ? '-' : oc.p < 0.001 ? oc.p.toExponential(1) : oc.p.toFixed(3)}</td><td class="n">${oc.baseline.total}</td><td class="n">${oc.run.total}</td><td>${h(oc.reason)}</td></tr>`);
  return `<section id="comparison"><h2>Comparison with ${c.baselineRunIds.length} baseline run(s): ${c.regressions.length ? `<span class="fail">REGRESSION in ${h(c.regressions.join(', '))}</span>` : '<span class="ok-txt">no regression</span>'}</h2><div class="meta">Mann-Whitney U and Kolmogorov-Smirnov, p = min of the two; DIFFERENT when p &lt; ${o.alpha} and the median moved by at least max(${o.minEffectPct} % of the baseline median, ${o.minEffectMs} ms, the spread of the baseline runs' medians). Baselines: ${h(c.baselineRunIds.join(', '))}</div><table><tr><th>metric</th><th>verdict</th><th class="n">baseline p50</th><th class="n">run p50</th><th class="n">Δ</th><th class="n">Δ %</th><th class="n">p</th><th class="n">n base</th><th class="n">n run</th><th>why</th></tr>${rows.join('')}</table></section>`;
}

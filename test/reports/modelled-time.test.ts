/**
 * Acceptance (issue 18): the same small provision at timeScale 0.01 and at 1.0 reports modelled
 * phase times within ±10 % of each other for the phases modelled time describes (clock-modelled
 * hardware phases, and network phases whose time the WAN link model sets: a slow, long link), and
 * every report states the timeScale. One node per site (no two transfers share a link, so the order
 * of packets on it cannot differ between the runs); each phase lasts seconds (a few ms
 * of wall-clock processing become 1/timeScale × that in modelled time: ±10 % needs the model to
 * dominate); the timeScale-1 run takes about 80 s.
 *
 * On a busy host: clock-modelled phases must agree whatever the load (the node's late timers are
 * not modelled time and are subtracted); a network-modelled phase stretched by per-packet waits for
 * a CPU must agree or be flagged by the run itself (its host samples overlap the phase), which is
 * what makes `compare` answer UNKNOWN instead of DIFFERENT.
 */
import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fleetlab, API } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'fleetlab-modelled-'));
writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
const file = join(dir, 'modelled.ts');
writeFileSync(
  file,
  `import { defineScenario } from '${API}';
export default defineScenario({
  name: 'modelled-time',
  params: { timeScale: 0.01 },
  lab: (p) => ({
    sites: 2, nodesPerSite: 1, timeScale: p.timeScale,
    profiles: [{ name: 'quick', base: 'generic-uefi', timings: { postMs: 10000, kernelBootMs: 8000, rebootMs: 1000, diskBootMs: 2000, shutdownMs: 500 } }],
    profile: 'quick',
    link: { down: '128kbit', up: '128kbit', latency: '100ms' },
  }),
  async run({ lab, target, step }) {
    await step('enroll', () => target.enroll(lab.nodes));
    await step('provision', () => target.provision(lab.nodes, target.image('os', 300_000)));
    await step('wait for ready', () => lab.waitReady(lab.nodes, { since: 0 }));
  },
});
`,
);

interface Summary {
  timeScale: number;
  runDir: string;
  phasesMs: Record<string, { p50: number }>;
  wallMs?: { duration: number; phases: Record<string, { p50: number }> };
}

// Clock-modelled (hardware timings) and network-modelled phases whose time the link sets here.
const CLOCK_MODELLED = ['power-on', 'boot', 'reboot', 'disk-boot'];
const NETWORK_MODELLED = ['kernel', 'image'];

t.test('timeScale 0.01 and 1.0: modelled phase times agree within ±10 %; reports state the timeScale', async (t) => {
  const runs: Record<string, Summary> = {};
  const flagged: Record<string, Record<string, number>> = {};
  for (const ts of ['0.01', '1']) {
    const out = join(dir, `run-${ts}`);
    const r = await fleetlab(['run', file, '--param', `timeScale=${ts}`, '--json', '--out', out], { timeoutMs: 240_000 });
    t.equal(r.code, 0, r.stderr);
    runs[ts] = JSON.parse(r.stdout) as Summary;
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { timeScale: number; durationMs: number; durationWallMs: number; config: { host: { cores: number } }; host: { saturatedPhaseShare: Record<string, number> } };
    flagged[ts] = run.host.saturatedPhaseShare;
    t.equal(run.timeScale, Number(ts), `run.json states timeScale ${ts}`);
    t.ok(run.config.host.cores > 0, 'run.json records the host');
    t.match(readFileSync(join(out, 'report.html'), 'utf8'), new RegExp(`id="time-basis">timeScale ${ts.replace('.', '\\.')}`), 'report.html header states the timeScale');
    t.match(readFileSync(join(out, 'metrics.csv'), 'utf8'), new RegExp(`,time_scale,fleet,value,${ts.replace('.', '\\.')}\\n`), 'metrics.csv states it');
    const text = await fleetlab(['report', out]);
    t.match(text.stdout, new RegExp(`timeScale ${ts.replace('.', '\\.')}`), 'the summary states it');
  }
  const fast = runs['0.01']!;
  const real = runs['1']!;
  t.equal(real.wallMs, undefined, 'no separate wall figures at timeScale 1');
  t.ok(fast.wallMs && fast.wallMs.duration < fast.wallMs.duration * 100, 'wall figures alongside at 0.01');
  t.ok(Math.abs(fast.wallMs!.phases['power-on']!.p50 - fast.phasesMs['power-on']!.p50 * 0.01) < 1, 'wall = modelled × timeScale');
  for (const p of CLOCK_MODELLED) {
    const a = fast.phasesMs[p]!.p50;
    const b = real.phasesMs[p]!.p50;
    t.ok(Math.abs(a - b) / b <= 0.1, `${p}: ${a} ms at 0.01 vs ${b} ms at 1.0 (modelled p50)`);
  }
  for (const p of NETWORK_MODELLED) {
    const a = fast.phasesMs[p]!.p50;
    const b = real.phasesMs[p]!.p50;
    const share = Math.max(flagged['0.01']![p] ?? 0, flagged['1']![p] ?? 0);
    t.ok(Math.abs(a - b) / b <= 0.1 || share > 0, `${p}: ${a} ms at 0.01 vs ${b} ms at 1.0 (modelled p50)${share > 0 ? `; host saturated during ${Math.round(share * 100)} % of its spans` : ''}`);
  }
});

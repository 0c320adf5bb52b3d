/**
 * Each fault kind's effect on real sim-node provisioning: one site per fault, one run of the
 * real CLI against the reference target, then the event log says what each fault did.
 * Timings are only used as lower bounds the fault itself imposes (a window of W ms cannot be
 * crossed faster than W), so a slow host cannot make these fail.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab, API } from '../../helpers/cli.ts';
import { readEvents } from '../../helpers/run-json.ts';

interface Ev {
  t: number;
  kind: string;
  node?: string;
  [k: string]: unknown;
}

const SITES = ['pl', 'ic', 'dw', 'hc', 'cr', 'dd', 'td', 'pt', 'fl', 'lb', 'ld', 'ba', 'be', 'bs', 'ok'];

// timeScale 0.01: 1 s modelled = 10 ms real. Windows below are modelled time.
const scenario = `import { defineScenario } from '${API}';
export default defineScenario({
  name: 'fault-effects',
  lab: { sites: ${JSON.stringify(SITES.map((name) => ({ name, nodes: 1 })))}, timeScale: 0.01, link: 'dsl', bmc: { ipmi: false } },
  async run({ lab, target, faults, step }) {
    await step('enroll', () => target.enroll(lab.nodes));
    const image = target.image('os', 2e6);
    await faults.schedule([
      { id: 'pl', kind: 'power-loss', selector: { site: 'pl' }, params: { phase: 'image' } },
      { id: 'ic', kind: 'image-corruption', selector: { site: 'ic' } },
      { id: 'dw', kind: 'disk-write-failure', selector: { site: 'dw' } },
      { id: 'hc', kind: 'http-cut', selector: { site: 'hc' }, when: { phase: 'image' }, params: { afterBytes: '100kb' } },
      { id: 'cr', kind: 'connection-reset', selector: { site: 'cr' }, when: { phase: 'image' } },
      { id: 'dd', kind: 'dhcp-drop', selector: { site: 'dd' }, when: { phase: 'dhcp' }, duration: '50s' },
      { id: 'td', kind: 'tftp-drop', selector: { site: 'td' }, when: { phase: 'tftp' }, duration: '50s' },
      { id: 'pt', kind: 'partition', selector: { site: 'pt' }, when: { phase: 'kernel' }, duration: '50s' },
      { id: 'fl', kind: 'link-flap', selector: { site: 'fl' }, when: { phase: 'tftp' }, params: { period: '60s', down: '30s' } },
      { id: 'lb', kind: 'loss-burst', selector: { site: 'lb' }, when: { phase: 'tftp' }, duration: '30s', params: { loss: '100%' } },
      { id: 'ld', kind: 'link-degrade', selector: { site: 'ld' }, when: { phase: 'image' }, params: { down: '500kbit' } },
      { id: 'ba', kind: 'bmc-auth-failure', selector: { site: 'ba' } },
      { id: 'be', kind: 'bmc-errors', selector: { site: 'be' }, params: { status: 503 } },
      { id: 'bs', kind: 'bmc-slow', selector: { site: 'bs' }, params: { delay: '300ms' } },
    ]);
    // A BMC that refuses makes the target's provision call fail: those nodes go one by one.
    const bmcBroken = lab.nodes.filter((n) => n.site === 'ba' || n.site === 'be');
    await step('provision', () => target.provision(lab.nodes.filter((n) => !bmcBroken.includes(n)), image));
    for (const n of bmcBroken) await target.provision([n], image).catch(() => undefined);
    await step('wait', () => lab.waitReady(lab.nodes, { since: 0 }));
  },
});
`;

t.test('every fault kind shows its effect on a sim node provisioning against the reference target', async (t) => {
  const dir = t.testdir({ 'package.json': '{"type": "module"}' });
  const file = join(dir, 'fault-effects.ts');
  writeFileSync(file, scenario);
  const out = join(dir, 'run');
  const r = await fleetlab(['run', file, '--out', out], { timeoutMs: 180_000 });
  t.equal(r.code, 0, r.stderr);
  const events = readEvents<Ev>(out);
  const of = (site: string) => events.filter((e) => e.node === `${site}-n00`);
  const ready = (site: string) => of(site).some((e) => e.kind === 'node.ready');
  const targetFailed = (site: string) => of(site).some((e) => e.kind === 'target.state' && e.phase === 'failed');
  const errors = (site: string) => of(site).filter((e) => e.kind === 'node.error' || e.kind === 'node.failed').map((e) => `${e.code as string}: ${e.message as string}`);
  const phaseStarts = (site: string, phase: string) => of(site).filter((e) => e.kind === 'node.phase' && e.phase === phase).map((e) => e.t);
  const phaseMs = (site: string, phase: string) => {
    const evs = of(site).filter((e) => e.kind === 'node.phase');
    const i = evs.findIndex((e) => e.phase === phase);
    return evs[i + 1]!.t - evs[i]!.t;
  };

  t.ok(ready('ok'), 'the control node is ready');
  t.ok(events.some((e) => e.kind === 'fault.start') && events.filter((e) => e.kind === 'fault.start').length === events.filter((e) => e.kind === 'fault.stop').length, 'every fault.start has its fault.stop');

  t.test('power-loss at image: power cut and restored, the chain restarts, the node still gets ready', async (t) => {
    const power = of('pl').filter((e) => e.kind === 'node.power').map((e) => `${e.state as string}:${e.cause as string}`);
    t.match(power.join(' '), /off:power-loss on:power-restored/);
    t.ok(phaseStarts('pl', 'power-on').length >= 2, 'firmware started again');
    t.ok(phaseStarts('pl', 'image').length >= 2, 'image phase entered again');
    t.ok(ready('pl'));
  });
  t.test('image-corruption: checksum failure event and the target sees a failed deploy', async (t) => {
    t.match(errors('ic').join('\n'), /FLEETLAB_ERR_IMAGE_CHECKSUM/);
    t.ok(targetFailed('ic'));
    t.notOk(ready('ic'));
  });
  t.test('disk-write-failure: the install fails with a disk error reported to the target', async (t) => {
    t.match(errors('dw').join('\n'), /FLEETLAB_ERR_DISK_WRITE/);
    t.ok(targetFailed('dw'));
  });
  t.test('http-cut during image: the download is cut and the deploy fails', async (t) => {
    t.match(errors('hc').join('\n'), /cut after 100000 bytes/);
    t.ok(targetFailed('hc'));
  });
  t.test('connection-reset during image: the download is reset and the deploy fails', async (t) => {
    t.match(errors('cr').join('\n'), /connection reset/);
    t.ok(targetFailed('cr'));
  });
  t.test('dhcp-drop: DISCOVERs are retransmitted until the window ends, then the node boots', async (t) => {
    const attempts = of('dd').filter((e) => e.kind === 'dhcp.discover' && e.stage === 'pxe').map((e) => e.attempt as number);
    t.ok(Math.max(...attempts) >= 2, `attempts ${attempts.join(',')}`);
    t.ok(phaseMs('dd', 'dhcp') >= 500, 'DHCP took at least the 50 s (500 ms real) window');
    t.ok(ready('dd'));
  });
  t.test('tftp-drop: the boot file transfer waits out the window, then completes', async (t) => {
    t.ok(phaseMs('td', 'tftp') >= 500);
    t.ok(ready('td'));
  });
  t.test('partition during kernel: the fetch stalls for the window, then resumes', async (t) => {
    t.ok(phaseMs('pt', 'kernel') >= 500, `kernel phase ${phaseMs('pt', 'kernel')} ms`);
    t.ok(ready('pt'));
  });
  t.test('link-flap and loss-burst: TFTP crosses the down/lossy window, the node still boots', async (t) => {
    t.ok(phaseMs('fl', 'tftp') >= 300);
    t.ok(phaseMs('lb', 'tftp') >= 300);
    t.ok(ready('fl') && ready('lb'));
    t.ok(events.filter((e) => e.kind === 'fault.start' && e.id === 'fl#1').length === 1);
  });
  t.test('link-degrade during image: 2 MB at 500 kbit/s takes >= 32 s modelled (320 ms real)', async (t) => {
    const img = of('ld').find((e) => e.kind === 'agent.image');
    t.ok(img && (img.ms as number) >= 300, `image ${img?.ms as number} ms`);
    t.ok(ready('ld'));
  });
  t.test('BMC auth failure and 5xx: the target cannot power the node on and fails the deploy', async (t) => {
    for (const site of ['ba', 'be']) {
      t.ok(targetFailed(site), `${site}: target failed`);
      t.notOk(of(site).some((e) => e.kind === 'node.power'), `${site}: never powered on`);
    }
    const statuses = (bmc: string) => events.filter((e) => e.kind === 'bmc.request' && e.bmc === bmc).map((e) => e.status);
    const bmcOf = (site: string) => events.find((e) => e.kind === 'node.info' && e.node === `${site}-n00`)!.bmc as string;
    t.ok(statuses(bmcOf('ba')).includes(401));
    t.ok(statuses(bmcOf('be')).includes(503));
  });
  t.test('bmc-slow: every BMC request takes at least the added delay, provisioning still succeeds', async (t) => {
    const bmc = events.find((e) => e.kind === 'node.info' && e.node === 'bs-n00')!.bmc as string;
    const ms = events.filter((e) => e.kind === 'bmc.request' && e.bmc === bmc).map((e) => e.ms as number);
    t.ok(ms.length > 0 && ms.every((x) => x >= 300), `BMC request ms ${ms.join(',')}`);
    t.ok(ready('bs'));
  });
});

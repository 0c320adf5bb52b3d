/**
 * Progress on a non-TTY (CI logs): wave decisions printed as they happen, and the periodic status
 * line (nodes per phase, ETA from the ready rate) the timer writes every FLEETLAB_PROGRESS_S.
 */
import t from 'tap';
import { Writable } from 'node:stream';
import { Progress } from '../../../harness/run/progress.ts';
import { NodeTracker } from '../../../harness/run/node-tracker.ts';
import type { FleetEvent } from '../../../lab/base/event.ts';

function setup(everyMs = 60_000) {
  let text = '';
  const out = Object.assign(new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) }), { isTTY: false });
  const tracker = new NodeTracker(['n1', 'n2', 'n3', 'n4']);
  let now = 0;
  const p = new Progress(out, tracker, () => now, false, everyMs);
  const feed = (e: FleetEvent) => (tracker.onEvent(e), p.onEvent(e));
  return { p, feed, text: () => text, setNow: (x: number) => (now = x) };
}

t.test('wave decisions are printed as they happen', async (t) => {
  const s = setup();
  s.feed({ t: 5100, kind: 'wave.decision', wave: 'canary', decision: 'halt', nodes: 1, detail: 'failureRate=1' });
  await new Promise((r) => setImmediate(r));
  t.equal(s.text(), '[5.1s] wave canary: halt (1 nodes) failureRate=1\n');
});

t.test('status line: nodes per phase and an ETA from the ready rate', async (t) => {
  const s = setup();
  t.match(s.p.status(true), /ready 0\/4 failed 0 \| off 4 \| ETA unknown \(none ready yet\)/);
  for (const n of ['n1', 'n2', 'n3']) s.feed({ t: 1000, kind: 'node.phase', node: n, phase: 'power-on' });
  s.feed({ t: 1500, kind: 'node.phase', node: 'n2', phase: 'tftp' });
  s.feed({ t: 10_000, kind: 'node.ready', node: 'n1' });
  s.setNow(10_000);
  // 1 ready in 10 s, 3 left: ~30 s.
  t.equal(s.p.status(true), '[10.0s] ready 1/4 failed 0 | tftp 1 power-on 1 off 1 | ETA ~30.0s');
});

t.test('the timer writes status lines on a non-TTY, and stop() ends them', async (t) => {
  const s = setup(20);
  s.p.start();
  await new Promise((r) => setTimeout(r, 200));
  s.p.stop();
  const lines = s.text().trim().split('\n');
  t.ok(lines.length >= 1, 'at least one status line');
  t.ok(lines.every((l) => /^\[0\.0s\] ready 0\/4 failed 0 \| off 4 \| ETA unknown/.test(l)), lines.join('\n'));
  const n = s.text().length;
  await new Promise((r) => setTimeout(r, 100));
  t.equal(s.text().length, n, 'nothing after stop()');
});

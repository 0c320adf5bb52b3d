import t from 'tap';
import { createVmScheduler } from '../../../../lab/nodes/qemu/vm-scheduler.ts';

t.test('at most max VMs run; the rest queue FIFO and start as slots are released', async (t) => {
  const s = createVmScheduler(2);
  const order: number[] = [];
  const reqs = [0, 1, 2, 3].map((i) => {
    const r = s.request();
    void r.granted.then(() => order.push(i));
    return r;
  });
  const rel0 = await reqs[0]!.granted;
  await reqs[1]!.granted;
  t.equal(s.running(), 2);
  t.equal(s.queued(), 2);
  t.same(order, [0, 1]);
  rel0();
  rel0(); // releasing twice frees one slot only
  await reqs[2]!.granted;
  t.same(order, [0, 1, 2]);
  t.equal(s.running(), 2);
  t.equal(s.queued(), 1);
});

t.test('a cancelled request leaves the queue and never takes a slot', async (t) => {
  const s = createVmScheduler(1);
  const a = s.request();
  const b = s.request();
  const c = s.request();
  const release = await a.granted;
  b.cancel();
  await t.rejects(b.granted);
  release();
  await c.granted;
  t.equal(s.running(), 1);
  t.equal(s.queued(), 0);
});

t.test('max must be a positive integer', async (t) => {
  t.throws(() => createVmScheduler(0), RangeError);
});

/**
 * The host lock is host-wide: two processes with different TMPDIRs (two CI jobs, two engineers'
 * test runs) take turns on the same lock instead of both "holding" it; a dead holder's lock is
 * taken over.
 */
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireHostLock, hostLockDir } from '../../../lab/base/host-lock.ts';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'take-lock.ts');

function takeLock(name: string, log: string, holdMs: number, tag: string, tmp: string): Promise<number> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import=tsx', CHILD, name, log, String(holdMs), tag], { env: { ...process.env, TMPDIR: tmp }, timeout: 180_000 }, (err) =>
      resolve(err ? (typeof err.code === 'number' ? err.code : 1) : 0),
    );
  });
}

t.test('two lock takers with different TMPDIRs serialize', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'fl-hostlock-'));
  const log = join(work, 'order.log');
  writeFileSync(log, '');
  const name = `test-serialize-${process.pid}-${Date.now()}`;
  const [a, b] = await Promise.all([
    takeLock(name, log, 1500, 'A', mkdtempSync(join(tmpdir(), 'fl-tmpA-'))),
    takeLock(name, log, 1500, 'B', mkdtempSync(join(tmpdir(), 'fl-tmpB-'))),
  ]);
  t.same([a, b], [0, 0], 'both children took the lock in the end');
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  const order = lines.map((l) => l.split(' ').slice(0, 2).join(' '));
  const first = order[0]!.split(' ')[0]!;
  const second = first === 'A' ? 'B' : 'A';
  t.same(order, [`${first} acquired`, `${first} released`, `${second} acquired`, `${second} released`], 'the second holder got the lock only after the first released it');
  t.ok(lines.every((l) => !l.includes('acquired') || l.endsWith(join(hostLockDir(), `${name}.lock`))), 'both used the same host-wide path');
});

t.test('a lock left by a dead process is taken over; a live holder is waited for', async (t) => {
  const name = `test-stale-${process.pid}-${Date.now()}`;
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => dead.once('exit', r));
  const path = join(hostLockDir(), `${name}.lock`);
  writeFileSync(path, String(dead.pid));
  const lock = await acquireHostLock(name, { timeoutMs: 5000 });
  t.equal(readFileSync(path, 'utf8'), String(process.pid), 'taken over from the dead pid');
  await t.rejects(acquireHostLock(name, { timeoutMs: 300, pollMs: 50, what: 'the test lock' }), { code: 'FLEETLAB_ERR_TARGET_START', message: /the test lock is held by another fleetlab run \(pid \d+/ }, 'a live holder is not taken over');
  lock.release();
  t.notOk(existsSync(path), 'released');
});

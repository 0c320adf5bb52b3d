/**
 * The SSH client against a real dropbear on host loopback (test/helpers/host-dropbear.ts): key
 * and password logins, both host-key policies, every check's pass and fail with its own code,
 * and the connection/command failures. The same client against the dropbear in the provisioned
 * qemu image is test/lab/nodes/qemu/qemu-ssh.test.ts. Needs root (unshare -m) and dropbear-bin.
 */
import t, { type Test } from 'tap';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSshSession } from '../../../../lab/clients/ssh/ssh-session.ts';
import { parseCheckNames, runSshChecks } from '../../../../lab/clients/ssh/ssh-checks.ts';
import { verifyOverSsh } from '../../../../lab/clients/ssh/ssh-verify.ts';
import { startHostDropbear, type HostDropbear } from '../../../helpers/host-dropbear.ts';

t.setTimeout(120_000);

const rejectsCode = async (t: Test, p: Promise<unknown>, code: string, what: string) => {
  const e = await p.then(
    () => null,
    (err: unknown) => err as { code?: string; message: string },
  );
  t.equal(e?.code, code, `${what}: ${e?.message ?? 'resolved'}`);
};

let keyOnly: HostDropbear;
let withPassword: HostDropbear;
t.before(async () => {
  keyOnly = await startHostDropbear();
  withPassword = await startHostDropbear({ allowPassword: true });
});
t.teardown(async () => {
  await keyOnly?.stop();
  await withPassword?.stop();
});

t.test('key login, accept-new records the fingerprint dropbearkey printed; a changed key is refused', async (t) => {
  const store = join(mkdtempSync(join(tmpdir(), 'fl-known-')), 'known-hosts.json');
  const target = { host: '127.0.0.1', port: keyOnly.port, user: keyOnly.user, privateKeyFile: keyOnly.keyFile, hostKey: { policy: 'accept-new' as const, store } };
  const s = await openSshSession(target);
  t.equal(s.fingerprint, keyOnly.fingerprint, 'the server host key, as dropbearkey -y shows it');
  t.equal(s.newHostKey, true);
  t.equal(s.auth, 'publickey');
  const r = await s.exec('echo out; echo err >&2; exit 3');
  t.same([r.code, r.stdout, r.stderr], [3, 'out\n', 'err\n'], 'exit code and both streams');
  s.close();
  t.same(JSON.parse(readFileSync(store, 'utf8')), { [`127.0.0.1:${keyOnly.port}`]: keyOnly.fingerprint }, 'recorded');
  const again = await openSshSession(target);
  t.equal(again.newHostKey, false, 'second login matches the record');
  again.close();
  writeFileSync(store, JSON.stringify({ [`127.0.0.1:${keyOnly.port}`]: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }));
  await rejectsCode(t, openSshSession(target), 'FLEETLAB_ERR_SSH_HOST_KEY', 'a recorded key that differs');
});

t.test('pinned: only the given fingerprint is accepted', async (t) => {
  const base = { host: '127.0.0.1', port: keyOnly.port, user: keyOnly.user, privateKeyFile: keyOnly.keyFile };
  const s = await openSshSession({ ...base, hostKey: { policy: 'pinned', fingerprint: keyOnly.fingerprint } });
  t.equal(s.newHostKey, false);
  s.close();
  await rejectsCode(t, openSshSession({ ...base, hostKey: { policy: 'pinned', fingerprint: withPassword.fingerprint } }), 'FLEETLAB_ERR_SSH_HOST_KEY', 'another server key pinned');
});

t.test('password login where the server allows it; a wrong password and a key-only server are SSH_AUTH', async (t) => {
  const s = await openSshSession({ host: '127.0.0.1', port: withPassword.port, user: withPassword.user, password: withPassword.password });
  t.equal(s.auth, 'password');
  t.equal((await s.exec('id -u')).stdout.trim(), '0');
  s.close();
  await rejectsCode(t, openSshSession({ host: '127.0.0.1', port: withPassword.port, user: withPassword.user, password: 'wrong' }), 'FLEETLAB_ERR_SSH_AUTH', 'wrong password');
  await rejectsCode(t, openSshSession({ host: '127.0.0.1', port: keyOnly.port, user: keyOnly.user, password: keyOnly.password }), 'FLEETLAB_ERR_SSH_AUTH', 'dropbear -s refuses passwords');
  const other = mkdtempSync(join(tmpdir(), 'fl-otherkey-'));
  const { execFileSync } = await import('node:child_process');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(other, 'k')]);
  await rejectsCode(t, openSshSession({ host: '127.0.0.1', port: keyOnly.port, user: keyOnly.user, privateKeyFile: join(other, 'k') }), 'FLEETLAB_ERR_SSH_AUTH', 'a key not in authorized_keys');
});

t.test('checks: each failure has its own code, the passing ones report what they saw', async (t) => {
  const s = await openSshSession({ host: '127.0.0.1', port: keyOnly.port, user: keyOnly.user, privateKeyFile: keyOnly.keyFile });
  t.teardown(() => s.close());
  // The server is on this host: a block device this host has is one the check must find.
  const disk = readdirSync('/sys/block')[0];
  if (!disk) throw new Error('this host has no block device in /sys/block');
  const ok = await runSshChecks(s, ['rootfs', 'disks', 'nic'], { disks: [{ name: disk }], address: '127.0.0.1' });
  t.same(ok.map((c) => [c.check, c.ok]), [['rootfs', true], ['disks', true], ['nic', true]], ok.map((c) => c.message).join('; '));
  t.match(ok[2]!.message, /^lo 127\.0\.0\.1$/);
  const bad = await runSshChecks(s, ['image', 'rootfs', 'disks', 'nic'], { image: 'edge-os-1.0', rootfsTypes: ['no-such-fs'], disks: [{ name: 'fl-nodisk' }], address: '10.254.254.254' });
  t.same(
    bad.map((c) => c.code),
    ['FLEETLAB_ERR_SSH_CHECK_IMAGE', 'FLEETLAB_ERR_SSH_CHECK_ROOTFS', 'FLEETLAB_ERR_SSH_CHECK_DISKS', 'FLEETLAB_ERR_SSH_CHECK_NIC'],
    bad.map((c) => c.message).join('; '),
  );
  t.match(bad[2]!.message, /fl-nodisk missing/);
  for (const c of bad) t.ok(c.ms >= 0 && typeof c.output === 'string', `${c.check} has timing and output`);
  await rejectsCode(t, s.exec('sleep 5', 300), 'FLEETLAB_ERR_SSH_COMMAND', 'a command past its timeout');
});

t.test('verifyOverSsh: one value per node; unreachable and bad options never throw', async (t) => {
  const v = await verifyOverSsh({ target: { host: '127.0.0.1', port: keyOnly.port, user: keyOnly.user, privateKeyFile: keyOnly.keyFile }, checks: ['rootfs', 'image'] });
  t.equal(v.ok, false);
  t.equal(v.code, 'FLEETLAB_ERR_SSH_CHECK_IMAGE', 'the first failing check names the node failure');
  t.equal(v.fingerprint, keyOnly.fingerprint);
  t.same(v.checks.map((c) => c.ok), [true, false]);
  const down = await verifyOverSsh({ target: { host: '127.0.0.1', port: 1, user: 'x', privateKeyFile: keyOnly.keyFile }, connectWithinMs: 1500 });
  t.equal(down.code, 'FLEETLAB_ERR_SSH_CONNECT', down.message ?? '');
  t.ok(down.attempts >= 2, 'a refused connection is retried until the deadline');
  const noCreds = await verifyOverSsh({ target: { host: '127.0.0.1', port: keyOnly.port, user: 'x' } });
  t.equal(noCreds.code, 'FLEETLAB_ERR_SSH_OPTIONS');
  t.throws(() => parseCheckNames(['image', 'uptime']), { code: 'FLEETLAB_ERR_SSH_OPTIONS', message: /uptime.*known: image, rootfs, disks, nic/ });
});

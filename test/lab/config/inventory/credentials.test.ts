import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERRORS } from '../../../../lab/base/errors.ts';
import { resolveCredential } from '../../../../lab/config/inventory/credentials.ts';

t.test('env and file references resolve at use time; failures name the reference, never a value', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-cred-'));
  const file = join(dir, 'pw');
  writeFileSync(file, 'F1le-secret\nsecond line ignored\n');
  t.equal(resolveCredential({ file }, 'p'), 'F1le-secret', 'first line, as ipmitool -f reads it');
  process.env.FL_CRED_TEST = 'Env-secret';
  t.teardown(() => delete process.env.FL_CRED_TEST);
  t.equal(resolveCredential({ env: 'FL_CRED_TEST' }, 'p'), 'Env-secret');
  process.env.FL_CRED_TEST = 'Changed-later';
  t.equal(resolveCredential({ env: 'FL_CRED_TEST' }, 'p'), 'Changed-later', 'read when used, not cached');
  t.throws(() => resolveCredential({ env: 'FL_CRED_UNSET_X' }, 'machines rack-1 credentials.password'), {
    code: ERRORS.INVENTORY_CREDENTIAL.code,
    message: 'machines rack-1 credentials.password: environment variable FL_CRED_UNSET_X is not set',
  });
  t.throws(() => resolveCredential({ file: join(dir, 'missing') }, 'p'), { code: ERRORS.INVENTORY_CREDENTIAL.code, message: /cannot read .*missing: ENOENT/ });
  writeFileSync(join(dir, 'empty'), '\n');
  t.throws(() => resolveCredential({ file: join(dir, 'empty') }, 'p'), { code: ERRORS.INVENTORY_CREDENTIAL.code, message: /is empty/ });
});

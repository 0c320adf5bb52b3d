/**
 * `--shard` parsing: i/N, /N with JOB_COMPLETION_INDEX (0-based, as Kubernetes Indexed Jobs set
 * it), and the errors a user sees for each wrong form.
 */
import t from 'tap';
import { parseShardSpec } from '../../../harness/shard/shard-spec.ts';

t.test('i/N and /N + JOB_COMPLETION_INDEX', async (t) => {
  t.same(parseShardSpec('2/3', {}), { index: 2, count: 3 });
  t.same(parseShardSpec('/3', { JOB_COMPLETION_INDEX: '0' }), { index: 1, count: 3 }, 'pod index 0 is shard 1');
  t.same(parseShardSpec('/3', { JOB_COMPLETION_INDEX: '2' }), { index: 3, count: 3 });
  t.same(parseShardSpec('3/3', { JOB_COMPLETION_INDEX: '2' }), { index: 3, count: 3 }, 'both, agreeing');
  t.same(parseShardSpec('1/1', { JOB_COMPLETION_INDEX: '' }), { index: 1, count: 1 }, 'empty variable = unset');
});

t.test('bad forms: FLEETLAB_ERR_USAGE naming the flag or the variable', async (t) => {
  const bad: [string, NodeJS.ProcessEnv, RegExp][] = [
    ['0/3', {}, /--shard '0\/3': expected 1 ≤ i ≤ 3/],
    ['4/3', {}, /expected 1 ≤ i ≤ 3/],
    ['x', {}, /expected i\/N or \/N/],
    ['1/0', {}, /expected i\/N or \/N/],
    ['/3', {}, /no shard index \(give i\/N or set JOB_COMPLETION_INDEX\)/],
    ['/3', { JOB_COMPLETION_INDEX: '3' }, /JOB_COMPLETION_INDEX='3': expected an integer 0\.\.2/],
    ['/3', { JOB_COMPLETION_INDEX: '-1' }, /JOB_COMPLETION_INDEX='-1'/],
    ['1/3', { JOB_COMPLETION_INDEX: '1' }, /says shard 1 but JOB_COMPLETION_INDEX=1 says shard 2/],
  ];
  for (const [raw, env, re] of bad) t.throws(() => parseShardSpec(raw, env), { code: 'FLEETLAB_ERR_USAGE', message: re }, `${raw} ${JSON.stringify(env)}`);
});

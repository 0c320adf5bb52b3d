import t from 'tap';
import { parseArgs, parseKeyValues } from '../../../harness/cli/parse-args.ts';

t.test('options, repeats and positionals', async (t) => {
  const a = parseArgs(['run', 'x.ts', '--param', 'a=1', '--param=b=2', '--json', '--seed', '7'], {
    param: { type: 'list' },
    json: { type: 'flag' },
    seed: { type: 'string' },
  });
  t.same(a.positionals, ['run', 'x.ts']);
  t.same(parseKeyValues(a.lists.param, 'param'), { a: '1', b: '2' });
  t.equal(a.flags.json, true);
  t.equal(a.strings.seed, '7');
});

t.test('unknown option and missing value are usage errors naming the option', async (t) => {
  t.throws(() => parseArgs(['--nope'], {}), { code: 'FLEETLAB_ERR_USAGE', message: /--nope/ });
  t.throws(() => parseArgs(['--seed'], { seed: { type: 'string' } }), { message: /--seed.*needs a value/ });
  t.throws(() => parseKeyValues(['novalue'], 'param'), { message: /--param 'novalue': expected key=value/ });
});

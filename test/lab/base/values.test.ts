/** isRecord / describeValue: what counts as a spec section, and how problem messages name a bad value. */
import t from 'tap';
import { describeValue, isRecord } from '../../../lab/base/values.ts';

t.test('isRecord: plain objects only', async (t) => {
  t.ok(isRecord({}));
  t.ok(isRecord({ a: 1 }));
  for (const v of [null, undefined, [], [1], 'x', 3, true]) t.notOk(isRecord(v), `not a record: ${JSON.stringify(v)}`);
});

t.test('describeValue: strings quoted, containers by kind, the rest as written', async (t) => {
  t.equal(describeValue('fast'), "'fast'");
  t.equal(describeValue(null), 'null');
  t.equal(describeValue([1, 2]), 'an array');
  t.equal(describeValue({ a: 1 }), 'an object');
  t.equal(describeValue(42), '42');
  t.equal(describeValue(undefined), 'undefined');
});

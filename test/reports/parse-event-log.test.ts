import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEventLog, readEventLog } from '../../reports/parse-event-log.ts';

const line = (o: object) => JSON.stringify(o);

t.test('a log cut short by a kill drops only the cut last line', async (t) => {
  const text = [line({ t: 0, kind: 'run.start' }), line({ t: 5, kind: 'node.phase', node: 'n1', phase: 'dhcp' }), '{"t":7,"kind":"node.ph'].join('\n');
  const log = parseEventLog(text);
  t.equal(log.events.length, 2);
  t.equal(log.truncated, true);
  t.same(log.badLines, []);
});

t.test('a complete log is not truncated; a malformed middle line is skipped and counted', async (t) => {
  const text = [line({ t: 0, kind: 'run.start' }), 'garbage', line({ kind: 'no-time' }), line({ t: 9, kind: 'run.end', status: 'passed' }), ''].join('\n');
  const log = parseEventLog(text);
  t.equal(log.events.length, 2);
  t.equal(log.truncated, false);
  t.same(log.badLines, [2, 3]);
});

t.test('empty file and missing file', async (t) => {
  t.same(parseEventLog(''), { events: [], truncated: false, badLines: [] });
  const dir = t.testdir({});
  await t.rejects(readEventLog(join(dir, 'events.ndjson')), { code: 'ENOENT' });
  await writeFile(join(dir, 'events.ndjson'), line({ t: 1, kind: 'log', level: 'info', msg: 'x' }) + '\n');
  t.equal((await readEventLog(join(dir, 'events.ndjson'))).events.length, 1);
});

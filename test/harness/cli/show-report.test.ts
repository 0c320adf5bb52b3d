/**
 * `fleetlab show-report DIR`: serves the report on loopback and prints its URL; a real HTTP client
 * fetches the page and a sibling file; paths outside DIR are refused; SIGINT stops it (exit 0).
 */
import t from 'tap';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import axios from 'axios';
import { fleetlab } from '../../helpers/cli.ts';
import { syntheticEvents } from '../../../fixtures/reports/synthetic-log.ts';

function serve(dir: string): Promise<{ url: string; stop: () => Promise<number | null> }> {
  return new Promise((ok, fail) => {
    let done: Promise<{ code: number | null }> | null = null;
    done = fleetlab(['show-report', dir], {
      onSpawn: (child) => {
        child.stdout!.on('data', (d: Buffer) => {
          const url = /http:\/\/127\.0\.0\.1:\d+\/\S+/.exec(d.toString())?.[0];
          if (url)
            ok({
              url,
              stop: async () => {
                child.kill('SIGINT');
                return (await done!).code;
              },
            });
        });
      },
    });
    done.then((r) => fail(new Error(`show-report exited early: ${JSON.stringify(r)}`)), fail);
  });
}

t.test('serves report.html (rebuilt from events.ndjson when missing) and the run files', async (t) => {
  const dir = t.testdir();
  writeFileSync(join(dir, 'events.ndjson'), syntheticEvents({ nodes: 5, seed: 3 }).map((e) => JSON.stringify(e)).join('\n') + '\n');
  const s = await serve(dir);
  t.match(s.url, /\/report\.html$/);
  const page = await axios.get<string>(s.url, { responseType: 'text' });
  t.equal(page.status, 200);
  t.match(page.headers['content-type'], /text\/html/);
  t.match(page.data, /<html/);
  const run = await axios.get<{ format: string }>(s.url.replace('report.html', 'run.json'));
  t.equal(run.data.format, 'fleetlab.run/1');
  const outside = await axios.get(s.url.replace('report.html', '..%2F..%2Fetc%2Fpasswd'), { validateStatus: () => true });
  t.equal(outside.status, 404, 'nothing outside DIR');
  t.equal(await s.stop(), 0, 'SIGINT stops it, exit 0');
});

t.test('bad input: no such directory, nothing to show (exit 2)', async (t) => {
  const missing = await fleetlab(['show-report', '/nonexistent/run']);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /FLEETLAB_ERR_USAGE: show-report: '\/nonexistent\/run' is not a directory/);
  const empty = t.testdir();
  const r = await fleetlab(['show-report', empty]);
  t.equal(r.code, 2);
  t.match(r.stderr, /FLEETLAB_ERR_RUN_LOG_MISSING/);
  rmSync(empty, { recursive: true, force: true });
});

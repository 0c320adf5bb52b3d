/**
 * A short seeded fuzz run of every network parser target (fixtures/fuzz/fuzz-targets.ts): no
 * escape but a registry-coded FleetlabError, "never throws" parsers never throw, and valid
 * structures round-trip. `npx tsx bench/fuzz.ts` runs the same targets at depth (1,000,000
 * inputs each). A failure prints fast-check's shrunk counterexample and the seed to replay it.
 */
import t from 'tap';
import fc from 'fast-check';
import { FUZZ_TARGETS } from '../../fixtures/fuzz/all-fuzz-targets.ts';

const SEED = 20_2012;
const RUNS = 3000;

for (const target of FUZZ_TARGETS) {
  t.test(`${target.name}: ${RUNS} seeded inputs`, async () => {
    await fc.assert(
      fc.asyncProperty(target.arbitrary, async (x) => {
        await target.check(x);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
}

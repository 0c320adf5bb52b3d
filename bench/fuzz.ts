/**
 * Fuzzing at depth (run by hand: `npx tsx bench/fuzz.ts [N] [--seed S] [--only NAME]`): N inputs
 * (default 1,000,000) per network-parser target of fixtures/fuzz/fuzz-targets.ts, counting every
 * crash instead of stopping at the first, and printing inputs, crashes and time per target.
 *
 *   for each target: fast-check generates N seeded inputs ─▶ check ─▶ crash? count + keep 3 examples
 *
 * Exit 1 when any target crashed (each crash becomes a regression test in test/fuzz/).
 */
import fc from 'fast-check';
import { FUZZ_TARGETS } from '../fixtures/fuzz/all-fuzz-targets.ts';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const seed = Number(flag('--seed') ?? 1);
const only = flag('--only');
const runs = Number(args[0] ?? 1_000_000);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  process.stderr.write('usage: npx tsx bench/fuzz.ts [N] [--seed S] [--only NAME]\n');
  process.exit(2);
}

let crashedTargets = 0;
process.stdout.write(`fuzz: ${runs.toLocaleString('en')} inputs per target, seed ${seed}\n`);
for (const target of FUZZ_TARGETS.filter((x) => !only || x.name === only)) {
  let inputs = 0;
  let crashes = 0;
  const examples: string[] = [];
  const t0 = performance.now();
  await fc.check(
    fc.asyncProperty(target.arbitrary, async (x) => {
      inputs++;
      try {
        await target.check(x);
      } catch (e) {
        crashes++;
        if (examples.length < 3) examples.push(e instanceof Error ? e.message : String(e));
      }
      return true; // count and go on: the bench reports how many, the test shrinks one
    }),
    { seed, numRuns: runs },
  );
  const s = (performance.now() - t0) / 1000;
  if (crashes) crashedTargets++;
  process.stdout.write(`${target.name.padEnd(22)} inputs ${inputs.toLocaleString('en').padStart(10)}  crashes ${String(crashes).padStart(5)}  ${s.toFixed(1).padStart(7)} s  (${Math.round(inputs / s).toLocaleString('en')}/s)\n`);
  for (const ex of examples) process.stdout.write(`  ${ex.split('\n').join('\n  ')}\n`);
}
process.exit(crashedTargets ? 1 : 0);

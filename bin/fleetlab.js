#!/usr/bin/env node
// fleetlab is written in TypeScript and run from source with tsx (no build step to forget).
// Both tsx hooks: the ESM one for fleetlab itself, the CommonJS one so a user's `.ts` scenario
// or target in a directory without `"type": "module"` loads too (Node would otherwise treat it
// as CommonJS and fail with "require() of ES Module … in a cycle").
import { register } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';
register();
registerCjs();
const { main } = await import('../harness/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

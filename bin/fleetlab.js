#!/usr/bin/env node
// fleetlab is written in TypeScript and run from source with tsx (no build step to forget).
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../harness/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

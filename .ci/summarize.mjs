// Reads the test command's output and prints CI's closing line. Top-level tests of each file
// (TAP lines indented one level) are counted; a typecheck or lint failure counts as one failure,
// as does a non-zero exit with no failing test line (e.g. a file that crashed on import).
import { readFileSync } from 'node:fs';
const [file, statusArg] = process.argv.slice(2);
const text = readFileSync(file, 'utf8');
let passed = 0, failed = 0;
for (const line of text.split('\n')) {
  const m = /^ {4}(not )?ok \d+ /.exec(line);
  if (!m) continue;
  if (/# SKIP/.test(line)) continue;
  if (m[1]) failed++; else passed++;
}
const status = Number(statusArg);
if (status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(status === 0 && failed === 0 ? 0 : 1);

/**
 * Test helper: an inline scenario file that runs the shipped scenarios/provision.ts unchanged
 * except for the BMC address block, so qemu runs don't collide on 127.100.x.y:623 with other
 * test files' IPMI BMCs running in parallel.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../../helpers/cli.ts';

export function provisionScenarioFile(bmcBase: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'fl-qemu-scn-'));
  const file = join(dir, 'provision-qemu.mts');
  writeFileSync(
    file,
    `import base from ${JSON.stringify(join(ROOT, 'scenarios', 'provision.ts'))};\n` +
      `export default { ...base, lab: (p: Record<string, string | number | boolean>) => ({ ...(base.lab as (p: unknown) => object)(p), addressing: { bmcBase: ${bmcBase} } }) };\n`,
  );
  return file;
}

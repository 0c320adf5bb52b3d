/**
 * A VM's boot device order for a boot override, applied over QMP as bootindex properties (qemu
 * captures them into fw_cfg `bootorder` at each reset, where SeaBIOS reads them).
 *
 *   override target ─▶ order (pxe/uefi-http: net disk cd · cd: cd disk net · else disk net cd)
 *        ─▶ qom-set bootindex 100+ (park: values stay unique at every step) ─▶ qom-set 1, 2, 3
 */
import type { BootTarget } from '../../base/machine.ts';
import type { QmpClient } from './qmp-client.ts';

type Dev = 'disk' | 'net' | 'cd';
/** The -device ids in qemu-args.ts. */
const DEV_ID: Record<Dev, string> = { disk: 'vdisk', net: 'vnet', cd: 'vcd' };

function bootOrder(target: BootTarget): Dev[] {
  switch (target) {
    case 'pxe':
    case 'uefi-http':
      return ['net', 'disk', 'cd'];
    case 'cd':
      return ['cd', 'disk', 'net'];
    default:
      return ['disk', 'net', 'cd'];
  }
}

export async function applyBootOrder(qmp: QmpClient, target: BootTarget): Promise<void> {
  const set = (d: Dev, value: number) => qmp.execute('qom-set', { path: `/machine/peripheral/${DEV_ID[d]}`, property: 'bootindex', value });
  // bootindex values must stay unique at every step: park them high first.
  for (const [i, d] of (['disk', 'net', 'cd'] as Dev[]).entries()) await set(d, 100 + i);
  for (const [i, d] of bootOrder(target).entries()) await set(d, i + 1);
}

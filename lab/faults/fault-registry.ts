/**
 * Every fault kind, registered by name. Adding a kind = one file under kinds/ + one line here.
 */
import type { FaultPlugin } from './fault-plugin.ts';
import { linkDegrade } from './kinds/link-degrade.ts';
import { partition } from './kinds/partition.ts';
import { linkFlap } from './kinds/link-flap.ts';
import { lossBurst } from './kinds/loss-burst.ts';
import { httpCut } from './kinds/http-cut.ts';
import { connectionReset } from './kinds/connection-reset.ts';
import { dhcpDrop } from './kinds/dhcp-drop.ts';
import { tftpDrop } from './kinds/tftp-drop.ts';
import { bmcHang } from './kinds/bmc-hang.ts';
import { bmcSlow } from './kinds/bmc-slow.ts';
import { bmcErrors } from './kinds/bmc-errors.ts';
import { bmcAuthFailure } from './kinds/bmc-auth-failure.ts';
import { powerLoss } from './kinds/power-loss.ts';
import { diskWriteFailure } from './kinds/disk-write-failure.ts';
import { imageCorruption } from './kinds/image-corruption.ts';
import { targetKill } from './kinds/target-kill.ts';

const ALL: FaultPlugin[] = [
  linkDegrade, partition, linkFlap, lossBurst,
  httpCut, connectionReset, dhcpDrop, tftpDrop,
  bmcHang, bmcSlow, bmcErrors, bmcAuthFailure,
  powerLoss, diskWriteFailure, imageCorruption, targetKill,
];

export const FAULT_PLUGINS: ReadonlyMap<string, FaultPlugin> = new Map(ALL.map((p) => [p.kind, p]));

export const FAULT_KINDS: readonly string[] = ALL.map((p) => p.kind);

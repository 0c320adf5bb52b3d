/**
 * Target adapters by name (`--target NAME`). Adding a target = one file + one line here.
 */
import type { TargetFactory } from './target.ts';
import { referenceTarget } from './reference/reference-target.ts';
import { ironicTarget } from './ironic/ironic-target.ts';
import { dnsmasqTarget } from './dnsmasq/dnsmasq-target.ts';
import { keaTarget } from './kea/kea-target.ts';

export const targets: Record<string, TargetFactory> = {
  reference: referenceTarget,
  ironic: ironicTarget,
  dnsmasq: dnsmasqTarget,
  kea: keaTarget,
};

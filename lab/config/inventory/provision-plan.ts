/**
 * The power and boot actions a provision would take on each inventory machine, as data and as
 * text, without touching anything: the hardware tier's `--dry-run` prints this, and the tier
 * itself takes these actions in this order. Pure: same inventory and power states, same plan.
 *
 *   machine ─▶ allowPowerControl? ─no─▶ refused (nothing touched)
 *                └yes─▶ BMC (redfish preferred, else ipmi) ─▶ boot override Once ─▶ power on | power cycle
 */
import type { Inventory, InventoryMachine } from './inventory-schema.ts';

export type PlanBmc = 'redfish' | 'ipmi';

export type PlannedAction =
  | { kind: 'boot-override'; via: PlanBmc; enabled: 'Once'; target: 'Pxe'; mode: 'UEFI' | 'Legacy'; text: string }
  | { kind: 'power'; via: PlanBmc; op: 'on' | 'cycle' | 'on-or-cycle'; text: string };

export interface MachinePlan {
  machine: string;
  site: string;
  /** The lab interface its boot NIC(s) must reach. */
  interface: string | undefined;
  bootMacs: string[];
  /** False when the inventory does not allow power control: `actions` is then empty. */
  allowed: boolean;
  actions: PlannedAction[];
  /** Why nothing will be done, when not allowed. */
  reason?: string;
  /** What an interrupted run puts back (the override read before the first write). */
  onAbort: string;
}

export interface PlanOptions {
  /** Power state per machine name when known (from a probe); unknown → "on, or cycle if on". */
  powerStates?: Record<string, 'on' | 'off'>;
}

function bmcOf(m: InventoryMachine): PlanBmc {
  return m.bmc.redfish ? 'redfish' : 'ipmi';
}

function bootAction(m: InventoryMachine, via: PlanBmc): PlannedAction {
  const mode = m.bootMode === 'legacy' ? 'Legacy' : 'UEFI';
  const how = via === 'redfish' ? `PATCH Boot on ${m.bmc.redfish!.url}` : `ipmitool chassis bootdev pxe${mode === 'UEFI' ? ' options=efiboot' : ''} on ${m.bmc.ipmi!.host}`;
  return { kind: 'boot-override', via, enabled: 'Once', target: 'Pxe', mode, text: `set boot override Once Pxe (${mode}) via ${via} (${how})` };
}

function powerAction(m: InventoryMachine, via: PlanBmc, state: 'on' | 'off' | undefined): PlannedAction {
  if (state === 'off') return { kind: 'power', via, op: 'on', text: `power on via ${via}` };
  if (state === 'on') return { kind: 'power', via, op: 'cycle', text: `power cycle via ${via} (it is on)` };
  return { kind: 'power', via, op: 'on-or-cycle', text: `power on via ${via} (power cycle if it is already on)` };
}

/** Per machine, in inventory order: what a provision would do to it. */
export function provisionPlan(inv: Inventory, o: PlanOptions = {}): MachinePlan[] {
  return inv.machines.map((m) => {
    const base = { machine: m.name, site: m.site, interface: inv.sites[m.site]?.interface, bootMacs: [...m.bootMacs] };
    if (m.allowPowerControl !== true)
      return { ...base, allowed: false, actions: [], reason: 'allowPowerControl is not true: no power or boot action will be taken', onAbort: 'nothing to restore' };
    const via = bmcOf(m);
    return { ...base, allowed: true, actions: [bootAction(m, via), powerAction(m, via, o.powerStates?.[m.name])], onAbort: `restore the boot override read from ${via} before the first write` };
  });
}

/** The plan as the lines a `--dry-run` prints. */
export function formatPlan(plan: readonly MachinePlan[]): string {
  const out: string[] = [];
  for (const p of plan) {
    out.push(`${p.machine} (site ${p.site}, boots on ${p.interface ?? '?'} as ${p.bootMacs.join(', ')})`);
    if (!p.allowed) out.push(`  nothing: ${p.reason}`);
    p.actions.forEach((a, i) => out.push(`  ${i + 1}. ${a.text}`));
    if (p.allowed) out.push(`  on SIGINT/SIGTERM: ${p.onAbort}`);
  }
  return out.join('\n');
}

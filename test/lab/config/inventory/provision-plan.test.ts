import t from 'tap';
import { validateInventory } from '../../../../lab/config/inventory/load-inventory.ts';
import { formatPlan, provisionPlan } from '../../../../lab/config/inventory/provision-plan.ts';
import { inventoryDoc, machineDoc } from './fixtures/inventory-doc.ts';

const inv = () => {
  const { allowPowerControl: _, ...locked } = machineDoc(2);
  const v = validateInventory(
    inventoryDoc(
      [
        machineDoc(0),
        machineDoc(1, { site: 'edge-2', bmc: { ipmi: { host: '10.0.0.9' } }, bootMode: 'legacy' }),
        locked,
        machineDoc(3, { bmc: { redfish: { url: 'https://bmc-3' }, ipmi: { host: '10.0.0.3' } } }),
      ],
      { 'edge-1': { interface: 'eth1' }, 'edge-2': { interface: 'eth1.100' } },
    ),
  );
  t.same(v.errors, []);
  return v.inventory!;
};

t.test('per machine: boot override Once Pxe then power on/cycle, through the BMC it has (Redfish preferred)', async (t) => {
  const plan = provisionPlan(inv(), { powerStates: { 'rack-0': 'off', 'rack-1': 'on' } });
  t.same(
    plan.map((p) => [p.machine, p.interface, p.allowed, p.actions.map((a) => a.text)]),
    [
      ['rack-0', 'eth1', true, ['set boot override Once Pxe (UEFI) via redfish (PATCH Boot on http://127.0.0.1:8000)', 'power on via redfish']],
      ['rack-1', 'eth1.100', true, ['set boot override Once Pxe (Legacy) via ipmi (ipmitool chassis bootdev pxe on 10.0.0.9)', 'power cycle via ipmi (it is on)']],
      ['rack-2', 'eth1', false, []],
      ['rack-3', 'eth1', true, ['set boot override Once Pxe (UEFI) via redfish (PATCH Boot on https://bmc-3)', 'power on via redfish (power cycle if it is already on)']],
    ],
  );
  t.match(plan[2]!.reason, /allowPowerControl is not true/);
  t.same(plan[3]!.actions[1], { kind: 'power', via: 'redfish', op: 'on-or-cycle', text: 'power on via redfish (power cycle if it is already on)' });
});

t.test('the plan is pure and its text lists every action per machine', async (t) => {
  const i = inv();
  const before = JSON.stringify(i);
  t.same(provisionPlan(i), provisionPlan(i), 'same inventory, same plan');
  t.equal(JSON.stringify(i), before, 'the inventory is not changed');
  const text = formatPlan(provisionPlan(i));
  t.match(text, /rack-0 \(site edge-1, boots on eth1 as 52:54:00:00:10:00\)\n  1\. set boot override Once Pxe \(UEFI\) via redfish/);
  t.match(text, /rack-2 .*\n  nothing: allowPowerControl is not true/);
  t.equal(text.match(/on SIGINT\/SIGTERM: restore the boot override/g)?.length, 3, 'every powered machine gets its override back on abort');
});

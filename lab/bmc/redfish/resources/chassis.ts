/**
 * Chassis (one per system, same id) with the legacy Thermal and Power resources Ironic's
 * inspection and sensor collection read. Readings follow the power state: a powered-off chassis
 * is cool, its fans idle and it draws standby power only.
 */
import type { BmcSystem } from '../../bmc-system.ts';
import type { Ctx, Reply } from '../handler-context.ts';
import type { RouteTrie } from '../route-trie.ts';
import { stateOf, systemOf } from '../handler-context.ts';
import type { EmulatorState } from '../emulator-state.ts';
import { etagOf, ifMatchOk } from '../etag.ts';
import { rfError } from '../redfish-errors.ts';
import { validatePatch } from '../patch-schema.ts';
import { collection, enabledOk, odata, V1 } from './common.ts';
import { powerStateOf } from './systems.ts';

const uri = (id: string) => `${V1}/Chassis/${encodeURIComponent(id)}`;

function render(core: EmulatorState, sys: BmcSystem): Record<string, unknown> {
  const inv = sys.machine.inventory();
  const base = uri(sys.id);
  const body: Record<string, unknown> = {
    '@odata.type': '#Chassis.v1_21_0.Chassis',
    '@odata.id': base,
    Id: sys.id,
    Name: `Chassis for ${sys.id}`,
    ChassisType: 'RackMount',
    // Ironic keys chassis indicators by UUID; derived from the system's so it is stable.
    UUID: inv.uuid.replace(/^.{8}/, 'c4a55150'),
    Manufacturer: inv.vendor,
    Model: inv.model,
    SerialNumber: inv.serial,
    PowerState: powerStateOf(core, sys),
    IndicatorLED: core.peekState(sys.id)?.indicatorLed ?? 'Off',
    Status: enabledOk,
    Thermal: odata(`${base}/Thermal`),
    Power: odata(`${base}/Power`),
    Links: {
      ComputerSystems: [odata(`${V1}/Systems/${encodeURIComponent(sys.id)}`)],
      ManagedBy: [odata(`${V1}/Managers/${encodeURIComponent(sys.id)}`)],
    },
  };
  body['@odata.etag'] = etagOf(body);
  return body;
}

function thermal(sys: BmcSystem): Record<string, unknown> {
  const on = sys.machine.power() === 'on';
  const sockets = sys.machine.inventory().cpu.sockets;
  const base = `${uri(sys.id)}/Thermal`;
  return {
    '@odata.type': '#Thermal.v1_7_1.Thermal',
    '@odata.id': base,
    Id: 'Thermal',
    Name: 'Thermal',
    Temperatures: [
      ...Array.from({ length: sockets }, (_, i) => ({
        '@odata.id': `${base}#/Temperatures/${i}`,
        MemberId: String(i),
        Name: `CPU${i + 1} Temp`,
        ReadingCelsius: on ? 48 + i : 24,
        UpperThresholdCritical: 95,
        UpperThresholdFatal: 100,
        PhysicalContext: 'CPU',
        Status: enabledOk,
      })),
      {
        '@odata.id': `${base}#/Temperatures/${sockets}`,
        MemberId: String(sockets),
        Name: 'Inlet Temp',
        ReadingCelsius: 22,
        UpperThresholdCritical: 42,
        PhysicalContext: 'Intake',
        Status: enabledOk,
      },
    ],
    Fans: [0, 1, 2, 3].map((i) => ({
      '@odata.id': `${base}#/Fans/${i}`,
      MemberId: String(i),
      Name: `Fan${i + 1}`,
      Reading: on ? 7200 : 1800,
      ReadingUnits: 'RPM',
      LowerThresholdCritical: 600,
      PhysicalContext: 'SystemBoard',
      Status: enabledOk,
    })),
  };
}

function power(sys: BmcSystem): Record<string, unknown> {
  const on = sys.machine.power() === 'on';
  const base = `${uri(sys.id)}/Power`;
  return {
    '@odata.type': '#Power.v1_7_1.Power',
    '@odata.id': base,
    Id: 'Power',
    Name: 'Power',
    PowerControl: [
      {
        '@odata.id': `${base}#/PowerControl/0`,
        MemberId: '0',
        Name: 'System Power Control',
        PowerConsumedWatts: on ? 185 : 9,
        PowerCapacityWatts: 750,
        PowerMetrics: { MinConsumedWatts: 9, MaxConsumedWatts: 310, AverageConsumedWatts: on ? 180 : 9, IntervalInMin: 1 },
        Status: enabledOk,
      },
    ],
    PowerSupplies: [0, 1].map((i) => ({
      '@odata.id': `${base}#/PowerSupplies/${i}`,
      MemberId: String(i),
      Name: `PSU${i + 1}`,
      PowerSupplyType: 'AC',
      LineInputVoltage: 230,
      PowerCapacityWatts: 750,
      LastPowerOutputWatts: on ? 92 : 4,
      Status: enabledOk,
    })),
    Voltages: [
      { '@odata.id': `${base}#/Voltages/0`, MemberId: '0', Name: '12V Rail', ReadingVolts: on ? 12.1 : 0, PhysicalContext: 'SystemBoard', Status: enabledOk },
    ],
  };
}

export function registerChassis(r: RouteTrie): void {
  r.add(`${V1}/Chassis`, {
    op: 'ChassisCollection',
    methods: { GET: (ctx) => ({ body: collection(`${V1}/Chassis`, 'ChassisCollection', 'Chassis Collection', ctx.core.visible(ctx.credKey, ctx.only).map((s) => uri(s.id))) }) },
  });
  r.add(`${V1}/Chassis/{sid}`, {
    op: 'Chassis',
    methods: {
      GET: (ctx): Reply => {
        const body = render(ctx.core, systemOf(ctx));
        return { body, headers: { ETag: body['@odata.etag'] as string } };
      },
      PATCH: (ctx: Ctx): Reply => {
        const cur = render(ctx.core, systemOf(ctx));
        if (!ifMatchOk(ctx.headers['if-match'], cur['@odata.etag'] as string)) throw rfError('BMC_PRECONDITION', `If-Match does not match the ETag of ${cur['@odata.id'] as string}`);
        validatePatch(ctx.body, { IndicatorLED: { type: 'string', enum: ['Lit', 'Blinking', 'Off'] } }, cur);
        const led = (ctx.body as { IndicatorLED?: 'Lit' | 'Blinking' | 'Off' }).IndicatorLED;
        if (led !== undefined) stateOf(ctx).indicatorLed = led;
        const body = render(ctx.core, systemOf(ctx));
        return { body, headers: { ETag: body['@odata.etag'] as string } };
      },
    },
  });
  r.add(`${V1}/Chassis/{sid}/Thermal`, { op: 'Thermal', methods: { GET: (ctx) => ({ body: thermal(systemOf(ctx)) }) } });
  r.add(`${V1}/Chassis/{sid}/Power`, { op: 'Power', methods: { GET: (ctx) => ({ body: power(systemOf(ctx)) }) } });
}

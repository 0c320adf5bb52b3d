/**
 * Managers: one BMC manager per system, with the same id as the system (sushy-tools keeps the
 * Systems/Managers/Chassis triplet aligned too). DateTime is the wall clock; Manager.Reset is
 * accepted and changes nothing (the emulated BMC restarts instantly).
 */
import type { Ctx, Reply } from '../handler-context.ts';
import type { RouteTrie } from '../route-trie.ts';
import { stateOf, systemOf } from '../handler-context.ts';
import { etagOf, ifMatchOk } from '../etag.ts';
import { rfError } from '../redfish-errors.ts';
import { validateAction, validatePatch } from '../patch-schema.ts';
import { collection, enabledOk, odata, V1 } from './common.ts';

const uri = (id: string) => `${V1}/Managers/${encodeURIComponent(id)}`;

function render(ctx: Ctx): Record<string, unknown> {
  const sys = systemOf(ctx);
  const inv = sys.machine.inventory();
  const offset = ctx.core.peekState(sys.id)?.dateTimeOffset ?? '+00:00';
  const base = uri(sys.id);
  const body: Record<string, unknown> = {
    '@odata.type': '#Manager.v1_17_0.Manager',
    '@odata.id': base,
    Id: sys.id,
    Name: `Manager for ${sys.id}`,
    ManagerType: 'BMC',
    UUID: inv.uuid.replace(/^.{8}/, 'b0c00000'),
    Model: 'fleetlab BMC',
    FirmwareVersion: '1.0.0',
    PowerState: 'On',
    Status: enabledOk,
    DateTime: localIso(new Date(), offset),
    DateTimeLocalOffset: offset,
    VirtualMedia: odata(`${base}/VirtualMedia`),
    Links: {
      ManagerForServers: [odata(`${V1}/Systems/${encodeURIComponent(sys.id)}`)],
      ManagerForChassis: [odata(`${V1}/Chassis/${encodeURIComponent(sys.id)}`)],
    },
    Actions: {
      '#Manager.Reset': { target: `${base}/Actions/Manager.Reset`, 'ResetType@Redfish.AllowableValues': ['GracefulRestart', 'ForceRestart'] },
    },
  };
  body['@odata.etag'] = etagOf({ ...body, DateTime: undefined });
  return body;
}

/** ISO 8601 with the manager's configured offset, e.g. 2026-11-27T13:00:00+01:00. */
function localIso(d: Date, offset: string): string {
  const m = /^([+-])(\d\d):(\d\d)$/.exec(offset);
  const mins = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  return new Date(d.getTime() + mins * 60_000).toISOString().replace(/\.\d+Z$/, offset);
}

export function registerManagers(r: RouteTrie): void {
  r.add(`${V1}/Managers`, {
    op: 'Managers',
    methods: { GET: (ctx) => ({ body: collection(`${V1}/Managers`, 'ManagerCollection', 'Manager Collection', ctx.core.visible(ctx.credKey, ctx.only).map((s) => uri(s.id))) }) },
  });
  r.add(`${V1}/Managers/{sid}`, {
    op: 'Manager',
    methods: {
      GET: (ctx): Reply => {
        const body = render(ctx);
        return { body, headers: { ETag: body['@odata.etag'] as string } };
      },
      PATCH: (ctx): Reply => {
        const cur = render(ctx);
        if (!ifMatchOk(ctx.headers['if-match'], cur['@odata.etag'] as string)) throw rfError('BMC_PRECONDITION', `If-Match does not match the ETag of ${cur['@odata.id'] as string}`);
        validatePatch(ctx.body, { DateTimeLocalOffset: { type: 'string' }, DateTime: { type: 'string' } }, cur);
        const b = ctx.body as { DateTimeLocalOffset?: string };
        if (b.DateTimeLocalOffset !== undefined) {
          if (!/^[+-]\d\d:\d\d$/.test(b.DateTimeLocalOffset))
            throw rfError('BMC_PROPERTY_VALUE', `DateTimeLocalOffset: '${b.DateTimeLocalOffset}' is not ±HH:MM`, { args: [b.DateTimeLocalOffset, 'DateTimeLocalOffset'], property: '#/DateTimeLocalOffset' });
          stateOf(ctx).dateTimeOffset = b.DateTimeLocalOffset;
        }
        const body = render(ctx);
        return { body, headers: { ETag: body['@odata.etag'] as string } };
      },
    },
  });
  r.add(`${V1}/Managers/{sid}/Actions/Manager.Reset`, {
    op: 'ManagerReset',
    methods: {
      POST: (ctx) => {
        validateAction(ctx.body, 'Manager.Reset', { ResetType: { type: 'string', enum: ['GracefulRestart', 'ForceRestart'] } });
        return { status: 204 };
      },
    },
  });
}

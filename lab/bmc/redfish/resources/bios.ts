/**
 * Bios (+ Bios/Settings with ApplyTime OnReset, ResetBios, ChangePassword) and SecureBoot.
 *
 *   PATCH Bios/Settings {Attributes} ──▶ pending ──(next boot: Reset action or machine power-on)──▶ Bios.Attributes
 *   PATCH SecureBoot {SecureBootEnable} ──▶ SecureBootCurrentBoot changes at the next boot too
 */
import type { Ctx, Reply } from '../handler-context.ts';
import type { RouteTrie } from '../route-trie.ts';
import { stateOf, systemOf } from '../handler-context.ts';
import { etagOf, ifMatchOk } from '../etag.ts';
import { rfError } from '../redfish-errors.ts';
import { validateAction, validatePatch } from '../patch-schema.ts';
import type { BiosValue } from '../system-state.ts';
import { defaultBios } from '../system-state.ts';
import { odata, V1 } from './common.ts';

const base = (ctx: Ctx) => `${V1}/Systems/${encodeURIComponent(systemOf(ctx).id)}`;

function bios(ctx: Ctx): Record<string, unknown> {
  const sys = systemOf(ctx);
  const st = ctx.core.peekState(sys.id);
  const uri = `${base(ctx)}/Bios`;
  const body: Record<string, unknown> = {
    '@odata.type': '#Bios.v1_2_0.Bios',
    '@odata.id': uri,
    Id: 'BIOS',
    Name: 'BIOS Configuration Current Settings',
    AttributeRegistry: 'BiosAttributeRegistry.v1_0_0',
    Attributes: st?.bios ?? defaultBios(sys),
    '@Redfish.Settings': {
      '@odata.type': '#Settings.v1_3_5.Settings',
      SettingsObject: odata(`${uri}/Settings`),
      SupportedApplyTimes: ['OnReset'],
    },
    Actions: {
      '#Bios.ResetBios': { target: `${uri}/Actions/Bios.ResetBios` },
      '#Bios.ChangePassword': { target: `${uri}/Actions/Bios.ChangePassword` },
    },
  };
  body['@odata.etag'] = etagOf(body);
  return body;
}

function settings(ctx: Ctx): Record<string, unknown> {
  const st = ctx.core.peekState(systemOf(ctx).id);
  const body: Record<string, unknown> = {
    '@odata.type': '#Bios.v1_2_0.Bios',
    '@odata.id': `${base(ctx)}/Bios/Settings`,
    Id: 'Settings',
    Name: 'BIOS Configuration Pending Settings',
    AttributeRegistry: 'BiosAttributeRegistry.v1_0_0',
    Attributes: st?.biosPending ?? {},
    '@Redfish.SettingsApplyTime': { '@odata.type': '#Settings.v1_3_5.PreferredApplyTime', ApplyTime: 'OnReset' },
  };
  body['@odata.etag'] = etagOf(body);
  return body;
}

function patchSettings(ctx: Ctx): Reply {
  const cur = settings(ctx);
  if (!ifMatchOk(ctx.headers['if-match'], cur['@odata.etag'] as string)) throw rfError('BMC_PRECONDITION', `If-Match does not match the ETag of ${cur['@odata.id'] as string}`);
  const b = ctx.body as { Attributes?: unknown; '@Redfish.SettingsApplyTime'?: { ApplyTime?: unknown } };
  // Attribute names are checked below against this system's attribute set.
  validatePatch(ctx.body, { Attributes: { type: 'any' } }, cur);
  if (b.Attributes !== undefined && (b.Attributes === null || typeof b.Attributes !== 'object' || Array.isArray(b.Attributes)))
    throw rfError('BMC_PROPERTY_TYPE', `Attributes: expected an object, got ${JSON.stringify(b.Attributes)}`, { args: [String(JSON.stringify(b.Attributes)), 'Attributes'], property: '#/Attributes' });
  const apply = b['@Redfish.SettingsApplyTime']?.ApplyTime;
  if (apply !== undefined && apply !== 'OnReset')
    throw rfError('BMC_PROPERTY_VALUE', `@Redfish.SettingsApplyTime/ApplyTime: only OnReset is supported, got ${JSON.stringify(apply)}`, {
      args: [String(apply), '@Redfish.SettingsApplyTime/ApplyTime'],
      property: '#/@Redfish.SettingsApplyTime/ApplyTime',
    });
  const attrs = (b.Attributes ?? {}) as Record<string, unknown>;
  const st = stateOf(ctx);
  for (const [k, v] of Object.entries(attrs)) {
    const name = `Attributes/${k}`;
    if (!(k in st.bios)) throw rfError('BMC_PROPERTY_UNKNOWN', `${name}: no such BIOS attribute`, { args: [name], property: `#/${name}` });
    if (typeof v !== typeof st.bios[k])
      throw rfError('BMC_PROPERTY_TYPE', `${name}: expected ${typeof st.bios[k]}, got ${JSON.stringify(v)}`, { args: [String(JSON.stringify(v)), name], property: `#/${name}` });
  }
  if (Object.keys(attrs).length > 0) {
    st.biosPending = { ...(st.biosPending ?? {}), ...(attrs as Record<string, BiosValue>) };
    st.version++;
    st.armApplyOnReset();
  }
  const body = settings(ctx);
  return { body, headers: { ETag: body['@odata.etag'] as string } };
}

function secureBoot(ctx: Ctx): Record<string, unknown> {
  const st = ctx.core.peekState(systemOf(ctx).id);
  const uri = `${base(ctx)}/SecureBoot`;
  const body: Record<string, unknown> = {
    '@odata.type': '#SecureBoot.v1_1_0.SecureBoot',
    '@odata.id': uri,
    Id: 'SecureBoot',
    Name: 'UEFI Secure Boot',
    SecureBootEnable: st?.secureBootEnable ?? false,
    SecureBootCurrentBoot: st?.secureBootCurrent ? 'Enabled' : 'Disabled',
    SecureBootMode: st?.secureBootMode ?? 'DeployedMode',
    Actions: {
      '#SecureBoot.ResetKeys': {
        target: `${uri}/Actions/SecureBoot.ResetKeys`,
        'ResetKeysType@Redfish.AllowableValues': ['ResetAllKeysToDefault', 'DeleteAllKeys', 'DeletePK'],
      },
    },
  };
  body['@odata.etag'] = etagOf(body);
  return body;
}

function patchSecureBoot(ctx: Ctx): Reply {
  const cur = secureBoot(ctx);
  if (!ifMatchOk(ctx.headers['if-match'], cur['@odata.etag'] as string)) throw rfError('BMC_PRECONDITION', `If-Match does not match the ETag of ${cur['@odata.id'] as string}`);
  validatePatch(ctx.body, { SecureBootEnable: { type: 'boolean' } }, cur);
  const v = (ctx.body as { SecureBootEnable?: boolean }).SecureBootEnable;
  if (v !== undefined) {
    const mode = systemOf(ctx).machine.bootOverride.mode;
    if (v && systemOf(ctx).machine.inventory().firmware !== 'uefi')
      throw rfError('BMC_PROPERTY_VALUE', `SecureBootEnable: system ${systemOf(ctx).id} boots legacy BIOS (override mode ${mode}); secure boot needs UEFI`, { args: ['true', 'SecureBootEnable'], property: '#/SecureBootEnable' });
    const st = stateOf(ctx);
    st.secureBootEnable = v;
    st.version++;
    st.armApplyOnReset();
  }
  const body = secureBoot(ctx);
  return { body, headers: { ETag: body['@odata.etag'] as string } };
}

export function registerBios(r: RouteTrie): void {
  r.add(`${V1}/Systems/{sid}/Bios`, {
    op: 'Bios',
    methods: {
      GET: (ctx) => {
        const body = bios(ctx);
        return { body, headers: { ETag: body['@odata.etag'] as string } };
      },
    },
  });
  r.add(`${V1}/Systems/{sid}/Bios/Settings`, {
    op: 'BiosSettings',
    methods: {
      GET: (ctx) => {
        const body = settings(ctx);
        return { body, headers: { ETag: body['@odata.etag'] as string } };
      },
      PATCH: patchSettings,
    },
  });
  r.add(`${V1}/Systems/{sid}/Bios/Actions/Bios.ResetBios`, {
    op: 'ResetBios',
    methods: {
      POST: (ctx) => {
        validateAction(ctx.body, 'Bios.ResetBios', {});
        const st = stateOf(ctx);
        st.biosPending = defaultBios(systemOf(ctx));
        st.version++;
        st.armApplyOnReset();
        return { status: 204 };
      },
    },
  });
  r.add(`${V1}/Systems/{sid}/Bios/Actions/Bios.ChangePassword`, {
    op: 'BiosChangePassword',
    methods: {
      POST: (ctx) => {
        validateAction(ctx.body, 'Bios.ChangePassword', {
          PasswordName: { type: 'string', required: true },
          OldPassword: { type: 'string', required: true },
          NewPassword: { type: 'string', required: true },
        });
        return { status: 204 };
      },
    },
  });
  registerSecureBoot(r);
}

/** SecureBoot and its ResetKeys action (enable/disable takes effect at the next boot). */
function registerSecureBoot(r: RouteTrie): void {
  r.add(`${V1}/Systems/{sid}/SecureBoot`, {
    op: 'SecureBoot',
    methods: {
      GET: (ctx) => {
        const body = secureBoot(ctx);
        return { body, headers: { ETag: body['@odata.etag'] as string } };
      },
      PATCH: patchSecureBoot,
    },
  });
  r.add(`${V1}/Systems/{sid}/SecureBoot/Actions/SecureBoot.ResetKeys`, {
    op: 'ResetKeys',
    methods: {
      POST: (ctx) => {
        const b = validateAction(ctx.body, 'SecureBoot.ResetKeys', {
          ResetKeysType: { type: 'string', enum: ['ResetAllKeysToDefault', 'DeleteAllKeys', 'DeletePK'], required: true },
        });
        const st = stateOf(ctx);
        // Without a platform key the firmware is in setup mode and cannot enforce secure boot.
        st.secureBootMode = b.ResetKeysType === 'ResetAllKeysToDefault' ? 'DeployedMode' : 'SetupMode';
        st.version++;
        return { status: 204 };
      },
    },
  });
}

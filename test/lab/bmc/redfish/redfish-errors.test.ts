import t from 'tap';
import { ERRORS, FleetlabError } from '../../../../lab/base/errors.ts';
import type { ErrorName } from '../../../../lab/base/errors.ts';
import { BASE_MESSAGES, BASE_PREFIX, baseRegistryDocument, redfishErrorReply, rfError } from '../../../../lab/bmc/redfish/redfish-errors.ts';

t.test('every BMC error with a Redfish mapping names a message the served Base registry defines', async (t) => {
  const registry = baseRegistryDocument() as { Messages: Record<string, unknown>; RegistryVersion: string };
  t.equal(`Base.${registry.RegistryVersion.split('.').slice(0, 2).join('.')}.`, BASE_PREFIX);
  for (const [name, def] of Object.entries(ERRORS)) {
    if (!('redfish' in def)) continue;
    t.ok(def.redfish.startsWith(BASE_PREFIX), `${name}: ${def.redfish} is in ${BASE_PREFIX}`);
    const short = def.redfish.slice(BASE_PREFIX.length);
    t.ok(BASE_MESSAGES[short], `${name}: ${short} has a message text`);
    t.ok(registry.Messages[short], `${name}: ${short} is served in the registry`);
    t.ok('http' in def && def.http >= 400, `${name} has an HTTP error status`);
  }
});

t.test('error bodies: status, code, filled message, related property, fleetlab code', async (t) => {
  const r = redfishErrorReply(rfError('BMC_PROPERTY_VALUE', "Boot/BootSourceOverrideTarget: 'Floppy' is not allowed", { args: ['Floppy', 'Boot/BootSourceOverrideTarget'], property: '#/Boot/BootSourceOverrideTarget' }));
  t.equal(r.status, 400);
  const e = (r.body as { error: any }).error;
  t.equal(e.code, 'Base.1.15.PropertyValueNotInList');
  t.match(e.message, /BootSourceOverrideTarget/);
  const info = e['@Message.ExtendedInfo'][0];
  t.equal(info.Message, "The value 'Floppy' for the property Boot/BootSourceOverrideTarget is not in the list of acceptable values.");
  t.same(info.MessageArgs, ['Floppy', 'Boot/BootSourceOverrideTarget']);
  t.same(info.RelatedProperties, ['#/Boot/BootSourceOverrideTarget']);
  t.equal(e.Oem.Fleetlab.Code, 'FLEETLAB_ERR_BMC_PROPERTY_VALUE');

  const crash = redfishErrorReply(new TypeError('x is undefined'));
  t.equal(crash.status, 500, 'an unexpected exception is a 500 InternalError, not a crash');
  t.equal((crash.body as { error: { code: string } }).error.code, 'Base.1.15.InternalError');

  const nonBmc = redfishErrorReply(new FleetlabError('SPEC_INVALID' as ErrorName, 'not a BMC error'));
  t.equal(nonBmc.status, 500, 'errors without an HTTP mapping are 500');
});

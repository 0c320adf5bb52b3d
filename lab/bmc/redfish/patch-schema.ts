/**
 * Validation of PATCH bodies and action parameters against a small per-resource schema, so that a
 * request is either applied whole or refused with the property it stumbled on (no half-applied
 * PATCH). Unknown names → PropertyUnknown, names the resource has but does not let you write →
 * PropertyNotWritable, wrong JSON type → PropertyValueTypeError, value outside an enum →
 * PropertyValueNotInList. Annotations (`@odata.*`, `@Redfish.*`) are accepted and ignored.
 */
import { rfError } from './redfish-errors.ts';

export type Field =
  | { type: 'string'; enum?: readonly string[]; nullable?: boolean }
  | { type: 'boolean' }
  | { type: 'number'; min?: number; max?: number }
  | { type: 'object'; fields: Record<string, Field> }
  | { type: 'any' };

export type Schema = Record<string, Field>;

/**
 * Throws the Redfish error for the first problem. `current` is the resource as rendered (GET), used
 * to tell read-only properties from unknown ones.
 */
export function validatePatch(body: unknown, schema: Schema, current: unknown, at = ''): void {
  const obj = body as Record<string, unknown>;
  const cur = (current ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    if (k.includes('@')) continue;
    const name = at ? `${at}/${k}` : k;
    const f = schema[k];
    if (!f) {
      if (k in cur) throw rfError('BMC_PROPERTY_READONLY', `${name}: read-only property`, { args: [name], property: `#/${name}` });
      throw rfError('BMC_PROPERTY_UNKNOWN', `${name}: unknown property`, { args: [name], property: `#/${name}` });
    }
    checkValue(v, f, name, cur[k]);
  }
}

function checkValue(v: unknown, f: Field, name: string, current: unknown): void {
  const bad = () => rfError('BMC_PROPERTY_TYPE', `${name}: expected ${f.type}, got ${JSON.stringify(v)}`, { args: [String(JSON.stringify(v)), name], property: `#/${name}` });
  switch (f.type) {
    case 'any':
      return;
    case 'string':
      if (v === null && f.nullable) return;
      if (typeof v !== 'string') throw bad();
      if (f.enum && !f.enum.includes(v))
        throw rfError('BMC_PROPERTY_VALUE', `${name}: '${v}' is not one of ${f.enum.join(', ')}`, { args: [v, name], property: `#/${name}` });
      return;
    case 'boolean':
      if (typeof v !== 'boolean') throw bad();
      return;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad();
      if ((f.min !== undefined && v < f.min) || (f.max !== undefined && v > f.max))
        throw rfError('BMC_PROPERTY_VALUE', `${name}: ${v} is out of range`, { args: [String(v), name], property: `#/${name}` });
      return;
    case 'object':
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad();
      validatePatch(v, f.fields, current, name);
      return;
  }
}

/**
 * Action parameters: required ones present, no unknown ones, enums respected.
 * Returns the body typed as a record for the caller.
 */
export function validateAction(
  body: unknown,
  action: string,
  params: Record<string, Field & { required?: boolean }>,
): Record<string, unknown> {
  const obj = body as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (k.includes('@')) continue;
    if (!params[k]) throw rfError('BMC_ACTION_PARAM', `${action}: parameter ${k} is not supported`, { args: [k, action], property: `#/${k}` });
  }
  for (const [k, f] of Object.entries(params)) {
    const v = obj[k];
    if (v === undefined) {
      if (f.required) throw rfError('BMC_ACTION_PARAM_MISSING', `${action}: parameter ${k} is required`, { args: [action, k], property: `#/${k}` });
      continue;
    }
    if (f.type === 'string' && f.enum && typeof v === 'string' && !f.enum.includes(v))
      throw rfError('BMC_ACTION_PARAM_VALUE', `${action}: ${k} '${v}' is not one of ${f.enum.join(', ')}`, { args: [v, k, action], property: `#/${k}` });
    if (f.type === 'string' && f.enum && typeof v !== 'string')
      throw rfError('BMC_ACTION_PARAM_VALUE', `${action}: ${k} ${JSON.stringify(v)} is not one of ${f.enum.join(', ')}`, { args: [String(JSON.stringify(v)), k, action], property: `#/${k}` });
    checkValue(v, f, k, undefined);
  }
  return obj;
}

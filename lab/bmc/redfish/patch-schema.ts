/**
 * Validation of PATCH bodies and action parameters against a small per-resource schema, so that a
 * request is either applied whole or refused with every property it stumbled on (no half-applied
 * PATCH). Each resource's `Schema` becomes a zod schema (cached), and zod's issues become Redfish
 * messages, one per offending property in `@Message.ExtendedInfo`:
 *
 *   body ─(drop @odata.* / @Redfish.* annotations)─▶ zod ─▶ unknown name        PropertyUnknown
 *                                                         name the resource has  PropertyNotWritable
 *                                                         wrong JSON type        PropertyValueTypeError
 *                                                         outside an enum/range  PropertyValueNotInList
 *                                    nothing to change ({}, only annotations)    NoOperation
 *
 * A PATCH mixing valid and invalid properties is refused whole (400, every rejected property
 * listed): DSP0266 lets a service reject the request, an atomic PATCH never leaves a resource
 * half-changed, and clients (python3-sushy, Ironic) send only writable properties.
 */
import { z } from 'zod';
import type { ErrorName } from '../../base/errors.ts';
import { jsonSchemaOf } from '../../base/schema.ts';
import { isRecord } from '../../base/values.ts';
import { rfError } from './redfish-errors.ts';

export type Field =
  | { type: 'string'; enum?: readonly string[]; nullable?: boolean }
  | { type: 'boolean' }
  | { type: 'number'; min?: number; max?: number }
  | { type: 'object'; fields: Record<string, Field> }
  | { type: 'any' };

export type Schema = Record<string, Field>;

function fieldSchema(f: Field): z.ZodType {
  switch (f.type) {
    case 'any':
      return z.any();
    case 'string': {
      const s = f.enum ? z.enum(f.enum as [string, ...string[]]) : z.string();
      return f.nullable ? s.nullable() : s;
    }
    case 'boolean':
      return z.boolean();
    case 'number': {
      let n = z.number();
      if (f.min !== undefined) n = n.min(f.min);
      if (f.max !== undefined) n = n.max(f.max);
      return n;
    }
    case 'object':
      return objectSchema(f.fields);
  }
}

const compiled = new WeakMap<Schema, z.ZodType>();
function objectSchema(schema: Schema): z.ZodType {
  let s = compiled.get(schema);
  if (!s) compiled.set(schema, (s = z.strictObject(Object.fromEntries(Object.entries(schema).map(([k, f]) => [k, fieldSchema(f).optional()])))));
  return s;
}

/** The JSON Schema of a resource's PATCH body (what editors and `fleetlab schema redfish-patch` show). */
export function patchJsonSchema(schema: Schema, title: string, description: string): Record<string, unknown> {
  return jsonSchemaOf(objectSchema(schema), title, description);
}

/** The body without annotations (`@odata.etag`, `@Redfish.SettingsApplyTime`): they are accepted and not validated. */
function withoutAnnotations(v: unknown): unknown {
  if (!isRecord(v)) return v;
  return Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (k.includes('@') ? [] : [[k, withoutAnnotations(x)]])));
}

/** True when the body names at least one property to set (a leaf, not only empty objects). */
function hasData(v: unknown): boolean {
  return !isRecord(v) || Object.values(v).some(hasData);
}

interface RfMessage {
  name: ErrorName & `BMC_${string}`;
  text: string;
  args: string[];
  property: string;
}

/** One zod issue → Redfish messages (an unknown-keys issue names several properties). */
function messagesOf(iss: z.core.$ZodIssue, current: unknown, at: string): RfMessage[] {
  const segs = iss.path.map(String);
  const name = [at, ...segs].filter(Boolean).join('/');
  const msg = (n: RfMessage['name'], text: string, args: string[], prop = name): RfMessage => ({ name: n, text, args, property: `#/${prop}` });
  if (iss.code === 'unrecognized_keys') {
    let cur = current;
    for (const s of segs) cur = isRecord(cur) ? cur[s] : undefined;
    return iss.keys.map((k) => {
      const full = name ? `${name}/${k}` : k;
      return isRecord(cur) && k in cur
        ? msg('BMC_PROPERTY_READONLY', `${full}: read-only property`, [full], full)
        : msg('BMC_PROPERTY_UNKNOWN', `${full}: unknown property`, [full], full);
    });
  }
  const v = iss.input;
  const shown = String(JSON.stringify(v));
  if (iss.code === 'invalid_value' && typeof v === 'string') return [msg('BMC_PROPERTY_VALUE', `${name}: '${v}' is not one of ${iss.values.join(', ')}`, [v, name])];
  if (iss.code === 'too_small' || iss.code === 'too_big') return [msg('BMC_PROPERTY_VALUE', `${name}: ${shown} is out of range`, [shown, name])];
  const expected = iss.code === 'invalid_type' ? iss.expected : iss.code === 'invalid_value' ? 'string' : 'a valid value';
  return [msg('BMC_PROPERTY_TYPE', `${name}: expected ${expected}, got ${shown}`, [shown, name])];
}

/** Throw one Redfish error listing every message (the first is the error's own code and text). */
function refuse(list: RfMessage[]): never {
  const [first, ...rest] = list as [RfMessage, ...RfMessage[]];
  const text = list.length === 1 ? first.text : `${list.length} properties refused: ${list.map((m) => m.text).join('; ')}`;
  throw rfError(first.name, text, { args: first.args, property: first.property, more: rest.map(({ name, args, property }) => ({ name, args, property })) });
}

function problemsOf(schema: z.ZodType, value: unknown, current: unknown, at: string): RfMessage[] {
  const r = schema.safeParse(value, { reportInput: true });
  return r.success ? [] : r.error.issues.flatMap((iss) => messagesOf(iss, current, at));
}

/**
 * Throws the Redfish error for the body's problems, all of them. `current` is the resource as
 * rendered (GET), used to tell read-only properties from unknown ones.
 */
export function validatePatch(body: unknown, schema: Schema, current: unknown): void {
  const clean = withoutAnnotations(body);
  if (!hasData(clean)) throw rfError('BMC_NO_OPERATION', 'PATCH body has no property to change');
  const list = problemsOf(objectSchema(schema), clean, current ?? {}, '');
  if (list.length) refuse(list);
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
    if (f.type === 'string' && f.enum && !(typeof v === 'string' && f.enum.includes(v)))
      throw rfError('BMC_ACTION_PARAM_VALUE', `${action}: ${k} ${typeof v === 'string' ? `'${v}'` : JSON.stringify(v)} is not one of ${f.enum.join(', ')}`, { args: [typeof v === 'string' ? v : String(JSON.stringify(v)), k, action], property: `#/${k}` });
    const list = problemsOf(fieldSchema(f), v, undefined, k);
    if (list.length) refuse(list);
  }
  return obj;
}

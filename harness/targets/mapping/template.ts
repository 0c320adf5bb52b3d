/**
 * `{{name}}` templates of a mapping file (URLs, headers, JSON bodies). A string that is exactly one
 * placeholder keeps the value's type (`"{{image.bytes}}"` → 1000000, `"{{node.macs}}"` → an array);
 * otherwise values are interpolated as text. In URLs a placeholder that starts the URL is its base
 * (`{{api}}/…`, `{{cmdline.callback}}`) and is inserted as is; every later value is
 * percent-encoded, so a node name cannot break a path.
 */

/** Variables a template may use; `image.*` only in provision, `vars.*` = values an earlier step captured. */
export const NODE_VARS = [
  'api',
  'node.name',
  'node.site',
  'node.uuid',
  'node.mac',
  'node.macs',
  'node.profile',
  'node.firmware',
  'node.bmc.redfish.url',
  'node.bmc.redfish.systemId',
  'node.bmc.ipmi.host',
  'node.bmc.ipmi.port',
  'node.bmc.username',
  'node.bmc.password',
] as const;
export const IMAGE_VARS = ['image.name', 'image.url', 'image.sha256', 'image.bytes'] as const;

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]*?)\s*\}\}$/;

export type TemplateVars = Record<string, unknown>;

/** Every placeholder name in a JSON value (strings at any depth). */
export function placeholders(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  if (Array.isArray(value)) return value.flatMap(placeholders);
  if (value && typeof value === 'object') return Object.values(value).flatMap(placeholders);
  return [];
}

export class MissingVar extends Error {}

function lookup(vars: TemplateVars, name: string): unknown {
  if (!(name in vars) || vars[name] === undefined) throw new MissingVar(`{{${name}}} has no value here`);
  return vars[name];
}

export function renderUrl(template: string, vars: TemplateVars): string {
  return template.replace(PLACEHOLDER, (_, name: string, offset: number) => {
    const v = lookup(vars, name);
    return offset === 0 ? String(v) : encodeURIComponent(String(v));
  });
}

/** Renders strings inside a JSON value; the structure (and whole-placeholder types) is kept. */
export function renderJson(value: unknown, vars: TemplateVars): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return lookup(vars, whole[1]!);
    return value.replace(PLACEHOLDER, (_, name: string) => {
      const v = lookup(vars, name);
      return Array.isArray(v) ? v.join(',') : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => renderJson(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderJson(v, vars)]));
  return value;
}

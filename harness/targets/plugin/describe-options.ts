/**
 * A target's declared options as rows for `fleetlab targets` (name, type, required, default,
 * description), read from its zod schema's JSON Schema view of the input (what --target-opt takes).
 */
import { z } from 'zod';
import type { TargetDefinition } from './define-target.ts';

export interface OptionRow {
  name: string;
  type: string;
  required: boolean;
  default?: unknown;
  description?: string;
}

interface Prop {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  description?: string;
}

export function describeOptions(def: TargetDefinition): OptionRow[] {
  const js = z.toJSONSchema(def.options, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, Prop>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, p]) => ({
    name,
    type: p.enum ? p.enum.join('|') : (p.type ?? 'any'),
    required: (js.required ?? []).includes(name) && p.default === undefined,
    ...(p.default !== undefined ? { default: p.default } : {}),
    ...(p.description ? { description: p.description } : {}),
  }));
}

/**
 * Wraps a built-in target that still validates its own string options (dnsmasq, kea, ironic) as a
 * definition: its keys are declared for `fleetlab targets` and for keeping scenario hints, and
 * the factory receives the strings as before (it reports bad values itself, at start).
 */
import { z } from 'zod';
import type { TargetFactory } from '../target.ts';
import { defineTarget, type TargetDefinition } from './define-target.ts';

export function legacyTarget(name: string, summary: string, factory: TargetFactory, options: Record<string, string>): TargetDefinition {
  const shape = Object.fromEntries(Object.entries(options).map(([k, d]) => [k, z.string().optional().describe(d)]));
  return defineTarget({ name, summary, options: z.looseObject(shape), create: (ctx) => factory({ ...ctx, options: ctx.rawOptions }) });
}

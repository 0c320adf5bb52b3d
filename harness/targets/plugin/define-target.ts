/**
 * `defineTarget`: how a target declares itself, built-in or plugin. A target module default-exports
 * one definition; fleetlab validates `--target-opt k=v` against its zod `options` object before
 * anything starts (every problem reported, exit 2) and hands `create` the parsed, typed options.
 *
 *   --target ./my-target.ts ─▶ import ─▶ TargetDefinition ─▶ options.safeParse(--target-opt) ─▶ create(ctx) ─▶ Target
 *
 * Options arrive as strings (`--target-opt port=8080`): declare numbers with `z.coerce.number()`,
 * booleans with `z.stringbool()`. `.describe()` texts and `.default()` values appear in
 * `fleetlab targets`.
 */
import type { z } from 'zod';
import type { Target, TargetContext } from '../target.ts';

/** What `create` gets: the run context with the options already validated and typed. */
export interface PluginContext<O> extends Omit<TargetContext, 'options'> {
  options: O;
  /** The options as given (strings), after dropping scenario hints the target does not declare. */
  rawOptions: Record<string, string>;
}

export interface TargetDefinition<S extends z.ZodObject = z.ZodObject> {
  readonly kind: 'fleetlab.target';
  readonly name: string;
  /** One line for `fleetlab targets`. */
  readonly summary: string;
  readonly options: S;
  create(ctx: PluginContext<z.output<S>>): Target;
}

export function defineTarget<S extends z.ZodObject>(def: { name: string; summary?: string; options: S; create(ctx: PluginContext<z.output<S>>): Target }): TargetDefinition<S> {
  return { kind: 'fleetlab.target', name: def.name, summary: def.summary ?? '', options: def.options, create: def.create };
}

export function isTargetDefinition(x: unknown): x is TargetDefinition {
  const d = x as Partial<TargetDefinition> | null;
  return !!d && typeof d === 'object' && d.kind === 'fleetlab.target' && typeof d.name === 'string' && typeof d.create === 'function' && typeof d.options?.safeParse === 'function';
}

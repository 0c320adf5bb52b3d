/**
 * The bridge between zod (the one schema library for every file a user writes) and fleetlab's
 * problem lists: a schema declares the shape, types, ranges and units of a file once, and from
 * it come the TypeScript type (`z.output`), the JSON Schema for editors, and every problem at
 * once with its path in the style users already know (`lab.sites[3].link.down: expected …`).
 *
 *   input ──schema.safeParse──▶ zod issues ──addIssues(root)──▶ Problems (path: message, all of them)
 *     └───salvage(schema)──▶ the parts that did parse, so cross-field checks (duplicate names,
 *                            references between sections) still run next to the shape problems
 */
import { z } from 'zod';
import { Problems } from './problem.ts';
import { describeValue } from './values.ts';

type Issue = z.core.$ZodIssue;
type Segment = PropertyKey;

/** `lab` + ['sites', 3, 'link'] → `lab.sites[3].link`. */
export function joinPath(root: string, segments: readonly Segment[]): string {
  let out = root;
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out ? `.${String(s)}` : String(s);
  return out;
}

/**
 * A union's own message hides where the input went wrong. When exactly one branch accepted the
 * input's JSON type (its issues are not a type mismatch at the branch root), that branch's
 * issues are the precise ones: `profile.x: expected a positive share` instead of "no branch".
 */
function unionBranch(iss: Extract<Issue, { code: 'invalid_union' }>): Issue[] | undefined {
  const fits = iss.errors.filter((branch) => !branch.some((e) => e.path.length === 0 && (e.code === 'invalid_type' || e.code === 'invalid_union')));
  return fits.length === 1 ? fits[0] : undefined;
}

function defaultMessage(iss: Issue): string {
  if (iss.code === 'invalid_type') return `expected ${iss.expected}, got ${describeValue(iss.input)}`;
  return iss.message;
}

/** In a message, `${sibling('down')}` names the field next to the one at fault by its full path. */
const SIBLING = /\u0000([\w.-]+)\u0001/g;
export const sibling = (key: string): string => `\u0000${key}\u0001`;

/** Add every zod issue to `problems` under `root`; unknown keys become one problem per key. */
export function addIssues(issues: readonly Issue[], root: string, problems: Problems, prefix: readonly Segment[] = []): void {
  const seen = new Set(problems.list.map((p) => `${p.path}\0${p.message}`));
  const add = (path: string, message: string) => {
    const k = `${path}\0${message}`;
    if (seen.has(k)) return; // two checks of one value (int + range) say the same thing once
    seen.add(k);
    problems.add(path, message);
  };
  for (const iss of issues) {
    const at = [...prefix, ...iss.path];
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) add(joinPath(root, [...at, key]), iss.message);
      continue;
    }
    if (iss.code === 'invalid_union') {
      const branch = unionBranch(iss);
      if (branch && iss.message.startsWith('Invalid input')) {
        addIssues(branch, root, problems, at);
        for (const p of problems.list) seen.add(`${p.path}\0${p.message}`);
        continue;
      }
    }
    const message = iss.message.startsWith('Invalid input') ? defaultMessage(iss) : iss.message;
    add(joinPath(root, at), message.replace(SIBLING, (_, k: string) => joinPath(root, [...at.slice(0, -1), k])));
  }
}

/** Parse with `schema`; every problem goes to `problems` under `path`; undefined when any. */
export function parseInto<S extends z.ZodType>(schema: S, input: unknown, path: string, problems: Problems): z.output<S> | undefined {
  const r = schema.safeParse(input, { reportInput: true });
  if (r.success) return r.data;
  addIssues(r.error.issues, path, problems);
  return undefined;
}

/** What a failed parse still yields: the fields and list elements that parsed on their own. */
export type Salvaged<T> = T extends readonly (infer E)[] ? (Salvaged<E> | undefined)[] : T extends Record<string, unknown> ? { [K in keyof T]?: Salvaged<T[K]> } : T;

/**
 * The parts of `input` that `schema` accepts, walking objects, lists, optionals and unions, so
 * checks across sections run on what is valid while the invalid parts are already reported.
 */
export function salvage<S extends z.ZodType>(schema: S, input: unknown): Salvaged<z.output<S>> | undefined {
  const r = schema.safeParse(input);
  if (r.success) return r.data as Salvaged<z.output<S>>;
  const forms = SHAPES.get(schema);
  if (forms) {
    const form = forms.find((c) => c.when(input));
    return form ? (salvage(form.schema, input) as Salvaged<z.output<S>>) : undefined;
  }
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
      return salvage(def.innerType as z.ZodType, input) as Salvaged<z.output<S>>;
    case 'object': {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(def.shape as Record<string, z.ZodType>)) {
        const v = salvage(s, (input as Record<string, unknown>)[k]);
        if (v !== undefined) out[k] = v;
      }
      return out as Salvaged<z.output<S>>;
    }
    case 'array':
      return Array.isArray(input) ? (input.map((e) => salvage(def.element as z.ZodType, e)) as Salvaged<z.output<S>>) : undefined;
    case 'union':
      for (const o of def.options as z.ZodType[]) {
        const v = salvage(o, input);
        if (v !== undefined) return v as Salvaged<z.output<S>>;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** A closed object: unknown keys are problems (typos must not pass silently), one per key. */
export function strict<T extends z.core.$ZodLooseShape>(shape: T, unknown?: string, notObject: string | ((v: unknown) => string) = 'expected an object'): z.ZodObject<T, z.core.$strict> {
  const known = `unknown field (known: ${Object.keys(shape).join(', ')})`;
  const other = typeof notObject === 'string' ? () => notObject : notObject;
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? (unknown ?? known) : iss.code === 'invalid_type' ? other(iss.input) : undefined),
  });
}

/**
 * What a field computed in code declares to editors (its check is a parser, not representable
 * in JSON Schema): zod's own per-schema JSON Schema hook, so every place the field is used
 * (also reused ones) shows the declared type.
 */
function declare(field: z.ZodType, declared: z.ZodType): void {
  const { $schema: _drop, ...json } = z.toJSONSchema(declared, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  (field as unknown as { _zod: { toJSONSchema?: () => unknown } })._zod.toJSONSchema = () => json;
}

/**
 * A field in the project's unit grammar ('20mbit', '40ms', '0.5%', '1MiB'): the JSON type is
 * declared for editors, the value goes through the `lab/base/units.ts` parser, and the parser's
 * message is the problem (also for a value of the wrong JSON type).
 */
export function unitField<T, I extends z.ZodType = z.ZodType<string | number>>(
  parse: (v: unknown, path: string, problems: Problems) => T | undefined,
  input?: I,
  description?: string,
): z.ZodType<T, z.input<I>> {
  const base = (input ?? z.union([z.string(), z.number()])) as z.ZodType;
  const field = z
    .any()
    .transform((v, ctx): T => {
      const local = new Problems();
      const out = parse(v, '', local);
      for (const p of local.list) ctx.addIssue({ code: 'custom', message: p.message });
      if (out === undefined) {
        if (local.ok) ctx.addIssue({ code: 'custom', message: `unexpected ${describeValue(v)}` });
        return z.NEVER;
      }
      return out;
    })
  declare(field, description ? base.describe(description) : base);
  return field as unknown as z.ZodType<T, z.input<I>>;
}


/**
 * One of several forms picked by the input's shape (a preset name, a profile, a mix…): the form
 * that matches reports its own precise problems, where a plain union could only say "no form
 * matched". `declared` is what editors see (usually the union of the forms).
 */
export function byShape<T, D extends z.ZodType = z.ZodType>(
  cases: { when: (v: unknown) => boolean; schema: z.ZodType<T> }[],
  otherwise: (v: unknown) => string,
  declared: D,
): z.ZodType<T, z.input<D>> {
  const field = z.any().transform((v, ctx): T => {
    const c = cases.find((x) => x.when(v));
    if (!c) {
      ctx.addIssue({ code: 'custom', message: otherwise(v) });
      return z.NEVER;
    }
    const r = c.schema.safeParse(v, { reportInput: true });
    if (r.success) return r.data;
    for (const iss of r.error.issues) ctx.addIssue(iss as Parameters<typeof ctx.addIssue>[0]);
    return z.NEVER;
  });
  declare(field, declared);
  SHAPES.set(field, cases as { when: (v: unknown) => boolean; schema: z.ZodType }[]);
  return field as unknown as z.ZodType<T, z.input<D>>;
}

/** The forms of each byShape field, so salvage can walk into the one the input has. */
const SHAPES = new WeakMap<z.ZodType, { when: (v: unknown) => boolean; schema: z.ZodType }[]>();

/** An integer in [lo, hi]; one message for every way a value misses it. */
export function intIn(lo: number, hi: number, message: (v: unknown) => string = (v) => `expected an integer ${lo}..${hi}, got ${JSON.stringify(v)}`) {
  const error = (iss: { input?: unknown }) => message(iss.input);
  return z.number({ error }).int({ error }).min(lo, { error }).max(hi, { error });
}

/** The JSON Schema (draft 2020-12) of a file type, as editors read it: the input a user writes. */
export function jsonSchemaOf(schema: z.ZodType, title: string, description: string): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $schema: out.$schema, title, description, ...out };
}

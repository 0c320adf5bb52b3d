/**
 * A target mapping file: how to drive a provisioning server's REST API without code (the
 * `external` target). JSON, validated with zod; every problem is reported with its path.
 *
 *   {
 *     "headers": {"authorization": "Bearer …"},                       // sent with every request
 *     "enroll":    {"method": "POST", "url": "{{api}}/nodes", "body": {"name": "{{node.name}}", "macs": "{{node.macs}}"}},
 *     "provision": {"method": "POST", "url": "{{api}}/nodes/{{node.name}}/provision", "body": {"image": {"url": "{{image.url}}"}}},
 *     "deprovision": {…},                                               // optional
 *     "state": {"url": "{{api}}/nodes/{{node.name}}", "native": "$.state", "error": "$.lastError"},
 *     "phases": {"enrolled": "ready", "deploying": "provisioning", "active": "active", "error": "failed"},
 *     "pollMs": 500
 *   }
 *
 * enroll/provision/deprovision may be a list of steps; a step's `capture: {"id": "$.uuid"}` makes
 * `{{vars.id}}` available to later steps for that node (e.g. create a node, then its port).
 * A step with `until: {"path": "$.state", "in": ["ready"], "fail": ["error"], "timeoutMs": 90000}`
 * is repeated every `intervalMs` until the JSONPath value is one of `in` (a server that must reach
 * a state before the next call), and fails at once on a `fail` value or after the timeout.
 * `{{env.NAME}}` is the environment variable NAME of the fleetlab process (checked when the file
 * is read), for values only the server's operator knows (a deploy ramdisk URL, a token).
 * `version: {"url": "{{api}}/", "fields": {"api": "$.version"}}` records what the server says it
 * is in run.json's target.version. `enrollConcurrency` caps how many nodes are enrolled at once (default 16).
 * `persona` (optional) describes the server's installer: an http-callback persona,
 * `{"kind": "answer-file"}` for an installer driven by a kickstart/preseed/autoinstall file, or
 * `{"kind": "ipa"}` for ironic-python-agent (lookup/heartbeat against the server, command API).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { TargetPhase } from '../../../lab/base/event.ts';
import type { Problem } from '../../../lab/base/problem.ts';
import { IMAGE_VARS, NODE_VARS, placeholders } from './template.ts';
import { jsonPathProblem } from './json-path.ts';
import { httpCallbackProblems, httpCallbackSchema } from '../personas/http-callback-persona.ts';

const PHASES = ['registered', 'ready', 'provisioning', 'agent', 'active', 'deprovisioning', 'failed'] as const satisfies readonly TargetPhase[];
const jsonPath = z.string().superRefine((p, ctx) => {
  const problem = jsonPathProblem(p);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const phase = z.enum(PHASES);

const step = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.json().optional(),
  /** HTTP statuses that count as success (default: any 2xx). */
  expect: z.array(z.number().int().min(100).max(599)).min(1).optional(),
  capture: z.record(z.string().regex(/^\w+$/, 'capture names are letters, digits, _'), jsonPath).optional(),
  /** Repeat the request until the value at `path` is one of `in`. */
  until: z
    .strictObject({
      path: jsonPath,
      in: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
      fail: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
      timeoutMs: z.number().int().min(1).default(60_000),
      intervalMs: z.number().int().min(10).default(500),
    })
    .optional(),
});
const steps = z.union([step, z.array(step).min(1)]).transform((s) => (Array.isArray(s) ? s : [s]));

export const mappingSchema = z.strictObject({
  $comment: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  enroll: steps,
  provision: steps,
  deprovision: steps.optional(),
  state: z.strictObject({
    method: z.enum(['GET', 'POST']).default('GET'),
    url: z.string().min(1),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.json().optional(),
    native: jsonPath,
    error: jsonPath.optional(),
    /** Phase when the server answers 404 (node not known yet). */
    notFound: phase.default('registered'),
  }),
  phases: z.record(z.string(), phase).refine((p) => Object.keys(p).length > 0, 'map at least one native state to a phase'),
  /** Phase for a native state not in `phases`; absent = such a state is an error. */
  otherPhase: phase.optional(),
  pollMs: z.number().int().min(50).default(500),
  /** The server's version for run.json (`target.version`): a GET whose JSONPath values are recorded. */
  version: z
    .strictObject({
      url: z.string().min(1),
      headers: z.record(z.string(), z.string()).optional(),
      fields: z.record(z.string().regex(/^\w+$/, 'field names are letters, digits, _'), jsonPath).refine((f) => Object.keys(f).length > 0, 'name at least one field'),
    })
    .optional(),
  /** How many nodes are enrolled at once (a server that cannot take many parallel enrolls: 1). */
  enrollConcurrency: z.number().int().min(1).default(16),
  /** What the server's installer does on a sim node; absent = the generic installer (fleetlab.* kernel args). */
  persona: z.union([httpCallbackSchema, z.strictObject({ kind: z.literal('answer-file') }), z.strictObject({ kind: z.literal('ipa') })]).optional(),
});

export type Mapping = z.output<typeof mappingSchema>;
export type MappingStep = Mapping['enroll'][number];

/** Reads and checks a mapping file; problems carry paths inside the file (`state.native`). */
export function readMapping(file: string, env: NodeJS.ProcessEnv = process.env): { mapping: Mapping; problems?: undefined } | { mapping?: undefined; problems: Problem[] } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { problems: [{ path: '(file)', message: (e as Error).message }] };
  }
  const r = mappingSchema.safeParse(json);
  if (!r.success) return { problems: r.error.issues.map((i) => ({ path: pathText(i.path), message: i.message })) };
  const problems = templateProblems(r.data, env);
  return problems.length ? { problems } : { mapping: r.data };
}

/** Placeholders must name known variables; `vars.x` must be captured by some step. */
function templateProblems(m: Mapping, env: NodeJS.ProcessEnv): Problem[] {
  const captured = new Set([...m.enroll, ...m.provision, ...(m.deprovision ?? [])].flatMap((s) => Object.keys(s.capture ?? {})));
  const out: Problem[] = [];
  const check = (path: string, value: unknown, withImage: boolean) => {
    for (const name of placeholders(value)) {
      const known = (NODE_VARS as readonly string[]).includes(name) || (withImage && (IMAGE_VARS as readonly string[]).includes(name));
      if (known || (name.startsWith('vars.') && captured.has(name.slice(5)))) continue;
      if (name.startsWith('env.')) {
        if (env[name.slice(4)] === undefined) out.push({ path, message: `{{${name}}}: environment variable ${name.slice(4)} is not set` });
        continue;
      }
      const hint = name.startsWith('vars.') ? 'no step captures it' : `known: ${[...NODE_VARS, ...(withImage ? IMAGE_VARS : []), 'vars.<captured>', 'env.<NAME>'].join(', ')}`;
      out.push({ path, message: `unknown variable {{${name}}} (${hint})` });
    }
  };
  const ops = [['enroll', m.enroll], ['provision', m.provision], ['deprovision', m.deprovision ?? []]] as const;
  for (const [op, list] of ops) {
    list.forEach((s, i) => {
      const at = list.length > 1 || op === 'deprovision' ? `${op}[${i}]` : op;
      check(`${at}.url`, s.url, op === 'provision');
      check(`${at}.headers`, s.headers, op === 'provision');
      check(`${at}.body`, s.body, op === 'provision');
    });
  }
  check('state.url', m.state.url, false);
  check('state.body', m.state.body, false);
  check('headers', m.headers, false);
  if (m.version) {
    for (const [path, value] of [['version.url', m.version.url], ['version.headers', m.version.headers]] as const) {
      for (const name of placeholders(value)) if (name !== 'api' && !name.startsWith('env.')) out.push({ path, message: `unknown variable {{${name}}} (known here: api, env.<NAME>)` });
    }
    check('version.url', m.version.url, false);
  }
  if (m.persona?.kind === 'http-callback') out.push(...httpCallbackProblems(m.persona, 'persona'));
  return out;
}

const pathText = (path: PropertyKey[]) => path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '') || '(root)';

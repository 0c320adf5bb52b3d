/**
 * A schema check of a Kubernetes object against @kubernetes/client-node's models (generated from
 * the Kubernetes OpenAPI spec): every field must be one the model declares, with the declared
 * type, recursively. Offline stand-in for the API server's validation (kubectl's client dry-run
 * still needs a server for discovery).
 */
import * as k8s from '@kubernetes/client-node';

type Model = { getAttributeTypeMap(): { name: string; baseName: string; type: string }[] };

/** Problems as `path: message`; empty when the object fits the model. */
export function schemaProblems(value: unknown, type: string, path = '$'): string[] {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((v, i) => schemaProblems(v, array[1]!, `${path}[${i}]`)) : [`${path}: expected an array (${type})`];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return isObject(value) ? Object.entries(value).flatMap(([k, v]) => schemaProblems(v, map[1]!, `${path}.${k}`)) : [`${path}: expected a map (${type})`];
  const prim: Record<string, (v: unknown) => boolean> = {
    string: (v) => typeof v === 'string',
    number: (v) => typeof v === 'number',
    boolean: (v) => typeof v === 'boolean',
    IntOrString: (v) => typeof v === 'string' || typeof v === 'number',
    any: () => true,
    object: isObject,
  };
  if (prim[type]) return prim[type](value) ? [] : [`${path}: expected ${type}, got ${JSON.stringify(value)}`];
  const model = (k8s as unknown as Record<string, Model | undefined>)[type];
  if (!model?.getAttributeTypeMap) return [`${path}: unknown model type ${type}`];
  if (!isObject(value)) return [`${path}: expected an object (${type})`];
  const attrs = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  return Object.entries(value).flatMap(([k, v]) => (attrs.has(k) ? schemaProblems(v, attrs.get(k)!, `${path}.${k}`) : [`${path}.${k}: not a field of ${type}`]));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Overlapping faults on the same hot-path field (two dhcp-drop windows on one node, a
 * bmc-slow inside a bmc-slow) must stop in any order without clobbering each other. Each
 * activation pushes a layer; the field shows the newest active layer, or the value it had
 * before the first layer once all are gone.
 *
 *   base ◀── layer a ◀── layer b      remove(a) → field = b      remove(b) → field = base
 *
 * Kept in a WeakMap beside the object so NodeFaults/BmcFaults stay plain (one property read
 * on the hot path when no fault is active).
 */
interface Layers {
  base: unknown;
  stack: { id: string; value: unknown }[];
}

const registry = new WeakMap<object, Map<PropertyKey, Layers>>();

/** Set `obj[field] = value` as layer `id`; the returned function removes that layer. */
export function pushLayer<T extends object, K extends keyof T>(obj: T, field: K, id: string, value: T[K]): () => void {
  let fields = registry.get(obj);
  if (!fields) registry.set(obj, (fields = new Map()));
  let layers = fields.get(field);
  if (!layers) fields.set(field, (layers = { base: obj[field], stack: [] }));
  layers.stack.push({ id, value });
  obj[field] = value;
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    const l = fields.get(field);
    if (!l) return;
    l.stack = l.stack.filter((x) => x.id !== id);
    const top = l.stack[l.stack.length - 1];
    if (top) obj[field] = top.value as T[K];
    else {
      obj[field] = l.base as T[K];
      fields.delete(field);
    }
  };
}

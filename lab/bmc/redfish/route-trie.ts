/**
 * Path router for the Redfish tree: literal segments and `{param}` segments, matched segment by
 * segment through a small trie (cost grows with path depth, not with the number of routes).
 *
 *   "/redfish/v1/Systems/{sid}/Actions/ComputerSystem.Reset"
 *      └ redfish └ v1 └ Systems └ {sid} └ Actions └ ComputerSystem.Reset ─▶ Route{op, methods}
 *
 * A route carries an `op` name used in bmc.request events ("GET System", "POST Reset"). The
 * table of routes itself is route-table.ts.
 */
import type { RouteDef } from './handler-context.ts';

interface Node {
  literal: Map<string, Node>;
  param?: { name: string; node: Node };
  route?: RouteDef;
}

function newNode(): Node {
  return { literal: new Map() };
}

export interface Match {
  route: RouteDef;
  params: Record<string, string>;
}

export class RouteTrie {
  private readonly root = newNode();

  add(pattern: string, def: RouteDef): void {
    let n = this.root;
    for (const seg of pattern.split('/').filter(Boolean)) {
      if (seg.startsWith('{') && seg.endsWith('}')) {
        const name = seg.slice(1, -1);
        n.param ??= { name, node: newNode() };
        if (n.param.name !== name) throw new Error(`route ${pattern}: parameter {${name}} clashes with {${n.param.name}}`);
        n = n.param.node;
      } else {
        let next = n.literal.get(seg);
        if (!next) n.literal.set(seg, (next = newNode()));
        n = next;
      }
    }
    if (n.route) throw new Error(`route ${pattern} defined twice`);
    n.route = def;
  }

  /** Literal segments win over parameters; no backtracking (the tree has no ambiguous shapes). */
  match(path: string): Match | undefined {
    let n = this.root;
    const params: Record<string, string> = {};
    let start = 1;
    while (start <= path.length) {
      let end = path.indexOf('/', start);
      if (end < 0) end = path.length;
      if (end > start) {
        const seg = path.slice(start, end);
        const lit = n.literal.get(seg);
        if (lit) n = lit;
        else if (n.param) {
          let v: string;
          try {
            v = decodeURIComponent(seg);
          } catch {
            return undefined;
          }
          params[n.param.name] = v;
          n = n.param.node;
        } else return undefined;
      }
      start = end + 1;
    }
    return n.route ? { route: n.route, params } : undefined;
  }
}

/**
 * The reference server's REST API under /nodes (what targets drive):
 *
 *   GET /nodes · POST /nodes {name, macs, firmware, bmc} · GET|DELETE /nodes/{id}
 *   POST /nodes/{id}/provision {image} (Redfish PXE-once + power on, 202) · POST /nodes/{id}/deprovision
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERRORS } from '../../../lab/base/errors.ts';
import { pxeBootOnce, powerOff, type RedfishTarget } from './redfish-power.ts';
import { readJson, sendJson } from './reference-http.ts';
import { hexhyp, type ReferenceState } from './reference-state.ts';
import type { RefNode } from './reference-types.ts';

function view(n: RefNode) {
  return { id: n.id, macs: n.macs, state: n.state, image: n.image?.name ?? null, lastError: n.lastError, timestamps: n.timestamps };
}

function validateEnroll(b: Record<string, unknown>): string[] {
  const p: string[] = [];
  if (typeof b.name !== 'string' || !b.name) p.push('body.name: expected a non-empty string');
  if (!Array.isArray(b.macs) || b.macs.length === 0 || !b.macs.every((m) => typeof m === 'string' && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(m)))
    p.push("body.macs: expected a non-empty list of MACs like '02:00:00:00:00:01'");
  const bmc = b.bmc as Record<string, unknown> | undefined;
  if (!bmc || typeof bmc !== 'object') p.push('body.bmc: expected {url, systemId, username, password}');
  else for (const k of ['url', 'systemId', 'username', 'password']) if (typeof bmc[k] !== 'string') p.push(`body.bmc.${k}: expected a string`);
  return p;
}

export async function handleRest(st: ReferenceState, req: IncomingMessage, res: ServerResponse, url: URL, parts: string[], method: string): Promise<void> {
  if (parts[0] !== 'nodes') return sendJson(res, 404, { error: { code: ERRORS.TARGET.code, message: `no route ${method} ${url.pathname}` } });
  if (parts.length === 1 && method === 'GET') return sendJson(res, 200, [...st.nodes.values()].map(view));
  if (parts.length === 1 && method === 'POST') return enroll(st, req, res);
  const n = st.nodes.get(parts[1] ?? '');
  if (!n) return sendJson(res, 404, { error: { code: ERRORS.TARGET.code, message: `unknown node ${parts[1]}` } });
  if (parts.length === 2 && method === 'GET') return sendJson(res, 200, view(n));
  if (parts.length === 2 && method === 'DELETE') {
    st.nodes.delete(n.id);
    for (const m of n.macs) st.byMac.delete(hexhyp(m));
    res.writeHead(204).end();
    return;
  }
  if (parts.length === 3 && parts[2] === 'provision' && method === 'POST') return provision(st, req, res, n);
  if (parts.length === 3 && parts[2] === 'deprovision' && method === 'POST') return deprovision(st, res, n);
  return sendJson(res, 405, { error: { code: ERRORS.TARGET.code, message: `${method} not allowed on ${url.pathname}` } });
}

async function enroll(st: ReferenceState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const b = (await readJson(req, res)) as Record<string, unknown> | undefined;
  if (b === undefined) return;
  const problems = validateEnroll(b);
  if (problems.length) return sendJson(res, 400, { error: { code: ERRORS.TARGET.code, message: problems.join('; ') } });
  const id = String(b.name);
  if (st.nodes.has(id)) return sendJson(res, 409, { error: { code: ERRORS.TARGET.code, message: `node ${id} exists` } });
  const bmc = b.bmc as RedfishTarget;
  const n: RefNode = { id, macs: (b.macs as string[]).map((m) => m.toLowerCase()), firmware: b.firmware === 'bios' ? 'bios' : 'uefi', bmc, state: 'enrolled', image: null, lastError: null, timestamps: {} };
  st.nodes.set(id, n);
  for (const m of n.macs) st.byMac.set(hexhyp(m), n);
  st.transition(n, 'enrolled');
  return sendJson(res, 201, view(n));
}

async function provision(st: ReferenceState, req: IncomingMessage, res: ServerResponse, n: RefNode): Promise<void> {
  const b = (await readJson(req, res)) as { image?: { name?: string; bytes?: number; url?: string; sha256?: string } } | undefined;
  if (b === undefined) return;
  const im = b.image;
  if (!im || typeof im.name !== 'string' || (im.url === undefined && typeof im.bytes !== 'number'))
    return sendJson(res, 400, { error: { code: ERRORS.TARGET.code, message: 'body.image: expected {name, bytes} or {name, url, sha256, bytes}' } });
  // An image of ours announced by URL (e.g. defined from another thread): make sure it is served.
  if (im.url?.startsWith(`${st.httpUrl}/images/`) && typeof im.bytes === 'number' && !st.images.has(im.name)) st.image(im.name, im.bytes);
  n.image = im.url && im.sha256 ? { name: im.name, url: im.url, sha256: im.sha256, bytes: im.bytes ?? 0 } : (st.images.get(im.name) ?? st.image(im.name, im.bytes!));
  n.lastError = null;
  st.transition(n, 'provisioning');
  // The BMC call is the deploy's first step; answer 202 once it is accepted.
  try {
    await pxeBootOnce(n.bmc, n.firmware === 'bios' ? 'Legacy' : 'UEFI');
  } catch (e) {
    st.transition(n, 'failed', `BMC: ${(e as Error).message}`);
    return sendJson(res, 502, { error: { code: ERRORS.TARGET.code, message: n.lastError } });
  }
  return sendJson(res, 202, view(n));
}

async function deprovision(st: ReferenceState, res: ServerResponse, n: RefNode): Promise<void> {
  st.transition(n, 'deprovisioning');
  try {
    await powerOff(n.bmc);
  } catch (e) {
    st.transition(n, 'failed', `BMC: ${(e as Error).message}`);
    return sendJson(res, 502, { error: { code: ERRORS.TARGET.code, message: n.lastError } });
  }
  n.image = null;
  st.transition(n, 'enrolled');
  return sendJson(res, 202, view(n));
}

/**
 * The reference server's boot path over HTTP, what firmware and installers fetch:
 *
 *   GET /boot.ipxe ─▶ chain /ipxe/<mac-hexhyp> ─▶ kernel + initrd (deploy pending) or `exit`
 *   GET /artifacts/<file>, /images/<name>, /qemu/{vmlinuz,initrd.img} (real payload for VMs)
 *   POST /callback/<node> {status, sha256} ─▶ node active (image verified) or failed
 *
 * Anything else goes to the REST API (reference-rest-routes.ts).
 */
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERRORS } from '../../../lab/base/errors.ts';
import { readJson, sendJson, sendText, streamArtifact } from './reference-http.ts';
import { handleRest } from './reference-rest-routes.ts';
import type { ReferenceState } from './reference-state.ts';

export async function handleRequest(st: ReferenceState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { o } = st;
  const url = new URL(req.url ?? '/', st.httpUrl);
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const method = req.method ?? 'GET';
  const base = o.qemu && (req.headers.host ?? '').split(':')[0] === o.qemu.coreAddr ? st.coreUrl : st.httpUrl;
  if (method === 'GET' && url.pathname === '/boot.ipxe') {
    return sendText(res, 200, '#!ipxe\nchain ' + base + '/ipxe/${mac:hexhyp} || goto nodeconf\nexit\n:nodeconf\necho fleetlab reference: no node config for ${mac}\nexit\n');
  }
  if (method === 'GET' && o.qemu && (url.pathname === '/qemu/vmlinuz' || url.pathname === '/qemu/initrd.img')) {
    const file = url.pathname === '/qemu/vmlinuz' ? o.qemu.vmlinuz : o.qemu.initrd;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
    return;
  }
  if (method === 'GET' && parts[0] === 'ipxe' && parts.length === 2) {
    const n = st.byMac.get(parts[1]!.toLowerCase());
    if (n && (n.state === 'provisioning' || n.state === 'installing')) {
      n.timestamps.scriptServed = Date.now();
      if (n.state === 'provisioning') st.transition(n, 'installing');
    }
    return sendText(res, 200, st.nodeScript(n, base));
  }
  if (method === 'GET' && parts[0] === 'artifacts' && parts.length === 2) {
    const a = st.artifacts.get(parts[1]!);
    return a ? streamArtifact(res, a, 0) : sendJson(res, 404, { error: { code: ERRORS.TARGET.code, message: `no artifact ${parts[1]}` } });
  }
  if (method === 'GET' && parts[0] === 'images' && parts.length === 2) {
    const a = st.artifacts.get(`images/${parts[1]}`);
    return a ? streamArtifact(res, a, o.imageRateBps ?? 0) : sendJson(res, 404, { error: { code: ERRORS.TARGET.code, message: `no image ${parts[1]}` } });
  }
  if (method === 'POST' && parts[0] === 'callback' && parts.length === 2) return callback(st, req, res, parts[1]!);
  return handleRest(st, req, res, url, parts, method);
}

/** The installer's report: active when it wrote the image it was given (sha256), else failed. */
async function callback(st: ReferenceState, req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  const n = st.nodes.get(id);
  const body = (await readJson(req, res)) as { status?: string; message?: string; sha256?: string } | undefined;
  if (body === undefined) return;
  if (!n) return sendJson(res, 404, { error: { code: ERRORS.TARGET.code, message: `unknown node ${id}` } });
  n.timestamps.callback = Date.now();
  if (body.status === 'ok' && n.image && body.sha256 === n.image.sha256) st.transition(n, 'active');
  else st.transition(n, 'failed', body.message ?? `install reported ${JSON.stringify(body.status)} (sha256 ${body.sha256 ?? '?'})`);
  return sendJson(res, 200, { ok: true });
}

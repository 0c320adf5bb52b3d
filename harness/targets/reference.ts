/**
 * Target `reference`: fleetlab's built-in provisioning server, started in this process on its own
 * worker thread (so at fleet scale it gets the second core instead of competing with the
 * simulated fleet's event loop). Drives it only through its REST API (as any adapter talks to its
 * server) and maps its node states onto the Target phases.
 */
import type { BootEndpoints, ImageRef, Target, TargetContext, TargetNode, TargetPhase, TargetState } from './target.ts';
import { Worker } from 'node:worker_threads';
import type { RefNodeState, ReferenceServerOptions } from '../../fixtures/reference-server/reference-server.ts';
import type { FromWorker, ToWorker } from '../../fixtures/reference-server/reference-worker.ts';
import { ArtifactStore } from '../../fixtures/reference-server/artifacts.ts';
import { genericInstaller } from '../../lab/nodes/sim/personas/generic-installer.ts';
import { FleetlabError } from '../../lab/errors.ts';
import type { ResolvedLab } from '../../lab/spec/lab-spec.ts';
import { ensureBootPayload } from '../../fixtures/boot/build.ts';
import { CORE_ADDR } from '../../lab/net/netns/naming.ts';

/** qemu-tier sites boot the real payload (built on first use) and reach the server as CORE_ADDR. */
async function qemuBoot(lab: ResolvedLab) {
  const relays = lab.sites.filter((s) => s.tier === 'qemu').map((s) => s.relay);
  if (!relays.length) return {};
  const p = await ensureBootPayload();
  return { qemu: { coreAddr: CORE_ADDR, relays, vmlinuz: p.vmlinuz, initrd: p.initrd } };
}

const PHASE: Record<RefNodeState, TargetPhase> = {
  enrolled: 'ready',
  provisioning: 'provisioning',
  installing: 'agent',
  active: 'active',
  deprovisioning: 'deprovisioning',
  failed: 'failed',
};

interface RunningServer {
  worker: Worker;
  http: { host: string; port: number; url: string };
  dhcp: { host: string; port: number };
  tftp: { host: string; port: number };
}

export function referenceTarget(ctx: TargetContext): Target {
  let server: RunningServer | null = null;
  // Same deterministic artifacts as the worker's store: image digests are known here without a round trip.
  const artifacts = new ArtifactStore();
  const watchers = new Set<(node: string, s: TargetState) => void>();
  const opt = (k: string) => ctx.options[k];
  const num = (k: string, dflt: number) => {
    const v = opt(k);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new FleetlabError('PARAM_INVALID', `--target-opt ${k}=${v}: expected a non-negative number`);
    return n;
  };
  // `bmc` (redfish|ipmi, from scenarios' --param bmc) is accepted and ignored: the reference server drives Redfish.
  const known = new Set(['imageRateMbit', 'kernelBytes', 'initrdBytes', 'bootFileBytes', 'bmc']);
  for (const k of Object.keys(ctx.options)) if (!known.has(k)) throw new FleetlabError('PARAM_INVALID', `--target-opt ${k}: unknown option for target 'reference' (known: ${[...known].join(', ')})`);

  const srv = () => {
    if (!server) throw new FleetlabError('TARGET', 'reference target used before start()');
    return server;
  };
  // Transient connection failures (a server busy with a boot storm, reset connections) are
  // retried with backoff, as an operator's provisioning script would; the last cause is named.
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    let last: unknown;
    for (let attempt = 0; attempt < 6; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      try {
        const r = await fetch(srv().http.url + path, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await r.text();
        return { status: r.status, json: text ? JSON.parse(text) : null };
      } catch (e) {
        last = e;
        if (ctx.signal.aborted) break;
      }
    }
    const cause = (last as { cause?: { code?: string; message?: string } })?.cause;
    throw new FleetlabError('TARGET', `reference: ${method} ${path}: ${(last as Error)?.message ?? last}${cause ? ` (${cause.code ?? cause.message})` : ''}`);
  };
  const must = (r: { status: number; json: unknown }, what: string) => {
    if (r.status >= 300) throw new FleetlabError('TARGET', `reference: ${what}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
  };

  return {
    name: 'reference',
    async start() {
      const options: ReferenceServerOptions = {
        subnets: ctx.lab.sites.map((s) => ({ name: s.name, subnet: s.subnet, relay: s.relay, poolStart: s.poolStart, poolEnd: s.poolEnd })),
        imageRateBps: num('imageRateMbit', 0) * 125_000,
        kernelBytes: num('kernelBytes', 32 * 1024),
        initrdBytes: num('initrdBytes', 64 * 1024),
        bootFileBytes: num('bootFileBytes', 70_000),
        ...(await qemuBoot(ctx.lab)),
      };
      const worker = new Worker(new URL('../../fixtures/reference-server/worker-entry.js', import.meta.url), { workerData: options });
      server = await new Promise<RunningServer>((resolve, reject) => {
        const onExit = (code: number) => reject(new FleetlabError('TARGET_START', `reference server thread exited (${code}) before it was ready`));
        worker.once('error', reject);
        worker.once('exit', onExit);
        worker.on('message', (m: FromWorker) => {
          switch (m.type) {
            case 'ready':
              worker.off('error', reject);
              worker.off('exit', onExit);
              resolve({ worker, http: m.http, dhcp: m.dhcp, tftp: m.tftp });
              return;
            case 'failed':
              reject(new FleetlabError('TARGET_START', `reference server: ${m.message}`));
              return;
            case 'state': {
              const phase = PHASE[m.state as RefNodeState];
              const st: TargetState = { native: m.state, phase, ...(m.lastError ? { lastError: m.lastError } : {}) };
              ctx.events.emit({ kind: 'target.state', node: m.id, native: m.state, phase });
              for (const w of watchers) w(m.id, st);
              return;
            }
            case 'closed':
              return;
          }
        });
      }).catch(async (e: unknown) => {
        await worker.terminate();
        throw e;
      });
      worker.on('error', (e) => ctx.events.emit({ kind: 'log', level: 'error', code: 'FLEETLAB_ERR_TARGET', msg: `reference server thread: ${e.message}` }));
    },
    endpoints(): BootEndpoints {
      const s = srv();
      return { dhcp: s.dhcp, relayPort: 0, tftp: s.tftp };
    },
    async enroll(nodes: TargetNode[]) {
      // Bounded parallelism: a real operator's enrollment script would not open 10k connections.
      await pool(nodes, 64, async (n) => {
        if (!n.bmc.redfish) throw new FleetlabError('TARGET', `reference: node ${n.name} has no Redfish BMC (the reference server drives power over Redfish)`);
        must(
          await api('POST', '/nodes', {
            name: n.name,
            macs: n.macs,
            firmware: n.firmware,
            bmc: { url: n.bmc.redfish.url, systemId: n.bmc.redfish.systemId, username: n.bmc.username, password: n.bmc.password },
          }),
          `enroll ${n.name}`,
        );
      });
    },
    async provision(node: TargetNode, image: ImageRef) {
      must(await api('POST', `/nodes/${encodeURIComponent(node.name)}/provision`, { image }), `provision ${node.name}`);
    },
    async deprovision(node: TargetNode) {
      must(await api('POST', `/nodes/${encodeURIComponent(node.name)}/deprovision`), `deprovision ${node.name}`);
    },
    async state(node: TargetNode): Promise<TargetState> {
      const r = await api('GET', `/nodes/${encodeURIComponent(node.name)}`);
      if (r.status === 404) return { native: 'unknown', phase: 'registered' };
      must(r, `state ${node.name}`);
      const v = r.json as { state: RefNodeState; lastError: string | null };
      return { native: v.state, phase: PHASE[v.state], ...(v.lastError ? { lastError: v.lastError } : {}) };
    },
    watch(cb) {
      watchers.add(cb);
      return () => watchers.delete(cb);
    },
    image(name: string, bytes: number): ImageRef {
      const s = srv();
      const a = artifacts.define(`images/${name}`, Math.round(bytes));
      s.worker.postMessage({ type: 'image', name, bytes: a.bytes } satisfies ToWorker);
      return { name, url: `${s.http.url}/images/${encodeURIComponent(name)}`, sha256: a.sha256, bytes: a.bytes };
    },
    agent: () => genericInstaller,
    async stop() {
      const s = server;
      server = null;
      if (!s) return;
      // Ask the server to close its sockets; a thread that does not answer in time is terminated.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5000);
        s.worker.on('message', (m: FromWorker) => {
          if (m.type === 'closed') {
            clearTimeout(timer);
            resolve();
          }
        });
        s.worker.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        s.worker.postMessage({ type: 'close' } satisfies ToWorker);
      });
      await s.worker.terminate();
    },
  };
}

export async function pool<T>(items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  const workers = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  });
  await Promise.all(workers);
}

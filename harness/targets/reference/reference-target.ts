/**
 * Target `reference`: fleetlab's built-in provisioning server, started in this process on its own
 * worker thread (so at fleet scale it gets the second core instead of competing with the
 * simulated fleet's event loop). Drives it only through its REST API (as any adapter talks to its
 * server) and maps its node states onto the Target phases.
 */
import type { BootEndpoints, ImageRef, Target, TargetContext, TargetState } from '../target.ts';
import { Worker } from 'node:worker_threads';
import type { ReferenceServerOptions } from './reference-server.ts';
import { referenceApi, refState } from './reference-api.ts';
import type { FromWorker, ToWorker } from './reference-worker.ts';
import { ArtifactStore } from '../common/artifacts.ts';
import { genericInstaller } from '../../../lab/nodes/sim/personas/generic-installer.ts';
import { ERRORS, FleetlabError } from '../../../lab/base/errors.ts';
import { qemuBoot } from '../common/qemu-boot.ts';

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
  const rest = referenceApi('reference', () => srv().http.url, ctx.signal);

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
      const worker = new Worker(new URL('./worker-entry.js', import.meta.url), { workerData: options });
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
              const st = refState(m.state, m.lastError);
              ctx.events.emit({ kind: 'target.state', node: m.id, native: m.state, phase: st.phase });
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
      worker.on('error', (e) => ctx.events.emit({ kind: 'log', level: 'error', code: ERRORS.TARGET.code, msg: `reference server thread: ${e.message}` }));
    },
    endpoints(): BootEndpoints {
      const s = srv();
      return { dhcp: s.dhcp, relayPort: 0, tftp: s.tftp };
    },
    ...rest,
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

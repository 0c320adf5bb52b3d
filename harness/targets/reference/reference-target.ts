/**
 * Target `reference`: fleetlab's built-in provisioning server, started in this process on its own
 * worker thread (so at fleet scale it gets the second core instead of competing with the
 * simulated fleet's event loop). Drives it only through its REST API (as any adapter talks to its
 * server) and maps its node states onto the Target phases.
 */
import { z } from 'zod';
import type { BootEndpoints, ImageRef, Target, TargetState } from '../target.ts';
import { Worker } from 'node:worker_threads';
import type { ReferenceServerOptions } from './reference-server.ts';
import { referenceApi, refState } from './reference-api.ts';
import type { FromWorker, ToWorker } from './reference-worker.ts';
import { ArtifactStore } from '../common/artifacts.ts';
import { genericInstaller } from '../../../lab/nodes/sim/personas/generic-installer.ts';
import { ERRORS, FleetlabError } from '../../../lab/base/errors.ts';
import { qemuBoot } from '../common/qemu-boot.ts';
import { defineTarget, type PluginContext } from '../plugin/define-target.ts';

const size = (dflt: number, what: string) => z.coerce.number().int().min(0).default(dflt).describe(`${what}, bytes`);
const referenceOptions = z.strictObject({
  imageRateMbit: z.coerce.number().min(0).default(0).describe('cap per image download, Mbit/s (0 = unlimited)'),
  kernelBytes: size(32 * 1024, 'generated kernel'),
  initrdBytes: size(64 * 1024, 'generated initrd'),
  bootFileBytes: size(70_000, 'generated iPXE boot files'),
  // The scenarios pass it for targets that manage BMCs; the reference server drives Redfish.
  bmc: z.enum(['redfish', 'ipmi']).optional().describe('accepted and ignored (the server drives Redfish)'),
});
export type ReferenceOptions = z.output<typeof referenceOptions>;

interface RunningServer {
  worker: Worker;
  http: { host: string; port: number; url: string };
  dhcp: { host: string; port: number };
  tftp: { host: string; port: number };
}

type StateMessage = Extract<FromWorker, { type: 'state' }>;

/** Starts the server thread; resolves once it is serving (every state change goes to onState). */
async function startWorker(options: ReferenceServerOptions, onState: (m: StateMessage) => void): Promise<RunningServer> {
  const worker = new Worker(new URL('./worker-entry.js', import.meta.url), { workerData: options });
  return new Promise<RunningServer>((resolve, reject) => {
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
        case 'state':
          onState(m);
          return;
        case 'closed':
          return;
      }
    });
  }).catch(async (e: unknown) => {
    await worker.terminate();
    throw e;
  });
}

/** Asks the server to close its sockets; a thread that does not answer in time is terminated. */
async function closeWorker(worker: Worker): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 5000);
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'closed') {
        clearTimeout(timer);
        resolve();
      }
    });
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.postMessage({ type: 'close' } satisfies ToWorker);
  });
  await worker.terminate();
}

export function referenceTarget(ctx: PluginContext<ReferenceOptions>): Target {
  let server: RunningServer | null = null;
  // Same deterministic artifacts as the worker's store: image digests are known here without a round trip.
  const artifacts = new ArtifactStore();
  const watchers = new Set<(node: string, s: TargetState) => void>();
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
        imageRateBps: ctx.options.imageRateMbit * 125_000,
        kernelBytes: ctx.options.kernelBytes,
        initrdBytes: ctx.options.initrdBytes,
        bootFileBytes: ctx.options.bootFileBytes,
        ...(await qemuBoot(ctx.lab)),
      };
      server = await startWorker(options, (m) => {
        const st = refState(m.state, m.lastError);
        ctx.events.emit({ kind: 'target.state', node: m.id, native: m.state, phase: st.phase });
        for (const w of watchers) w(m.id, st);
      });
      server.worker.on('error', (e) => ctx.events.emit({ kind: 'log', level: 'error', code: ERRORS.TARGET.code, msg: `reference server thread: ${e.message}` }));
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
      await closeWorker(s.worker);
    },
  };
}

export const reference = defineTarget({
  name: 'reference',
  summary: "fleetlab's built-in provisioning server (DHCP, TFTP, iPXE, HTTP, REST) on its own thread; no root",
  options: referenceOptions,
  create: referenceTarget,
});

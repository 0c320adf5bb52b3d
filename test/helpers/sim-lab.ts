/** A reference server plus a sim lab wired to it, for tests that drive nodes directly. */
import type { Test } from 'tap';
import { startReferenceServer, type ReferenceServer } from '../../harness/targets/reference/reference-server.ts';
import { startLab, type Lab } from '../../lab/lab.ts';
import { resolveLab, type LabSpec } from '../../lab/config/lab-spec.ts';
import { realClock } from '../../lab/base/clock.ts';
import { createRng } from '../../lab/base/rng.ts';
import type { FleetEvent } from '../../lab/base/event.ts';
import { genericInstaller } from '../../lab/nodes/sim/personas/generic-installer.ts';

export interface SimLab {
  server: ReferenceServer;
  lab: Lab;
  events: FleetEvent[];
  /** Enroll and provision nodes through the reference server's REST API. */
  provision(names: string[], image: string, bytes?: number): Promise<void>;
  waitFor(cond: () => boolean, ms?: number): Promise<void>;
}

export async function simLab(t: Test, spec: LabSpec, seed = 1): Promise<SimLab> {
  const resolved = resolveLab({ bmc: { ipmi: false }, ...spec }, seed);
  const server = await startReferenceServer({
    subnets: resolved.sites.map((s) => ({ name: s.name, subnet: s.subnet, relay: s.relay, poolStart: s.poolStart, poolEnd: s.poolEnd })),
  });
  t.teardown(() => server.close());
  const events: FleetEvent[] = [];
  const clock = realClock(resolved.timeScale);
  const ac = new AbortController();
  const lab = await startLab({
    spec: resolved,
    events: { emit: (e) => events.push({ t: clock.now(), ...e } as FleetEvent) },
    clock,
    rng: createRng(seed),
    boot: { dhcp: server.dhcp, relayPort: 0, tftp: server.tftp },
    persona: () => genericInstaller,
    signal: ac.signal,
  });
  t.teardown(async () => {
    ac.abort();
    await lab.close();
  });
  const enrolled = new Set<string>();
  return {
    server,
    lab,
    events,
    async provision(names, image, bytes = 200_000) {
      const img = server.image(image, bytes);
      for (const name of names) {
        const n = lab.node(name)!;
        if (!enrolled.has(name)) {
          const r = await fetch(`${server.http.url}/nodes`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ name, macs: n.spec.macs, firmware: n.spec.profile.firmware, bmc: { url: lab.redfish!.url, systemId: n.bmc.id, username: 'admin', password: 'password' } }),
          });
          if (r.status !== 201) throw new Error(`enroll ${name}: ${r.status}`);
          enrolled.add(name);
        }
        const r = await fetch(`${server.http.url}/nodes/${name}/provision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image: img }) });
        if (r.status !== 202) throw new Error(`provision ${name}: ${r.status} ${await r.text()}`);
      }
    },
    async waitFor(cond, ms = 20_000) {
      const end = Date.now() + ms;
      while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out; last events: ${JSON.stringify(events.slice(-8))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

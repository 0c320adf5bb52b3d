/** Helpers for end-to-end runs against a fleetlab-started Ironic: event log per node, Ironic's DB. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents as readLog } from '../../../helpers/run-json.ts';

export interface Ev {
  t: number;
  kind: string;
  node?: string;
  stage?: string;
  url?: string;
  step?: string;
  state?: string;
  cause?: string;
  native?: string;
  phase?: string;
  code?: string;
  message?: string;
}

export function readEvents(out: string): Ev[] {
  return readLog<Ev>(out);
}

/** Ironic's own records, straight from its database (the run keeps <out>/ironic/ironic.sqlite). */
export function ironicDbNodes(out: string): { name: string; provision_state: string; last_error: string | null }[] {
  const py = 'import sqlite3,json,sys; c=sqlite3.connect(sys.argv[1]); print(json.dumps([dict(zip(["name","provision_state","last_error"],r)) for r in c.execute("select name, provision_state, last_error from nodes order by name")]))';
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, join(out, 'ironic', 'ironic.sqlite')], { encoding: 'utf8' })) as never;
}

/** The boot-chain milestones of one node, in event order, as short labels. */
export function milestones(events: Ev[], node: string): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.node !== node) continue;
    if (e.kind === 'dhcp.ack') out.push(`dhcp-${e.stage}`);
    else if (e.kind === 'tftp.done') out.push('tftp');
    else if (e.kind === 'http.done' && /\/boot\.ipxe$/.test(e.url ?? '')) out.push('boot.ipxe');
    else if (e.kind === 'boot.kernel') out.push('kernel');
    else if (e.kind === 'agent.step' && ['lookup', 'heartbeat', 'power-off'].includes(e.step ?? '')) out.push(e.step!);
    else if (e.kind === 'agent.image') out.push('image');
    else if (e.kind === 'node.power' && e.state === 'off') out.push('power-off-state');
    else if (e.kind === 'boot.disk') out.push('disk-boot');
    else if (e.kind === 'node.ready') out.push('ready');
  }
  return out;
}

/** Does `seq` contain `want` as a subsequence? */
export function inOrder(seq: string[], want: string[]): boolean {
  let i = 0;
  for (const s of seq) if (s === want[i]) i++;
  return i === want.length;
}

export const CHAIN = ['dhcp-pxe', 'tftp', 'dhcp-ipxe', 'boot.ipxe', 'kernel', 'lookup', 'heartbeat', 'image', 'power-off', 'power-off-state', 'disk-boot', 'ready'];

/**
 * What the reference server knows while it runs: its artifacts and images, the enrolled nodes (by
 * id and by MAC), state watchers, and the URLs it is reached at. The boot routes and the REST
 * routes (reference-boot-routes.ts, reference-rest-routes.ts) read and change it; nothing else does.
 */
import { ArtifactStore } from '../common/artifacts.ts';
import type { RefImage, RefNode, RefNodeState, ReferenceServerOptions } from './reference-types.ts';

export const hexhyp = (mac: string) => mac.toLowerCase().replace(/:/g, '-');

export class ReferenceState {
  readonly artifacts = new ArtifactStore();
  readonly nodes = new Map<string, RefNode>();
  readonly byMac = new Map<string, RefNode>();
  readonly watchers = new Set<(n: RefNode) => void>();
  readonly images = new Map<string, RefImage>();
  /** Set once the HTTP server listens (before it can receive a request). */
  httpUrl = '';
  /** What a qemu VM reaches the server at (its requests carry this Host); = httpUrl without qemu sites. */
  coreUrl = '';

  constructor(readonly o: ReferenceServerOptions) {}

  transition(n: RefNode, s: RefNodeState, err: string | null = null): void {
    n.state = s;
    n.timestamps[s] = Date.now();
    if (err !== null) n.lastError = err;
    for (const w of this.watchers) w(n);
  }

  image(name: string, bytes: number): RefImage {
    const a = this.artifacts.define(`images/${name}`, bytes);
    const img = { name, url: `${this.httpUrl}/images/${encodeURIComponent(name)}`, sha256: a.sha256, bytes };
    this.images.set(name, img);
    return img;
  }

  /** The iPXE script for a node: kernel + initrd with the deploy's arguments, or `exit` (boot the disk). */
  nodeScript(n: RefNode | undefined, base = this.httpUrl): string {
    if (!n || (n.state !== 'provisioning' && n.state !== 'installing') || !n.image) return '#!ipxe\necho fleetlab reference: no deploy pending, booting local disk\nexit\n';
    const vm = base !== this.httpUrl; // a qemu VM: real kernel/initrd, quiet serial console
    const args = [
      `fleetlab.image=${n.image.url.startsWith(this.httpUrl) ? base + n.image.url.slice(this.httpUrl.length) : n.image.url}`,
      `fleetlab.sha256=${n.image.sha256}`,
      `fleetlab.callback=${base}/callback/${encodeURIComponent(n.id)}`,
      `fleetlab.name=${n.image.name}`,
      'BOOTIF=${mac}',
      'ip=dhcp',
      'console=ttyS0',
      ...(vm ? ['quiet'] : []),
    ];
    const art = vm ? `${base}/qemu` : `${base}/artifacts`;
    return `#!ipxe\nkernel ${art}/vmlinuz ${args.join(' ')}\ninitrd ${art}/initrd.img\nboot\n`;
  }
}

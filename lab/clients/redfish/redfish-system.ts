/**
 * Typed Redfish helpers for what provisioning uses on one ComputerSystem: power state and Reset,
 * the boot source override (Once/Continuous, UEFI/Legacy), virtual media on the System or on its
 * Manager (whichever the BMC exposes; Ironic looks under Systems, bmclib under Managers), and
 * UpdateService.SimpleUpdate followed to the end through its task monitor.
 *
 * Every URI comes from the resources themselves (@odata.id, Actions targets, Links), never
 * from a vendor's usual layout, so the helpers work on any conforming BMC.
 */
import { FleetlabError } from '../../base/errors.ts';
import type { RedfishClient } from './redfish-client.ts';
import type { TaskResult, TaskWaitOptions } from './redfish-task.ts';
import { waitTask } from './redfish-task.ts';

export type ResetType = 'On' | 'ForceOn' | 'ForceOff' | 'GracefulShutdown' | 'GracefulRestart' | 'ForceRestart' | 'Nmi' | 'PushPowerButton' | 'PowerCycle';
export type RedfishPowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff' | 'Paused';
export type OverrideEnabled = 'Disabled' | 'Once' | 'Continuous';

export interface RedfishBootOverride {
  enabled: OverrideEnabled;
  /** BootSourceOverrideTarget: None, Pxe, Hdd, Cd, BiosSetup, UefiHttp, … */
  target: string;
  mode?: 'UEFI' | 'Legacy';
}

export interface VirtualMediaState {
  uri: string;
  image: string | null;
  inserted: boolean;
  writeProtected?: boolean;
  mediaTypes: string[];
}

interface Link {
  '@odata.id': string;
}
interface SystemResource {
  PowerState?: RedfishPowerState;
  Boot?: { BootSourceOverrideEnabled?: OverrideEnabled; BootSourceOverrideTarget?: string; BootSourceOverrideMode?: 'UEFI' | 'Legacy' };
  VirtualMedia?: Link;
  Links?: { ManagedBy?: Link[] };
  Actions?: Record<string, { target?: string }>;
}
interface MediaResource {
  Image?: string | null;
  Inserted?: boolean;
  WriteProtected?: boolean;
  MediaTypes?: string[];
  Actions?: Record<string, { target?: string }>;
}

export interface RedfishSystemOptions {
  /** Where to look for virtual media: default the System, else its Manager. */
  virtualMediaOn?: 'System' | 'Manager';
}

export class RedfishSystem {
  private resolved: string | undefined;

  constructor(
    readonly client: RedfishClient,
    /** Systems/{id}; default the service's only (first) system. */
    private readonly systemId?: string,
    private readonly opts: RedfishSystemOptions = {},
  ) {}

  /** The system's URI, from the Systems collection. */
  async uri(): Promise<string> {
    if (this.resolved) return this.resolved;
    const root = await this.client.connect();
    const systems = (root.Systems as Link | undefined)?.['@odata.id'] ?? '/redfish/v1/Systems';
    const members = ((await this.client.get<{ Members?: Link[] }>(systems)).body.Members ?? []).map((m) => m['@odata.id']);
    const pick = this.systemId === undefined ? members[0] : members.find((m) => decodeURIComponent(m.replace(/\/$/, '').split('/').pop() ?? '') === this.systemId);
    if (!pick) throw new FleetlabError('BMC_CLIENT_UNSUPPORTED', `${this.client.url}: no system ${this.systemId ?? '(any)'} in ${systems} (members: ${members.join(', ') || 'none'})`, { uri: systems });
    return (this.resolved = pick);
  }

  async resource(): Promise<SystemResource> {
    return (await this.client.get<SystemResource>(await this.uri())).body;
  }

  async powerState(): Promise<RedfishPowerState> {
    const p = (await this.resource()).PowerState;
    if (!p) throw new FleetlabError('BMC_CLIENT_RESPONSE', `${await this.uri()}: no PowerState`);
    return p;
  }

  /** ComputerSystem.Reset with the target the resource advertises. */
  async reset(type: ResetType): Promise<void> {
    const sys = await this.resource();
    const target = sys.Actions?.['#ComputerSystem.Reset']?.target ?? `${await this.uri()}/Actions/ComputerSystem.Reset`;
    await this.client.post(target, { ResetType: type });
  }

  async bootOverride(): Promise<RedfishBootOverride> {
    const b = (await this.resource()).Boot ?? {};
    return { enabled: b.BootSourceOverrideEnabled ?? 'Disabled', target: b.BootSourceOverrideTarget ?? 'None', ...(b.BootSourceOverrideMode ? { mode: b.BootSourceOverrideMode } : {}) };
  }

  /** PATCH Boot (If-Match with the system's ETag; one retry when it changed under us). */
  async setBootOverride(o: RedfishBootOverride): Promise<void> {
    const boot: Record<string, string> = { BootSourceOverrideTarget: o.target, BootSourceOverrideEnabled: o.enabled };
    if (o.mode) boot.BootSourceOverrideMode = o.mode;
    await this.client.patch(await this.uri(), { Boot: boot });
  }

  /** The VirtualMedia collection: the System's, else the first Manager's that manages it. */
  async virtualMediaCollection(): Promise<{ uri: string; on: 'System' | 'Manager' }> {
    const sys = await this.resource();
    if (sys.VirtualMedia && this.opts.virtualMediaOn !== 'Manager') return { uri: sys.VirtualMedia['@odata.id'], on: 'System' };
    for (const m of sys.Links?.ManagedBy ?? []) {
      const mgr = (await this.client.get<{ VirtualMedia?: Link }>(m['@odata.id'])).body;
      if (mgr.VirtualMedia) return { uri: mgr.VirtualMedia['@odata.id'], on: 'Manager' };
    }
    throw new FleetlabError('BMC_CLIENT_UNSUPPORTED', `${await this.uri()}: no VirtualMedia on the system or its managers`);
  }

  /** The first device that takes this media type (CD by default). */
  async mediaDevice(type = 'CD'): Promise<string> {
    const coll = await this.virtualMediaCollection();
    const members = (await this.client.get<{ Members?: Link[] }>(coll.uri)).body.Members ?? [];
    for (const m of members) {
      const dev = (await this.client.get<MediaResource>(m['@odata.id'])).body;
      if ((dev.MediaTypes ?? []).includes(type)) return m['@odata.id'];
    }
    throw new FleetlabError('BMC_CLIENT_UNSUPPORTED', `${coll.uri}: no virtual media device takes ${type}`);
  }

  async media(type = 'CD'): Promise<VirtualMediaState> {
    const uri = await this.mediaDevice(type);
    const d = (await this.client.get<MediaResource>(uri)).body;
    return { uri, image: d.Image ?? null, inserted: d.Inserted === true, ...(d.WriteProtected !== undefined ? { writeProtected: d.WriteProtected } : {}), mediaTypes: d.MediaTypes ?? [] };
  }

  /** InsertMedia action when offered, else the older PATCH {Image, Inserted}. */
  async insertMedia(image: string, o: { type?: string; writeProtected?: boolean } = {}): Promise<void> {
    const uri = await this.mediaDevice(o.type ?? 'CD');
    const dev = (await this.client.get<MediaResource>(uri)).body;
    const action = dev.Actions?.['#VirtualMedia.InsertMedia']?.target;
    const body = { Image: image, Inserted: true, WriteProtected: o.writeProtected ?? true };
    if (action) await this.client.post(action, body);
    else await this.client.patch(uri, body);
  }

  async ejectMedia(type = 'CD'): Promise<void> {
    const uri = await this.mediaDevice(type);
    const dev = (await this.client.get<MediaResource>(uri)).body;
    const action = dev.Actions?.['#VirtualMedia.EjectMedia']?.target;
    if (action) await this.client.post(action, {});
    else await this.client.patch(uri, { Image: null, Inserted: false });
  }

  /** UpdateService.SimpleUpdate of this system, followed through its task monitor. */
  async simpleUpdate(imageUri: string, o: TaskWaitOptions & { transferProtocol?: string } = {}): Promise<TaskResult> {
    const root = await this.client.connect();
    const us = (root.UpdateService as Link | undefined)?.['@odata.id'];
    if (!us) throw new FleetlabError('BMC_CLIENT_UNSUPPORTED', `${this.client.url}: the service root has no UpdateService`);
    const svc = (await this.client.get<{ Actions?: Record<string, { target?: string }> }>(us)).body;
    const target = svc.Actions?.['#UpdateService.SimpleUpdate']?.target;
    if (!target) throw new FleetlabError('BMC_CLIENT_UNSUPPORTED', `${us}: no #UpdateService.SimpleUpdate action`);
    const r = await this.client.post(target, { ImageURI: imageUri, Targets: [await this.uri()], ...(o.transferProtocol ? { TransferProtocol: o.transferProtocol } : {}) });
    const monitor = r.headers.location;
    if (r.status !== 202 || !monitor) return { state: 'Completed', messages: [] };
    return waitTask(this.client, new URL(monitor, this.client.url).pathname, o);
  }
}

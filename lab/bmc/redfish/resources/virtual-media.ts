/**
 * VirtualMedia, reachable under both Systems/{id}/VirtualMedia and Managers/{id}/VirtualMedia
 * (Ironic looks under Systems first, bmclib under Managers): the same two devices either way.
 *   Cd     (CD, DVD)          → the machine's boot medium (Machine.insertMedia), so a Cd boot uses it
 *   Floppy (Floppy, USBStick) → BMC-side only (config drives)
 * Insert/Eject as actions, plus the legacy PATCH {Image, Inserted, WriteProtected}.
 */
import type { BmcSystem } from '../../bmc-system.ts';
import type { InsertedMedia, MediaType } from '../../../base/machine.ts';
import type { Ctx, Reply } from '../handler-context.ts';
import type { RouteTrie } from '../route-trie.ts';
import { stateOf, systemOf } from '../handler-context.ts';
import type { EmulatorState } from '../emulator-state.ts';
import { etagOf, ifMatchOk } from '../etag.ts';
import { rfError } from '../redfish-errors.ts';
import { validateAction, validatePatch } from '../patch-schema.ts';
import { collection, V1 } from './common.ts';

const DEVICES = {
  Cd: { name: 'Virtual CD', types: ['CD', 'DVD'] as MediaType[] },
  Floppy: { name: 'Virtual Removable Media', types: ['Floppy', 'USBStick'] as MediaType[] },
} as const;
type DeviceId = keyof typeof DEVICES;

function deviceOf(ctx: Ctx): DeviceId {
  const d = ctx.params.dev ?? '';
  if (d !== 'Cd' && d !== 'Floppy') throw rfError('BMC_NOT_FOUND', `no virtual media device '${d}' (devices: Cd, Floppy)`, { args: ['VirtualMedia', d] });
  return d;
}

function current(core: EmulatorState, sys: BmcSystem, dev: DeviceId): InsertedMedia | null {
  const m = sys.machine;
  if (dev === 'Cd') return m.media ? m.media() : (core.peekState(sys.id)?.cd ?? null);
  return core.peekState(sys.id)?.floppy ?? null;
}

function put(ctx: Ctx, dev: DeviceId, media: InsertedMedia | null): void {
  const sys = systemOf(ctx);
  const m = sys.machine;
  const st = stateOf(ctx);
  if (dev === 'Cd' && m.insertMedia && m.ejectMedia) {
    if (media) m.insertMedia(media);
    else m.ejectMedia();
  } else if (dev === 'Cd') st.cd = media;
  else st.floppy = media;
  st.version++;
}

function render(ctx: Ctx, base: string, dev: DeviceId): Record<string, unknown> {
  const sys = systemOf(ctx);
  const media = current(ctx.core, sys, dev);
  const uri = `${base}/${dev}`;
  const image = media?.url ?? null;
  const body: Record<string, unknown> = {
    '@odata.type': '#VirtualMedia.v1_6_0.VirtualMedia',
    '@odata.id': uri,
    Id: dev,
    Name: DEVICES[dev].name,
    MediaTypes: DEVICES[dev].types,
    Image: image,
    ImageName: image ? (image.split('/').pop() ?? image) : null,
    Inserted: media !== null,
    WriteProtected: media?.writeProtected ?? true,
    ConnectedVia: media ? 'URI' : 'NotConnected',
    TransferMethod: 'Stream',
    TransferProtocolType: media ? protocolOf(media.url) : null,
    Actions: {
      '#VirtualMedia.InsertMedia': { target: `${uri}/Actions/VirtualMedia.InsertMedia` },
      '#VirtualMedia.EjectMedia': { target: `${uri}/Actions/VirtualMedia.EjectMedia` },
    },
  };
  body['@odata.etag'] = etagOf(body);
  return body;
}

function protocolOf(url: string): string {
  const s = url.slice(0, url.indexOf(':')).toUpperCase();
  return ['HTTP', 'HTTPS', 'NFS', 'CIFS', 'FTP', 'SFTP', 'TFTP'].includes(s) ? s : 'OEM';
}

function insert(ctx: Ctx, dev: DeviceId, image: string, writeProtected: boolean, type?: string): void {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(image)) throw rfError('BMC_ACTION_PARAM_VALUE', `InsertMedia: Image '${image}' is not a URL`, { args: [image, 'Image', 'VirtualMedia.InsertMedia'], property: '#/Image' });
  const cur = current(ctx.core, systemOf(ctx), dev);
  if (cur && cur.url !== image) throw rfError('BMC_CONFLICT', `${dev}: medium ${cur.url} is inserted; eject it first`);
  const mt = (type as MediaType | undefined) ?? DEVICES[dev].types[0]!;
  put(ctx, dev, { url: image, type: mt, writeProtected });
}

export function registerVirtualMedia(r: RouteTrie): void {
  for (const parent of ['Systems', 'Managers'] as const) {
    const baseOf = (ctx: Ctx) => `${V1}/${parent}/${encodeURIComponent(systemOf(ctx).id)}/VirtualMedia`;
    const prefix = `${V1}/${parent}/{sid}/VirtualMedia`;
    r.add(prefix, {
      op: `${parent}VirtualMediaCollection`,
      methods: { GET: (ctx) => ({ body: collection(baseOf(ctx), 'VirtualMediaCollection', 'Virtual Media Services', Object.keys(DEVICES).map((d) => `${baseOf(ctx)}/${d}`)) }) },
    });
    r.add(`${prefix}/{dev}`, {
      op: 'VirtualMedia',
      methods: {
        GET: (ctx): Reply => {
          const body = render(ctx, baseOf(ctx), deviceOf(ctx));
          return { body, headers: { ETag: body['@odata.etag'] as string } };
        },
        PATCH: (ctx): Reply => {
          const dev = deviceOf(ctx);
          const cur = render(ctx, baseOf(ctx), dev);
          if (!ifMatchOk(ctx.headers['if-match'], cur['@odata.etag'] as string)) throw rfError('BMC_PRECONDITION', `If-Match does not match the ETag of ${cur['@odata.id'] as string}`);
          validatePatch(ctx.body, { Image: { type: 'string', nullable: true }, Inserted: { type: 'boolean' }, WriteProtected: { type: 'boolean' }, TransferProtocolType: { type: 'string' }, UserName: { type: 'string' }, Password: { type: 'string' } }, cur);
          const b = ctx.body as { Image?: string | null; Inserted?: boolean; WriteProtected?: boolean };
          if (b.Image === null || b.Inserted === false) put(ctx, dev, null);
          else if (typeof b.Image === 'string') insert(ctx, dev, b.Image, b.WriteProtected ?? true);
          const body = render(ctx, baseOf(ctx), dev);
          return { body, headers: { ETag: body['@odata.etag'] as string } };
        },
      },
    });
    r.add(`${prefix}/{dev}/Actions/VirtualMedia.InsertMedia`, {
      op: 'InsertMedia',
      methods: {
        POST: (ctx): Reply => {
          const dev = deviceOf(ctx);
          const b = validateAction(ctx.body, 'VirtualMedia.InsertMedia', {
            Image: { type: 'string', required: true },
            Inserted: { type: 'boolean' },
            WriteProtected: { type: 'boolean' },
            TransferProtocolType: { type: 'string', enum: ['HTTP', 'HTTPS', 'NFS', 'CIFS', 'FTP', 'SFTP', 'TFTP', 'OEM'] },
            TransferMethod: { type: 'string', enum: ['Stream', 'Upload'] },
            MediaType: { type: 'string', enum: DEVICES[dev].types },
            UserName: { type: 'string' },
            Password: { type: 'string' },
          });
          if (b.Inserted === false) put(ctx, dev, null);
          else insert(ctx, dev, b.Image as string, (b.WriteProtected as boolean | undefined) ?? true, b.MediaType as string | undefined);
          return { status: 204 };
        },
      },
    });
    r.add(`${prefix}/{dev}/Actions/VirtualMedia.EjectMedia`, {
      op: 'EjectMedia',
      methods: {
        POST: (ctx): Reply => {
          const dev = deviceOf(ctx);
          validateAction(ctx.body, 'VirtualMedia.EjectMedia', {});
          put(ctx, dev, null);
          return { status: 204 };
        },
      },
    });
  }
}

/**
 * The DHCP client inside simulated firmware (PXE ROM, then iPXE): DISCOVER → OFFER → REQUEST →
 * ACK through the site relay, retransmitting with the backoff real firmware uses (PXE spec:
 * 4, 8, 16, 32 s; iPXE: shorter), NAK restarts. Replies arrive via the RelayHub by chaddr.
 */
import type { DhcpPacket, PxeFirmware } from './dhcp-packet.ts';
import {
  BOOTREQUEST,
  DhcpMessageType,
  DhcpOption,
  ipxeClientOptions,
  messageType,
  newPacket,
  optIp,
  optString,
  pxeClientOptions,
  setIp,
  setMessageType,
} from './dhcp-packet.ts';
import type { DhcpStage } from '../../base/event.ts';
import { FleetlabError } from '../../base/errors.ts';

export interface DhcpLease {
  ip: string;
  serverId: string | null;
  nextServer: string;
  bootFile: string;
  router: string | null;
  options: Map<number, Buffer>;
  ms: number;
}

export interface DhcpClientHost {
  mac: string;
  uuid: string;
  firmware: PxeFirmware;
  site: string;
  node: string;
  xid(): number;
  send(p: DhcpPacket): void;
  /** Waits for a reply matching the predicate, or null after `timeoutMs` (real ms) / abort. */
  waitReply(pred: (p: DhcpPacket) => boolean, timeoutMs: number): Promise<DhcpPacket | null>;
  timeout(modelMs: number): number;
  onDiscover(attempt: number): void;
  onOffer(ip: string, ms: number): void;
  dropped(): boolean;
}

const PXE_BACKOFF_MS = [4000, 8000, 16000, 32000];
const IPXE_BACKOFF_MS = [1000, 2000, 4000, 8000, 16000];

export async function dhcpExchange(h: DhcpClientHost, stage: DhcpStage): Promise<DhcpLease> {
  const started = performance.now();
  const backoff = stage === 'pxe' ? PXE_BACKOFF_MS : IPXE_BACKOFF_MS;
  const opts = () => (stage === 'pxe' ? pxeClientOptions(h.firmware, h.uuid) : ipxeClientOptions(h.firmware, h.uuid));
  const xid = h.xid();
  for (let attempt = 0; attempt < backoff.length; attempt++) {
    const secs = Math.floor((performance.now() - started) / 1000);
    const discover = newPacket(BOOTREQUEST, h.mac, xid);
    discover.secs = secs;
    discover.flags = 0x8000; // firmware asks for broadcast replies (no IP stack yet)
    discover.options.set(DhcpOption.MESSAGE_TYPE, Buffer.from([DhcpMessageType.DISCOVER]));
    for (const [k, v] of opts()) discover.options.set(k, v);
    h.onDiscover(attempt + 1);
    if (!h.dropped()) h.send(discover);
    const t = h.timeout(backoff[attempt]!);
    const offer = await h.waitReply((p) => p.xid === xid && messageType(p) === DhcpMessageType.OFFER, t);
    if (!offer) continue;
    h.onOffer(offer.yiaddr, performance.now() - started);
    const serverId = optIp(offer, DhcpOption.SERVER_ID);
    const request = newPacket(BOOTREQUEST, h.mac, xid);
    request.secs = secs;
    request.flags = 0x8000;
    setMessageType(request, DhcpMessageType.REQUEST);
    for (const [k, v] of opts()) request.options.set(k, v);
    setIp(request, DhcpOption.REQUESTED_IP, offer.yiaddr);
    if (serverId) setIp(request, DhcpOption.SERVER_ID, serverId);
    if (!h.dropped()) h.send(request);
    const ack = await h.waitReply(
      (p) => p.xid === xid && (messageType(p) === DhcpMessageType.ACK || messageType(p) === DhcpMessageType.NAK),
      t,
    );
    if (!ack || messageType(ack) === DhcpMessageType.NAK) continue;
    const bootFile = ack.file || optString(ack, DhcpOption.BOOTFILE_NAME) || '';
    const nextServer = ack.siaddr !== '0.0.0.0' ? ack.siaddr : (optString(ack, DhcpOption.TFTP_SERVER_NAME) ?? serverId ?? '');
    return {
      ip: ack.yiaddr,
      serverId,
      nextServer,
      bootFile,
      router: optIp(ack, DhcpOption.ROUTER),
      options: ack.options,
      ms: performance.now() - started,
    };
  }
  throw new FleetlabError('DHCP_TIMEOUT', `${h.node}: no DHCP ${stage === 'pxe' ? 'offers (PXE-E51)' : 'answer to iPXE'} after ${backoff.length} attempts`);
}

/**
 * A test relay: binds <relay>:<port> (a site gateway address on loopback), sends relayed
 * requests as the lab's firmware would (giaddr, hops 1, PXE/iPXE/HTTP options) and collects
 * the server's replies (which a server sends to giaddr:port).
 */
import { createSocket, type Socket } from 'node:dgram';
import {
  DhcpMessageType,
  DhcpOption,
  decodeDhcp,
  encodeDhcp,
  ipxeClientOptions,
  messageType,
  newPacket,
  pxeClientOptions,
  setIp,
  setMessageType,
  type DhcpPacket,
  type PxeFirmware,
} from '../../../../lab/proto/dhcp/dhcp-packet.ts';

export interface TestRelay {
  /** DISCOVER → OFFER, REQUEST → ACK; resolves with both replies. */
  dora(mac: string, kind: { firmware: PxeFirmware; ipxe?: boolean }): Promise<{ offer: DhcpPacket; ack: DhcpPacket }>;
  close(): Promise<void>;
}

export async function startTestRelay(relay: string, relayPort: number, server: { host: string; port: number }): Promise<TestRelay> {
  const sock: Socket = createSocket({ type: 'udp4', reuseAddr: true });
  const waiting = new Map<string, (p: DhcpPacket) => void>();
  sock.on('message', (msg) => {
    let p: DhcpPacket;
    try {
      p = decodeDhcp(msg);
    } catch {
      return;
    }
    const key = `${p.xid}:${messageType(p)}`;
    waiting.get(key)?.(p);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address: relay, port: relayPort, exclusive: true }, () => resolve());
  });
  let xid = 0x24000000 + Math.floor(Math.random() * 0xffff);
  const exchange = (p: DhcpPacket, want: number, timeoutMs = 4000): Promise<DhcpPacket> =>
    new Promise((resolve, reject) => {
      const key = `${p.xid}:${want}`;
      const timer = setTimeout(() => {
        waiting.delete(key);
        reject(new Error(`no DHCP reply type ${want} for xid ${p.xid.toString(16)} via relay ${relay} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(key, (r) => {
        clearTimeout(timer);
        waiting.delete(key);
        resolve(r);
      });
      sock.send(encodeDhcp(p), server.port, server.host);
    });
  const request = (mac: string, x: number, kind: { firmware: PxeFirmware; ipxe?: boolean }, type: number): DhcpPacket => {
    const p = newPacket(1, mac, x);
    p.giaddr = relay;
    p.hops = 1;
    setMessageType(p, type);
    const uuid = `00000000-0000-4000-8000-${mac.replace(/:/g, '')}`;
    for (const [k, v] of kind.ipxe ? ipxeClientOptions(kind.firmware, uuid) : pxeClientOptions(kind.firmware, uuid)) p.options.set(k, v);
    return p;
  };
  return {
    async dora(mac, kind) {
      const x = ++xid;
      const offer = await exchange(request(mac, x, kind, DhcpMessageType.DISCOVER), DhcpMessageType.OFFER);
      const req = request(mac, x, kind, DhcpMessageType.REQUEST);
      setIp(req, DhcpOption.REQUESTED_IP, offer.yiaddr);
      const sid = offer.options.get(DhcpOption.SERVER_ID);
      if (sid) req.options.set(DhcpOption.SERVER_ID, sid);
      const ack = await exchange(req, DhcpMessageType.ACK);
      return { offer, ack };
    },
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
}

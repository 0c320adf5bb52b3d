import t from 'tap';
import {
  decodeDhcp,
  encodeDhcp,
  newPacket,
  messageType,
  optString,
  optIp,
  optIps,
  optU16,
  optU32,
  optUuid,
  optUserClass,
  setIp,
  setMessageType,
  setString,
  setU32,
  setBytes,
  encodeRelayAgentInfo,
  decodeRelayAgentInfo,
  hasRelayPort,
  pxeClientOptions,
  ipxeClientOptions,
  DhcpMessageType,
  DhcpOption,
  ipToU32,
  u32ToIp,
} from '../../../../lab/proto/dhcp/dhcp-packet.ts';

const UUID = '4c4c4544-0042-3510-8052-b7c04f4b4d32';

function discover() {
  const p = newPacket(1, '52:54:00:12:34:56', 0xdeadbeef);
  setMessageType(p, DhcpMessageType.DISCOVER);
  for (const [k, v] of pxeClientOptions('uefi', UUID)) p.options.set(k, v);
  return p;
}

t.test('round trip keeps header fields and options', async (t) => {
  const p = discover();
  p.giaddr = '127.21.0.1';
  p.hops = 1;
  p.secs = 4;
  p.flags = 0x8000;
  p.options.set(DhcpOption.RELAY_AGENT_INFO, encodeRelayAgentInfo({ circuitId: 'site-0', relayPort: 6767 }));
  const buf = encodeDhcp(p);
  t.ok(buf.length >= 300, 'padded to the BOOTP minimum');
  t.equal(buf[240], 53, 'message type first');
  const d = decodeDhcp(buf);
  t.equal(d.op, 1);
  t.equal(d.xid, 0xdeadbeef);
  t.equal(d.chaddr, '52:54:00:12:34:56');
  t.equal(d.giaddr, '127.21.0.1');
  t.equal(d.hops, 1);
  t.equal(d.secs, 4);
  t.equal(d.flags, 0x8000);
  t.equal(messageType(d), DhcpMessageType.DISCOVER);
  t.equal(optString(d, 60), 'PXEClient:Arch:00007:UNDI:003016');
  t.equal(optU16(d, 93), 7);
  t.same([...d.options.get(94)!], [1, 3, 16]);
  t.equal(d.options.get(97)!.length, 17);
  t.equal(optUuid(d), UUID, 'UUID survives the GUID byte-order swap');
  t.ok(hasRelayPort(d));
  const rai = decodeRelayAgentInfo(d.options.get(82)!);
  t.equal(rai.circuitId!.toString(), 'site-0');
  t.equal(rai.relayPort, 6767);
});

t.test('firmware option sets match the notes', async (t) => {
  const bios = pxeClientOptions('bios', UUID);
  t.equal(bios.get(60)!.toString(), 'PXEClient:Arch:00000:UNDI:002001');
  t.same([...bios.get(93)!], [0, 0]);
  t.same([...bios.get(94)!], [1, 2, 1]);
  const http = pxeClientOptions('uefi-http', UUID);
  t.equal(http.get(60)!.toString(), 'HTTPClient:Arch:00016:UNDI:003000');
  t.same([...http.get(93)!], [0, 16]);
  const list = [...bios.get(55)!];
  for (const c of [1, 3, 6, 43, 60, 66, 67, 128, 135]) t.ok(list.includes(c), `55 asks for ${c}`);
  const ipxe = ipxeClientOptions('uefi', UUID);
  t.equal(ipxe.get(77)!.toString(), 'iPXE');
  t.ok(ipxe.get(175)!.length > 0);
  const p = newPacket(1, 'aa:bb:cc:dd:ee:ff', 1);
  for (const [k, v] of ipxe) p.options.set(k, v);
  t.equal(optUserClass(decodeDhcp(encodeDhcp(p))), 'iPXE');
  // RFC 3004 length-prefixed form is accepted too.
  setBytes(p, 77, Buffer.from([4, ...Buffer.from('iPXE')]));
  t.equal(optUserClass(p), 'iPXE');
});

t.test('typed setters and getters', async (t) => {
  const p = newPacket(2, 'aa:bb:cc:dd:ee:ff', 7);
  setMessageType(p, DhcpMessageType.ACK);
  setIp(p, 54, '127.21.0.254');
  setIp(p, 6, ['127.21.0.2', '127.21.0.3']);
  setU32(p, 51, 3600);
  setString(p, 67, 'http://127.21.0.254/boot.ipxe');
  p.file = 'undionly.kpxe';
  p.siaddr = '127.21.0.254';
  const d = decodeDhcp(encodeDhcp(p));
  t.equal(optIp(d, 54), '127.21.0.254');
  t.same(optIps(d, 6), ['127.21.0.2', '127.21.0.3']);
  t.equal(optU32(d, 51), 3600);
  t.equal(optString(d, 67), 'http://127.21.0.254/boot.ipxe');
  t.equal(d.file, 'undionly.kpxe');
  t.equal(d.siaddr, '127.21.0.254');
  t.equal(messageType(d), DhcpMessageType.ACK);
  t.equal(optU16(d, 51), null, 'wrong width is null, not garbage');
});

t.test('long options are split and reassembled (RFC 3396)', async (t) => {
  const p = newPacket(2, 'aa:bb:cc:dd:ee:ff', 7);
  const big = Buffer.alloc(600, 0x41);
  setBytes(p, 43, big);
  const d = decodeDhcp(encodeDhcp(p));
  t.same(d.options.get(43), big);
});

t.test('option overload (52) pulls options out of file and sname', async (t) => {
  const p = newPacket(2, 'aa:bb:cc:dd:ee:ff', 7);
  setMessageType(p, DhcpMessageType.OFFER);
  setBytes(p, 52, [3]);
  const buf = encodeDhcp(p);
  // file: option 67 "x.efi", end
  Buffer.from([67, 5, ...Buffer.from('x.efi'), 255]).copy(buf, 108);
  Buffer.from([66, 3, ...Buffer.from('srv'), 255]).copy(buf, 44);
  const d = decodeDhcp(buf);
  t.equal(optString(d, 67), 'x.efi');
  t.equal(optString(d, 66), 'srv');
  t.equal(d.file, '');
});

t.test('malformed packets name the field', async (t) => {
  const good = encodeDhcp(discover());
  t.throws(() => decodeDhcp(good.subarray(0, 100)), { code: 'FLEETLAB_ERR_DHCP_MALFORMED', message: /100 bytes, shorter than the 236-byte BOOTP header/ });
  t.throws(() => decodeDhcp(good.subarray(0, 238)), { message: /magic cookie/ });
  const badOp = Buffer.from(good);
  badOp[0] = 9;
  t.throws(() => decodeDhcp(badOp), { message: /op: 9/ });
  const badCookie = Buffer.from(good);
  badCookie.writeUInt32BE(0x12345678, 236);
  t.throws(() => decodeDhcp(badCookie), { message: /magic cookie: 0x12345678 at offset 236/ });
  const badHlen = Buffer.from(good);
  badHlen[2] = 20;
  t.throws(() => decodeDhcp(badHlen), { message: /hlen: 20/ });
  // option 60 claiming more bytes than remain
  const trunc = Buffer.alloc(300);
  good.copy(trunc, 0, 0, 240);
  trunc[240] = 53; trunc[241] = 1; trunc[242] = 1;
  trunc[297] = 60; trunc[298] = 40;
  for (let i = 243; i < 297; i++) trunc[i] = 0;
  t.throws(() => decodeDhcp(trunc), { message: /options\[60\]: length 40 runs past end of packet \(offset 300\)/ });
  const noLen = Buffer.alloc(241);
  good.copy(noLen, 0, 0, 240);
  noLen[240] = 61;
  t.throws(() => decodeDhcp(noLen), { message: /options\[61\]: length byte missing/ });
  t.throws(() => decodeRelayAgentInfo(Buffer.from([1, 9, 1])), { message: /options\[82\]\.sub\[1\]: length 9 runs past end/ });
  t.throws(() => encodeDhcp({ ...discover(), giaddr: '300.1.1.1' }), { message: /giaddr: '300.1.1.1'/ });
  t.throws(() => encodeDhcp({ ...discover(), file: 'x'.repeat(200) }), { message: /file: .*128-byte field/ });
  t.throws(() => encodeDhcp({ ...discover(), chaddr: 'zz:54:00:12:34:56' }), { message: /chaddr: 'zz:54:00:12:34:56' is not a hardware address/ });
  t.throws(() => encodeDhcp({ ...discover(), chaddr: '52:54:' }), { message: /chaddr/ });
  for (const bad of ['1.2.3', '1..2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.4 ', '', 'a.b.c.d', '1.2.3.1000'])
    t.throws(() => ipToU32(bad), { code: 'FLEETLAB_ERR_DHCP_MALFORMED' }, `'${bad}' rejected`);
  t.equal(ipToU32('255.255.255.255'), 0xffffffff);
  t.equal(u32ToIp(ipToU32('127.21.0.1')), '127.21.0.1');
});

t.test('every truncation of a real packet decodes or throws a coded error, never anything else', async (t) => {
  const good = encodeDhcp(discover());
  let threw = 0;
  for (let n = 0; n <= good.length; n++) {
    try {
      decodeDhcp(good.subarray(0, n));
    } catch (e) {
      threw++;
      t.equal((e as { code?: string }).code, 'FLEETLAB_ERR_DHCP_MALFORMED', `length ${n}`);
    }
  }
  t.ok(threw > 240);
});

/** RMCP / RMCP+ framing: round trips, integrity and confidentiality checks, named parse errors. */
import t from 'tap';
import { CIPHER_SUITES, decryptPayload, deriveKeys, encryptPayload } from '../../../../lab/bmc/ipmi/cipher-suite.ts';
import { buildIpmiRequest, buildIpmiResponse, parseIpmiRequest } from '../../../../lab/bmc/ipmi/ipmi-message.ts';
import { buildV15, buildV2, openV2, parseRmcp } from '../../../../lab/bmc/ipmi/rmcp-packet.ts';

t.test('AES-CBC-128 confidentiality: round trip for every length, bad pads refused', async (t) => {
  const key = Buffer.alloc(16, 7);
  for (let n = 0; n < 40; n++) {
    const p = Buffer.alloc(n, n);
    const c = encryptPayload(key, p);
    t.equal(c.length % 16, 0);
    t.same(decryptPayload(key, c), p);
  }
  const c = encryptPayload(key, Buffer.from('hello'));
  c[c.length - 1]! ^= 0x55; // garbles the last block, so the pad bytes
  t.equal(decryptPayload(key, c), null);
  t.equal(decryptPayload(key, Buffer.alloc(20)), null, 'not a multiple of 16');
});

for (const suite of CIPHER_SUITES) {
  t.test(`suite ${suite.id}: an in-session packet opens with the right keys only`, async (t) => {
    const keys = deriveKeys(suite, Buffer.alloc(suite.auth === 3 ? 32 : 20, 9));
    const msg = buildIpmiRequest(0x00, 0x01, []);
    const pkt = buildV2(0x00, 0x1234, 5, msg, keys);
    const codeLen = suite.integrity === 4 ? 16 : 12;
    t.equal((pkt.length - 4 - codeLen) % 4, 0, 'integrity pad: authType … next header is a multiple of 4 bytes');
    t.equal(pkt[pkt.length - codeLen - 1], 0x07, 'next header 0x07');
    const p = parseRmcp(pkt);
    if (p.kind !== 'v20') throw new Error('expected v2.0');
    t.match(p, { sessionId: 0x1234, seq: 5, encrypted: true, authenticated: true });
    t.same(openV2(p, keys), msg);
    const other = deriveKeys(suite, Buffer.alloc(20, 1));
    t.match(openV2(p, other), /integrity check failed/);
    const flipped = Buffer.from(pkt);
    flipped[18]! ^= 1;
    const q = parseRmcp(flipped);
    if (q.kind !== 'v20') throw new Error('expected v2.0');
    t.match(openV2(q, keys), /integrity check failed/);
  });
}

t.test('parse errors name the field', async (t) => {
  t.match(parseRmcp(Buffer.from([6, 0])), { kind: 'malformed', reason: /rmcp\.header/ });
  t.match(parseRmcp(Buffer.from([5, 0, 0xff, 7, 0])), { kind: 'malformed', reason: /rmcp\.version/ });
  const v2 = buildV2(0x00, 0, 0, buildIpmiRequest(6, 0x38, [0x8e, 4]));
  v2.writeUInt16LE(500, 14);
  t.match(parseRmcp(v2), { kind: 'malformed', reason: /rmcp\+\.payloadLength: 500/ });
  const v15 = buildV15(buildIpmiRequest(6, 0x38, [0x8e, 4]));
  const p = parseRmcp(v15);
  if (p.kind !== 'v15') throw new Error('expected v1.5');
  const bad = Buffer.from(p.msg);
  bad[bad.length - 1]! ^= 1;
  t.match(parseIpmiRequest(bad), /checksum2/);
  const req = parseIpmiRequest(p.msg);
  if (typeof req === 'string') throw new Error(req);
  t.match(req, { netFn: 6, cmd: 0x38 });
  const rsp = buildIpmiResponse(req, 0, [1, 2]);
  t.equal(rsp[1]! >> 2, 7, 'response netFn = request netFn + 1');
});

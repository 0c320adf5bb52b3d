/**
 * The answer-file persona against real servers: dnsmasq (DHCP + TFTP, relayed sites) and
 * Python's http.server serving a directory of iPXE scripts, kickstart / preseed / autoinstall
 * files, the image and a callback file. For each format, `fleetlab run` provisions every node:
 * the installer fetches the file its kernel cmdline names, installs the image it names (sha256
 * checked where the file gives one), and its post-install curl/wget call reaches the server
 * (its access log lists every node's MAC). A file that cannot drive an install fails, naming why.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fleetlab } from '../../../helpers/cli.ts';
import { readEvents } from '../../../helpers/run-json.ts';
import { answerFilePersona } from '../../../../harness/targets/personas/answer-file-persona.ts';
import { startDnsmasq } from '../../../../harness/targets/dnsmasq/dnsmasq-process.ts';
import { checkLab } from '../../../../lab/config/lab-spec.ts';
import { Problems } from '../../../../lab/base/problem.ts';

const TARGET = resolve('test/harness/targets/personas/fixtures/pxe-directory-target.ts');
const tcpPort = () => new Promise<number>((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => res(p)); }); });
/** An even UDP port whose successor is free too (dnsmasq's alternate ports are P, P+1). */
async function udpPair(): Promise<number> {
  for (;;) {
    const p = await new Promise<number>((res) => { const s = createSocket('udp4').bind(0, '127.0.0.1', () => { const x = s.address().port; s.close(() => res(x)); }); });
    const ok = await new Promise<boolean>((res) => { const s = createSocket('udp4'); s.once('error', () => res(false)); s.bind(p + 1, '127.0.0.1', () => s.close(() => res(true))); });
    if (ok) return p;
  }
}

const FILES = (http: string, sha: string): Record<string, { cmdline: string; path: string; text: string }> => ({
  kickstart: {
    cmdline: `inst.ks=${http}/ks/edge.ks`,
    path: 'ks/edge.ks',
    text: `# Anaconda kickstart\ntext\nliveimg --url=${http}/images/edge-os-1.0.img --checksum=${sha}\nzerombr\nclearpart --all --initlabel\nautopart --type=plain\n%post --nochroot\ncurl -fsS -X GET "${http}/callback.txt?via=kickstart&mac=\${mac}"\n%end\nreboot\n`,
  },
  preseed: {
    cmdline: `auto=true priority=critical url=${http}/d-i/preseed.cfg`,
    path: 'd-i/preseed.cfg',
    text: `d-i debian-installer/locale string en_US\nd-i live-installer/net-image string ${http}/images/edge-os-1.0.img\nd-i partman-auto/disk string /dev/sda\nd-i partman-auto/method string lvm\nd-i preseed/late_command string in-target true; \\\n  wget -q -O /dev/null "${http}/callback.txt?via=preseed&mac=\${mac}"\nd-i finish-install/reboot_in_progress note\n`,
  },
  autoinstall: {
    cmdline: `autoinstall ds=nocloud-net;s=${http}/nocloud/`,
    path: 'nocloud/user-data',
    text: `#cloud-config\nautoinstall:\n  version: 1\n  storage:\n    layout:\n      name: direct\n  sources:\n    00_image:\n      type: dd-raw\n      uri: ${http}/images/edge-os-1.0.img\n      sha256: ${sha}\n  late-commands:\n    - curl -fsS "${http}/callback.txt?via=autoinstall&mac=\${mac}"\n  shutdown: reboot\n`,
  },
});

t.test('kickstart, preseed and autoinstall files served by dnsmasq + an HTTP directory', async (t) => {
  const dir = t.testdir();
  for (const d of ['images', 'ks', 'd-i', 'nocloud/bad']) mkdirSync(join(dir, d), { recursive: true });
  const image = randomBytes(256 * 1024);
  writeFileSync(join(dir, 'images', 'edge-os-1.0.img'), image);
  writeFileSync(join(dir, 'vmlinuz'), randomBytes(4096));
  writeFileSync(join(dir, 'initrd.img'), randomBytes(4096));
  writeFileSync(join(dir, 'callback.txt'), 'ok\n');
  const sha = createHash('sha256').update(image).digest('hex');

  const port = await tcpPort();
  const http = `http://127.0.0.1:${port}`;
  const accessLog = join(dir, 'access.log');
  const py = spawn('sh', ['-c', `exec python3 -u -m http.server --bind 127.0.0.1 --directory '${dir}' ${port} 2>'${accessLog}'`], { stdio: 'ignore' });
  t.teardown(() => void py.kill('SIGTERM'));
  for (let i = 0; i < 100 && !(await fetch(`${http}/callback.txt`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));

  const lab = checkLab({ sites: 2, nodesPerSite: 2 }, 1, 'lab', new Problems())!;
  const dhcpPort = await udpPair();
  const dnsmasq = await startDnsmasq({
    subnets: lab.sites.map((s) => ({ name: s.name, subnet: s.subnet, relay: s.relay, poolStart: s.poolStart, poolEnd: s.poolEnd })),
    biosBootFile: 'undionly.kpxe',
    uefiBootFile: 'ipxe.efi',
    ipxeScriptUrl: `${http}/boot.ipxe`,
    httpBootUrl: `${http}/ipxe.efi`,
    port: dhcpPort,
    tftpFiles: { 'ipxe.efi': randomBytes(70_000), 'undionly.kpxe': randomBytes(70_000) },
  });
  t.teardown(() => dnsmasq.stop());
  const opts = `dhcp=127.0.0.1:${dhcpPort},tftp=${dnsmasq.tftp.host}:${dnsmasq.tftp.port},relayPort=${dhcpPort},http=${http},dir=${dir},accessLog=${accessLog}`;

  for (const [kind, f] of Object.entries(FILES(http, sha))) {
    writeFileSync(join(dir, f.path), f.text);
    writeFileSync(join(dir, 'boot.ipxe'), `#!ipxe\nkernel ${http}/vmlinuz ${f.cmdline}\ninitrd ${http}/initrd.img\nboot\n`);
    const out = join(dir, `run-${kind}`);
    const r = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'sites=2', '--param', 'nodesPerSite=2', '--param', 'timeScale=0', '--target', TARGET, '--target-opt', opts, '--json', '--out', out], { timeoutMs: 180_000 });
    const events = readEvents<{ kind: string; node?: string; macs?: string[]; step?: string; detail?: string; message?: string }>(out);
    t.equal(r.code, 0, `${kind}: exit 0`, { stderr: r.stderr, failed: events.filter((e) => e.kind === 'node.failed') });
    t.match(JSON.parse(r.stdout || '{}'), { nodes: { total: 4, ready: 4, failed: 0 } }, `${kind}: every node ready`);
    const plans = events.filter((e) => e.kind === 'agent.step' && e.step === kind);
    t.equal(plans.length, 4, `${kind}: every node read the ${kind} file`);
    t.match(plans[0]?.detail, new RegExp(`image ${http}/images/edge-os-1.0.img, partitioning ${{ kickstart: 'autopart --type=plain', preseed: 'lvm on /dev/sda', autoinstall: 'direct' }[kind]}, 1 callback\\(s\\), then reboot`));
    const access = readFileSync(accessLog, 'utf8');
    for (const mac of events.filter((e) => e.kind === 'node.info').map((e) => e.macs![0]!)) {
      t.ok(access.includes(`GET /callback.txt?via=${kind}&mac=${mac}`), `${kind}: ${mac}'s post-install call reached the server`);
    }
  }

  // Files that cannot drive an install: the persona fails, naming the file and what is missing
  // (run directly against the same server; in a run the node would then retry until its timeout).
  const ctx = (cmdline: string) => ({
    node: { name: 'n1', site: 's', uuid: 'u', macs: ['02:00:00:00:00:01'], ip: '127.0.0.1' },
    cmdline,
    args: Object.fromEntries(cmdline.split(' ').map((w) => [w.split('=')[0]!, w.slice(w.indexOf('=') + 1)])),
    http: async (method: string, url: string) => {
      const res = await fetch(url, { method });
      return { status: res.status, headers: {}, body: Buffer.from(await res.arrayBuffer()) };
    },
    downloadImage: () => Promise.reject(new Error('not reached')),
    writeDisk: () => Promise.reject(new Error('not reached')),
    powerOff: async () => undefined,
    emit: () => undefined,
    phase: () => undefined,
    sleep: async () => undefined,
    signal: new AbortController().signal,
  });
  writeFileSync(join(dir, 'ks/noimage.ks'), 'text\nautopart\nreboot\n');
  writeFileSync(join(dir, 'd-i/nopart.cfg'), `d-i live-installer/net-image string ${http}/images/edge-os-1.0.img\n`);
  writeFileSync(join(dir, 'nocloud/bad/user-data'), 'autoinstall: [unclosed\n');
  const bad: [string, RegExp][] = [
    [`inst.ks=${http}/ks/noimage.ks`, /answer-file persona: http:.*\/ks\/noimage\.ks: kickstart: no 'liveimg --url=…' command/],
    [`url=${http}/d-i/nopart.cfg`, /preseed: no d-i partman-auto\/method \(partitioning\)/],
    [`autoinstall ds=nocloud-net;s=${http}/nocloud/bad/`, /nocloud\/bad\/user-data: autoinstall user-data: not YAML/],
    [`inst.ks=${http}/ks/missing.ks`, /kickstart file http:.*\/ks\/missing\.ks: HTTP 404/],
    ['quiet console=ttyS0', /the kernel cmdline names no answer file/],
  ];
  for (const [cmdline, err] of bad) {
    const outcome = await answerFilePersona.run(ctx(cmdline));
    t.match(outcome, { kind: 'failed', message: err }, `${cmdline}: failed with a reason`);
  }
});

import t from 'tap';
import { runIpxeScript, type IpxeHost } from '../../../../lab/proto/ipxe/ipxe-interpreter.ts';

const MAC = '52:54:00:ab:cd:ef';

/** A host whose HTTP server is a map of URL → body (string) or status. */
function host(files: Record<string, string | number>, extra: Record<string, string> = {}) {
  const log = { fetched: [] as string[], echoed: [] as string[], errors: [] as [string, string][], slept: [] as number[], dhcp: 0 };
  const h: IpxeHost = {
    vars: new Map(Object.entries({
      mac: MAC,
      'net0/mac': MAC,
      ip: '127.21.4.100',
      uuid: '8f0e4c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b',
      hostname: 'node-4-0',
      buildarch: 'x86_64',
      platform: 'efi',
      serial: 'SN123',
      manufacturer: 'Dell Inc.',
      product: 'PowerEdge R650',
      ...extra,
    })),
    async dhcp() {
      log.dhcp++;
      return true;
    },
    async fetch(url) {
      log.fetched.push(url);
      const f = files[url];
      if (f === undefined) return { status: 404, body: Buffer.from('not found') };
      if (typeof f === 'number') return { status: f, body: Buffer.alloc(0) };
      return { status: 200, body: Buffer.from(f) };
    },
    async sleep(ms) {
      log.slept.push(ms);
    },
    echo(text) {
      log.echoed.push(text);
    },
    error(code, message) {
      log.errors.push([code, message]);
    },
  };
  return { h, log };
}

// Ironic's boot.ipxe (as shipped in python3-ironic) and a rendered per-node config.
const IRONIC_BOOT = `#!ipxe

# NOTE(lucasagomes): Loop over all network devices and boot from
# the first one capable of booting.
set netid:int32 -1
:loop
inc netid || chain pxelinux.cfg/\${mac:hexhyp} || goto old_rom
isset \${net\${netid}/mac} || goto loop_done
echo Attempting to boot from MAC \${net\${netid}/mac:hexhyp}
chain pxelinux.cfg/\${net\${netid}/mac:hexhyp} || goto loop

echo Exiting pxe config to allow boot to continue on next device
exit 0

:loop_done
echo PXE boot failed! No configuration found for any of the present NICs.
echo Press any key to reboot...
prompt --timeout 180
reboot

:old_rom
echo PXE boot failed! No configuration found for NIC \${mac:hexhyp}.
prompt --timeout 180
reboot
`;

function ironicConfig(start: string) {
  return `#!ipxe

set attempts:int32 10
set i:int32 0

goto ${start}

:deploy
imgfree
kernel http://127.21.4.254:8080/deploy_kernel selinux=0 troubleshoot=0 text ipa-api-url=http://127.21.4.254:6385 BOOTIF=\${mac} initrd=deploy_ramdisk || goto retry

initrd http://127.21.4.254:8080/deploy_ramdisk || goto retry
boot

:retry
iseq \${i} \${attempts} && goto fail ||
inc i
echo No response, retrying in \${i} seconds.
sleep \${i}
goto deploy

:fail
echo Failed to get a response after \${attempts} attempts
echo Powering off in 30 seconds.
sleep 30
poweroff

:boot_whole_disk
sanboot --no-describe || exit 0
`;
}

const BASE = 'http://127.21.4.254:8080/';

t.test('Ironic boot.ipxe chains pxelinux.cfg/${mac:hexhyp} and boots the deploy kernel', async (t) => {
  const { h, log } = host({
    [`${BASE}pxelinux.cfg/52-54-00-ab-cd-ef`]: ironicConfig('deploy'),
    [`${BASE}deploy_kernel`]: 'K'.repeat(1000),
    [`${BASE}deploy_ramdisk`]: 'R'.repeat(5000),
  });
  const o = await runIpxeScript(IRONIC_BOOT, h, { baseUrl: `${BASE}boot.ipxe` });
  t.same(o, {
    kind: 'boot',
    kernel: { url: `${BASE}deploy_kernel`, bytes: 1000, args: `selinux=0 troubleshoot=0 text ipa-api-url=http://127.21.4.254:6385 BOOTIF=${MAC} initrd=deploy_ramdisk` },
    initrds: [{ url: `${BASE}deploy_ramdisk`, bytes: 5000, name: 'deploy_ramdisk' }],
  });
  t.ok(log.echoed.includes('Attempting to boot from MAC 52-54-00-ab-cd-ef'), 'nested ${net${netid}/mac:hexhyp}');
  t.same(log.errors, []);
});

t.test('Ironic boot_whole_disk: sanboot; no config for the MAC: loop ends and the timed-out prompt fails the script (as in iPXE)', async (t) => {
  const a = host({ [`${BASE}pxelinux.cfg/52-54-00-ab-cd-ef`]: ironicConfig('boot_whole_disk') });
  t.same(await runIpxeScript(IRONIC_BOOT, a.h, { baseUrl: `${BASE}boot.ipxe` }), { kind: 'sanboot', url: '' });
  const b = host({});
  t.same(await runIpxeScript(IRONIC_BOOT, b.h, { baseUrl: `${BASE}boot.ipxe` }), {
    kind: 'failed',
    code: 'FLEETLAB_ERR_IPXE_SCRIPT',
    message: 'line 18: prompt: no key pressed within 180 ms (the lab has no keyboard)',
  });
  t.same(await runIpxeScript('#!ipxe\nprompt --timeout 10 || reboot\n', host({}).h), { kind: 'exit', code: 0, reason: 'reboot' });
  t.ok(b.log.echoed.some((e) => /No configuration found for any of the present NICs/.test(e)), 'isset ${net1/mac} is false on a one-NIC node');
  t.same(b.log.slept, [180]);
});

t.test('Ironic retry loop: kernel 503s until attempts run out, then poweroff', async (t) => {
  const { h, log } = host({ [`${BASE}pxelinux.cfg/52-54-00-ab-cd-ef`]: ironicConfig('deploy'), [`${BASE}deploy_kernel`]: 503 });
  const o = await runIpxeScript(IRONIC_BOOT, h, { baseUrl: `${BASE}boot.ipxe` });
  t.same(o, { kind: 'exit', code: 0, reason: 'poweroff' });
  t.equal(log.fetched.filter((u) => u.endsWith('deploy_kernel')).length, 11);
  t.same(log.slept, [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 30000]);
});

// Tinkerbell smee's hook script shape: continuation lines, ;-separated retry chains, ${buildarch}.
const TINK = `#!ipxe

echo Loading the Tinkerbell Hook iPXE script...

set arch \${buildarch}
iseq \${arch} i386 && set arch x86_64 ||
iseq \${arch} arm64 && set arch aarch64 ||
set base-url http://127.21.4.254:8080/hook
set retries:int32 3
set retry_delay:int32 2
set worker_id \${mac}
set grpc_authority 127.21.4.254:42113

set idx:int32 0
:retry_kernel
kernel \${base-url}/vmlinuz-\${arch} \\
 facility=onprem syslog_host=127.21.4.254 grpc_authority=\${grpc_authority} tinkerbell_tls=false worker_id=\${worker_id} hw_addr=\${mac} \\
 modules=loop,squashfs,sd-mod,usb-storage initrd=initramfs-\${arch} console=tty0 && goto download_initrd || iseq \${idx} \${retries} && goto kernel-error || inc idx && echo retry in \${retry_delay} seconds ; sleep \${retry_delay} ; goto retry_kernel

:download_initrd
set idx:int32 0
:retry_initrd
initrd \${base-url}/initramfs-\${arch} && goto boot || iseq \${idx} \${retries} && goto initrd-error || inc idx && echo retry in \${retry_delay} seconds ; sleep \${retry_delay} ; goto retry_initrd

:boot
boot

:kernel-error
echo Failed to load kernel
imgfree
exit

:initrd-error
echo Failed to load initrd
imgfree
exit
`;

t.test('Tinkerbell hook script: continuation lines and retry chains', async (t) => {
  const { h } = host({ 'http://127.21.4.254:8080/hook/vmlinuz-x86_64': 'k', 'http://127.21.4.254:8080/hook/initramfs-x86_64': 'ii' });
  const o = await runIpxeScript(TINK, h, { baseUrl: 'http://127.21.4.254:8080/auto.ipxe' });
  t.equal(o.kind, 'boot');
  if (o.kind !== 'boot') return;
  t.equal(o.kernel.url, 'http://127.21.4.254:8080/hook/vmlinuz-x86_64');
  t.equal(
    o.kernel.args,
    `facility=onprem syslog_host=127.21.4.254 grpc_authority=127.21.4.254:42113 tinkerbell_tls=false worker_id=${MAC} hw_addr=${MAC} modules=loop,squashfs,sd-mod,usb-storage initrd=initramfs-x86_64 console=tty0`,
  );
  t.same(o.initrds, [{ url: 'http://127.21.4.254:8080/hook/initramfs-x86_64', bytes: 2, name: 'initramfs-x86_64' }]);
});

t.test('Tinkerbell retries then exits to the next boot device when the kernel never comes', async (t) => {
  const { h, log } = host({}, { buildarch: 'arm64' });
  const o = await runIpxeScript(TINK, h, { baseUrl: 'http://127.21.4.254:8080/auto.ipxe' });
  t.same(o, { kind: 'exit', code: 0, reason: 'exit' });
  t.equal(log.fetched.length, 4, 'first try + 3 retries');
  t.ok(log.fetched.every((u) => u.endsWith('vmlinuz-aarch64')));
  t.same(log.slept, [2000, 2000, 2000]);
  t.ok(log.echoed.includes('Failed to load kernel'));
});

t.test('variables: set/clear, ${mac:hexhyp}, ${net0/mac}, smbios aliases, unset expands empty', async (t) => {
  const { h, log } = host({});
  await runIpxeScript(
    `#!ipxe
echo \${mac} \${net0/mac} \${mac:hexhyp} \${net0/mac:hexhyp} \${mac:hexraw}
echo \${uuid} \${ip} \${net0/ip} \${hostname} \${buildarch} \${platform}
echo \${serial} \${smbios/serial} \${manufacturer} \${product}
set greeting hello world
echo [\${greeting}] [\${nothing}]
clear greeting
echo [\${greeting}]
`,
    h,
  );
  t.same(log.echoed, [
    `${MAC} ${MAC} 52-54-00-ab-cd-ef 52-54-00-ab-cd-ef 525400abcdef`,
    '8f0e4c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b 127.21.4.100 127.21.4.100 node-4-0 x86_64 efi',
    'SN123 SN123 Dell Inc. PowerEdge R650',
    '[hello world] []',
    '[]',
  ]);
});

t.test('goto/labels, iseq ||, isset &&, dhcp, echo -n, sleep, comments', async (t) => {
  const { h, log } = host({});
  const o = await runIpxeScript(
    `#!ipxe
# comment
dhcp
iseq \${platform} efi && goto efi || goto bios
:bios
echo bios
exit 3
:efi
echo -n efi # trailing comment
isset \${nope} && echo set || echo unset
sleep 2
exit 7
`,
    h,
  );
  t.same(o, { kind: 'exit', code: 7, reason: 'exit' });
  t.same(log.echoed, ['efi', 'unset']);
  t.equal(log.dhcp, 1);
  t.same(log.slept, [2000]);
});

t.test('unknown command: error event, script fails unless ||', async (t) => {
  const a = host({});
  const o = await runIpxeScript('#!ipxe\necho one\n\n\n\n\nfrobnicate now\necho never\n', a.h);
  t.same(o, { kind: 'failed', code: 'FLEETLAB_ERR_IPXE_UNKNOWN_COMMAND', message: 'line 7: unknown command frobnicate' });
  t.same(a.log.errors, [['FLEETLAB_ERR_IPXE_UNKNOWN_COMMAND', 'line 7: unknown command frobnicate']]);
  t.same(a.log.echoed, ['one']);
  const b = host({});
  t.same(await runIpxeScript('#!ipxe\nfrobnicate || echo tolerated\nexit 0\n', b.h), { kind: 'exit', code: 0, reason: 'exit' });
  t.same(b.log.echoed, ['tolerated']);
  t.equal(b.log.errors.length, 1);
});

t.test('chain: relative URLs against the chained script, kernel chain with args, --autofree/--replace', async (t) => {
  const { h } = host({
    'http://127.21.4.254/a/first.ipxe': '#!ipxe\nchain --autofree second.ipxe\n',
    'http://127.21.4.254/a/second.ipxe': '#!ipxe\nimgfetch --name initrd.img ../img/initrd.img\nchain --replace ../img/vmlinuz console=ttyS0 root=/dev/ram0\n',
    'http://127.21.4.254/img/initrd.img': 'iii',
    'http://127.21.4.254/img/vmlinuz': 'kkkk',
  });
  const o = await runIpxeScript('#!ipxe\nchain http://127.21.4.254/a/first.ipxe\n', h, { baseUrl: 'http://127.21.4.254/boot.ipxe' });
  t.same(o, {
    kind: 'boot',
    kernel: { url: 'http://127.21.4.254/img/vmlinuz', bytes: 4, args: 'console=ttyS0 root=/dev/ram0' },
    initrds: [{ url: 'http://127.21.4.254/img/initrd.img', bytes: 3, name: 'initrd.img' }],
  });
});

t.test('kernel + imgargs + module; boot without a kernel fails; sanboot url', async (t) => {
  const { h } = host({ 'http://s/k': 'k', 'http://s/m': 'mm' });
  const o = await runIpxeScript('#!ipxe\nkernel http://s/k a=1\nimgargs k b=2 BOOTIF=01-${mac:hexhyp}\nmodule http://s/m\nboot\n', h);
  t.same(o, { kind: 'boot', kernel: { url: 'http://s/k', bytes: 1, args: 'b=2 BOOTIF=01-52-54-00-ab-cd-ef' }, initrds: [{ url: 'http://s/m', bytes: 2, name: 'm' }] });
  t.match(await runIpxeScript('#!ipxe\nboot\n', host({}).h), { kind: 'failed', code: 'FLEETLAB_ERR_IPXE_SCRIPT', message: /^line 2: boot: no image selected/ });
  t.match(await runIpxeScript('#!ipxe\nimgfetch http://s/k\nboot\n', host({ 'http://s/k': 'k' }).h), { kind: 'failed', message: /^line 3: boot: no image selected/ }, 'imgfetch does not select');
  t.same(await runIpxeScript('#!ipxe\nsanboot --no-describe --drive 0x80 iscsi:127.21.4.254::::iqn.x\n', host({}).h), { kind: 'sanboot', url: 'iscsi:127.21.4.254::::iqn.x' });
  t.match(await runIpxeScript('#!ipxe\nkernel http://s/missing\n', host({}).h), { kind: 'failed', code: 'FLEETLAB_ERR_HTTP_FETCH', message: 'line 2: kernel http://s/missing: HTTP 404' });
  t.match(await runIpxeScript('#!ipxe\nkernel vmlinuz\n', host({}).h), { kind: 'failed', message: /cannot resolve 'vmlinuz'/ });
});

t.test('menu/item/choose picks the default, prompt times out, cpuid answers per arch', async (t) => {
  const { h, log } = host({});
  const o = await runIpxeScript(
    `#!ipxe
cpuid --ext 29 && set arch x86_64 || set arch i386
menu Boot menu
item --gap -- Choose
item local Boot from disk
item --default install Install \${arch}
choose --timeout 5000 target && goto \${target}
:local
exit 1
:install
prompt --key 0x02 --timeout 2000 Press Ctrl-B for shell && shell ||
echo installing \${arch}
exit 0
`,
    h,
  );
  t.same(o, { kind: 'exit', code: 0, reason: 'exit' });
  t.same(log.slept, [5000, 2000]);
  t.same(log.echoed, ['installing x86_64']);
  const b = host({}, { buildarch: 'i386' });
  await runIpxeScript('#!ipxe\ncpuid --ext 29 && echo 64 || echo 32\nmenu\nitem a A\nitem b B\nchoose x\necho ${x}\n', b.h);
  t.same(b.log.echoed, ['32', 'a']);
});

t.test('endless loops stop at maxSteps, deep chains at maxChain, non-scripts are refused', async (t) => {
  t.match(await runIpxeScript('#!ipxe\n:top\ngoto top\n', host({}).h, { maxSteps: 500 }), { kind: 'failed', message: /more than 500 commands/ });
  const { h } = host({ 'http://s/loop.ipxe': '#!ipxe\nchain loop.ipxe\n' });
  t.match(await runIpxeScript('#!ipxe\nchain http://s/loop.ipxe\n', h, { maxChain: 5 }), { kind: 'failed', message: /chain depth 5 exceeded/ });
  t.match(await runIpxeScript('DEFAULT linux\n', host({}).h), { kind: 'failed', code: 'FLEETLAB_ERR_IPXE_SCRIPT', message: /not an iPXE script/ });
  t.match(await runIpxeScript('#!ipxe\ngoto nowhere\n', host({}).h), { kind: 'failed', message: "line 2: goto: label 'nowhere' not found" });
});

t.test('a host that throws from fetch or dhcp fails the command, not the interpreter', async (t) => {
  const { h } = host({});
  h.fetch = () => Promise.reject(new Error('ECONNRESET'));
  h.dhcp = () => Promise.reject(new Error('DHCP timeout'));
  t.match(await runIpxeScript('#!ipxe\nchain http://s/x\n', h), { kind: 'failed', code: 'FLEETLAB_ERR_HTTP_FETCH', message: /ECONNRESET/ });
  t.match(await runIpxeScript('#!ipxe\ndhcp || exit 9\n', h), { kind: 'exit', code: 9 });
});

t.test('Digital Rebar style: ${netX/ip}.ipxe with tftp fallback, BOOTIF=01-${netX/mac:hexhyp}', async (t) => {
  const { h, log } = host({
    'tftp://127.21.4.254/127.21.4.100.ipxe': `#!ipxe
kernel http://127.21.4.254:8091/sledgehammer/vmlinuz0 rootflags=loop root=live:/sledgehammer.iso provisioner.web=http://127.21.4.254:8091 BOOTIF=01-\${netX/mac:hexhyp}
initrd http://127.21.4.254:8091/sledgehammer/stage1.img
boot
`,
    'http://127.21.4.254:8091/sledgehammer/vmlinuz0': 'k',
    'http://127.21.4.254:8091/sledgehammer/stage1.img': 'i',
  });
  const o = await runIpxeScript(
    '#!ipxe\nchain http://127.21.4.254:8091/${netX/ip}.ipxe && exit || goto chainip\n:chainip\nchain tftp://127.21.4.254/${netX/ip}.ipxe || exit\n',
    h,
    { baseUrl: 'http://127.21.4.254:8091/default.ipxe' },
  );
  t.match(o, { kind: 'boot', kernel: { args: /BOOTIF=01-52-54-00-ab-cd-ef$/ } });
  t.same(log.fetched.slice(0, 2), ['http://127.21.4.254:8091/127.21.4.100.ipxe', 'tftp://127.21.4.254/127.21.4.100.ipxe']);
});

t.test('iPXE details: && chains stop at a failure, ; always runs, empty || is a no-op, rc of skipped commands', async (t) => {
  const { h, log } = host({});
  const o = await runIpxeScript(
    `#!ipxe
iseq a b && echo never || echo first
echo x ; iseq 1 2 ; echo after-semicolon
isset \${nothing} ||
set n:int32 5
inc n 10
echo n=\${n}
iseq \${n} 15 && echo fifteen
iseq 1 2
echo unreachable
`,
    h,
  );
  t.same(log.echoed, ['first', 'x', 'after-semicolon', 'n=15', 'fifteen']);
  t.same(o, { kind: 'failed', code: 'FLEETLAB_ERR_IPXE_SCRIPT', message: "line 9: 'iseq 1 2' failed" });
});

t.test('a chained script that exits returns to its caller with the code', async (t) => {
  const { h, log } = host({ 'http://s/a.ipxe': '#!ipxe\necho in-a\nexit 0\n', 'http://s/b.ipxe': '#!ipxe\nexit 2\n' });
  const o = await runIpxeScript('#!ipxe\nchain a.ipxe\necho back\nchain b.ipxe || echo b-failed\nexit 4\n', h, { baseUrl: 'http://s/boot.ipxe' });
  t.same(o, { kind: 'exit', code: 4, reason: 'exit' });
  t.same(log.echoed, ['in-a', 'back', 'line 4: http://s/b.ipxe exited with code 2', 'b-failed']);
});

t.test('expansion is per token (iPXE expand_tokens): empty values stay arguments, blanks do not split', async (t) => {
  const { h, log } = host({});
  const o = await runIpxeScript(
    `#!ipxe
iseq \${nope} \${nada} && echo both-empty
set pair a b
iseq \${pair} \${pair} && echo pair-equal
isset \${pair} && echo pair-set
isset \${pair} \${pair} || echo two-values-rejected
sleep 1.5 || echo fractional-sleep-rejected
`,
    h,
  );
  t.same(o, { kind: 'exit', code: 0, reason: 'exit' });
  t.same(log.echoed.filter((e) => !e.startsWith('line ')), ['both-empty', 'pair-equal', 'pair-set', 'two-values-rejected', 'fractional-sleep-rejected']);
  t.ok(log.echoed.includes('line 6: isset: takes one value, got 2'));
});

t.test('labels may carry a command, goto resumes at the label line, CRLF and the strict #!ipxe probe', async (t) => {
  const { h, log } = host({});
  const o = await runIpxeScript('#!ipxe\r\nset n:int32 0\r\n:again inc n\r\necho n=${n}\r\niseq ${n} 3 || goto again\r\nexit 5\r\n', h);
  t.same(o, { kind: 'exit', code: 5, reason: 'exit' });
  t.same(log.echoed, ['n=1', 'n=2', 'n=3']);
  t.match(await runIpxeScript(' #!ipxe\necho x\n', host({}).h), { kind: 'failed', message: /not an iPXE script/ });
  t.match(await runIpxeScript('#!ipxe', host({}).h), { kind: 'failed', message: /not an iPXE script/ });
  t.same(await runIpxeScript('#!gpxe\nexit 1\n', host({}).h), { kind: 'exit', code: 1, reason: 'exit' });
});

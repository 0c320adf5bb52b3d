#!/bin/sh
# fleetlab boot payload init (PID 1 of the initramfs): the generic installer persona in shell.
#
#   PXE boot (cmdline: fleetlab.image=<url> fleetlab.sha256=<hex> fleetlab.callback=<url>)
#     agent ─▶ DHCP (udhcpc) ─▶ image: wget → tmpfs, hashed as it grows ─▶ dd /dev/vda@IMAGE_OFFSET
#           ─▶ verify ─▶ write metadata + boot region (syslinux FAT, last = commit)
#           ─▶ callback: POST JSON ─▶ reboot
#   Disk boot (syslinux on /dev/vda, cmdline fleetlab.mode=disk)
#     read metadata ─▶ hash the image on disk ─▶ FLEETLAB-READY image=<name>
#     ─▶ the "installed OS": DHCP (udhcpc) ─▶ /etc/fleetlab-image ─▶ dropbear (fresh ed25519 host
#        key, key logins only, the lab key in /root/.ssh/authorized_keys) ─▶ FLEETLAB-SSH ip=… fp=…
#
# Every phase prints one `FLEETLAB-<WORD> k=v ...` line on the serial port (ttyS0); the qemu
# node driver parses them into the same events sim nodes emit. Values never contain spaces.
# Disk layout (must match lab/nodes/qemu/boot-payload/disk-layout.ts):
#   [0, 16 MiB) boot region (FAT superfloppy + syslinux), [16 MiB, +4 KiB) metadata text,
#   [17 MiB, …) image bytes.
export PATH=/bin:/sbin
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /var/log /etc /mnt
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
/bin/busybox --install -s /bin
exec >/dev/ttyS0 2>&1 </dev/null

BOOT_MIB=16
META_MIB=16
IMAGE_MIB=17

mark() { echo "FLEETLAB-$*"; }
uptime_ms() { read -r up _ </proc/uptime; echo "${up%.*}${up#*.}0"; }
arg() { # value of a key=value kernel argument
  for w in $(cat /proc/cmdline); do case "$w" in "$1="*) echo "${w#*=}"; return;; esac; done
}
fail() { # phase code message
  mark "FAIL phase=$1 code=$2 msg=$(echo "$3" | tr ' ' '_')"
  sleep 2; poweroff -f
}

dhcp() { # vendor-class: lease eth0 (address, default route), the address in /tmp/ip
  ip link set lo up; ip link set eth0 up
  cat >/tmp/udhcpc.sh <<'S'
#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"; ip addr add "$ip/${mask:-24}" dev "$interface"
    for r in $router; do ip route add default via "$r" dev "$interface"; break; done
    echo "$ip" >/tmp/ip ;;
esac
S
  chmod +x /tmp/udhcpc.sh
  udhcpc -i eth0 -n -q -t 10 -T 2 -s /tmp/udhcpc.sh -V "$1" >/dev/null 2>&1
}
ssh_up() { # name sha256 bytes: the installed OS's network and SSH server (after READY)
  t0=$(uptime_ms)
  printf 'name=%s\nsha256=%s\nbytes=%s\n' "$1" "$2" "$3" >/etc/fleetlab-image
  dhcp fleetlab-os || { mark "SSH ok=0 msg=no_DHCP_lease_for_the_installed_OS"; return; }
  mkdir -p /dev/pts /var/run /var/log && mount -t devpts devpts /dev/pts 2>/dev/null
  chown -R 0:0 /root; chmod 700 /root /root/.ssh; chmod 600 /root/.ssh/authorized_keys
  hk=/etc/dropbear/dropbear_ed25519_host_key
  dropbearkey -t ed25519 -f $hk >/dev/null 2>&1 || { mark "SSH ok=0 msg=dropbearkey_failed"; return; }
  fp=$(dropbearkey -y -f $hk 2>/dev/null | sed -n 's/^Fingerprint: //p')
  # -s: no password logins; -E: log to stderr (kept in a file); forks once it listens.
  dropbear -r $hk -s -p 22 -P /var/run/dropbear.pid -E 2>>/var/log/dropbear.log || { mark "SSH ok=0 msg=dropbear_did_not_start"; return; }
  mark "SSH ip=$(cat /tmp/ip) port=22 fp=$fp ms=$(( $(uptime_ms) - t0 )) ok=1"
}

mark "PHASE boot"
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net virtio_blk evdev; do
  insmod /lib/modules/$m.ko 2>/dev/null
done
# ACPI power button (system_powerdown / BMC soft-off) → poweroff.
mkdir -p /etc/acpi/PWRF && printf '#!/bin/sh\npoweroff -f\n' >/etc/acpi/PWRF/00000080 && chmod +x /etc/acpi/PWRF/00000080
acpid -l /var/log/acpid.log 2>/dev/null
i=0; while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done

if [ "$(arg fleetlab.mode)" = disk ]; then
  meta=$(dd if=/dev/vda bs=1M skip=$META_MIB count=1 2>/dev/null | head -c 4096 | tr -d '\000')
  name=$(echo "$meta" | sed -n 's/^name=//p'); want=$(echo "$meta" | sed -n 's/^sha256=//p'); bytes=$(echo "$meta" | sed -n 's/^bytes=//p')
  [ -n "$bytes" ] || fail disk-boot FLEETLAB_ERR_BOOT_NO_DEVICE "no fleetlab metadata on /dev/vda"
  # Copy to tmpfs then hash (pipes are slow under TCG, see the image phase).
  dd if=/dev/vda of=/tmp/img bs=1M skip=$IMAGE_MIB count=$(( (bytes + 1048575) / 1048576 )) 2>/dev/null
  truncate -s "$bytes" /tmp/img
  got=$(sha256sum /tmp/img | cut -d' ' -f1); rm -f /tmp/img
  ok=0; [ "$got" = "$want" ] && ok=1
  mark "READY image=$name sha256=$got bytes=$bytes ok=$ok"
  [ $ok = 1 ] && ssh_up "$name" "$got" "$bytes"
  while true; do sleep 3600; done
fi

mark "PHASE agent"
image=$(arg fleetlab.image); want=$(arg fleetlab.sha256); callback=$(arg fleetlab.callback)
name=$(arg fleetlab.name); [ -n "$name" ] || name=$(arg fleetlab.imagename); [ -n "$name" ] || { name=${image##*/}; name=${name%%\?*}; name=${name%.*}; }
[ -n "$image" ] || fail agent FLEETLAB_ERR_AGENT "no fleetlab.image on the kernel command line"
mac=$(cat /sys/class/net/eth0/address 2>/dev/null)
uuid=$(cat /sys/class/dmi/id/product_uuid 2>/dev/null)
t0=$(uptime_ms)
dhcp fleetlab-installer || fail agent FLEETLAB_ERR_DHCP_TIMEOUT "installer DHCP got no lease"
mark "DHCP ip=$(cat /tmp/ip) ms=$(( $(uptime_ms) - t0 ))"

mark "PHASE image url=$image"
t0=$(uptime_ms)
# Blank the boot sector first: a half-written disk must never boot.
dd if=/dev/zero of=/dev/vda bs=512 count=1 conv=fsync 2>/dev/null
# Download to tmpfs and hash the file *while it grows*, 1 MiB per pipe write: small pipe writes
# between busybox processes are ~5x slower than reading a file under TCG (16 MiB: 12 s vs 2.3 s),
# but one write per MiB is cheap, and on a shaped WAN the hash then finishes with the download
# instead of adding ~1 s of guest CPU after it. Images must fit in guest RAM (-m, default 256 MiB).
rm -f /tmp/img /tmp/dl.done; : >/tmp/img
( timeout 1800 wget -q -O /tmp/img "$image"; echo "$(uptime_ms)" >/tmp/dl.part; mv /tmp/dl.part /tmp/dl.done ) &
MIB=1048576
i=0
while :; do
  size=$(stat -c %s /tmp/img)
  if [ $(( (i + 1) * MIB )) -le "$size" ]; then
    dd if=/tmp/img bs=$MIB skip=$i count=1 2>/dev/null; i=$((i + 1))
  elif [ -f /tmp/dl.done ]; then
    # wget is done: whatever is left (less than a MiB, or blocks not yet read) goes in one read.
    [ $(( i * MIB )) -lt "$(stat -c %s /tmp/img)" ] && dd if=/tmp/img bs=$MIB skip=$i 2>/dev/null
    break
  else
    sleep 0.2
  fi
done | sha256sum >/tmp/sum 2>/dev/null
t1=$(cat /tmp/dl.done)
bytes=$(stat -c %s /tmp/img 2>/dev/null | tr -dc 0-9); [ -n "$bytes" ] || bytes=0
got=$(cut -d' ' -f1 /tmp/sum)
t2=$(uptime_ms)
ok=0; [ "$bytes" -gt 0 ] && { [ -z "$want" ] || [ "$got" = "$want" ]; } && ok=1
status=ok; code=
if [ $ok = 1 ]; then
  printf 'FLEETLAB-DISK v1\nname=%s\nsha256=%s\nbytes=%s\nurl=%s\n' "$name" "$got" "$bytes" "$image" >/tmp/meta
  dd if=/tmp/img of=/dev/vda bs=1M seek=$IMAGE_MIB conv=fsync 2>/dev/null
  dd if=/tmp/meta of=/dev/vda bs=1M seek=$META_MIB conv=fsync 2>/dev/null
  dd if=/boot/diskboot.img of=/dev/vda bs=1M conv=fsync 2>/dev/null
  sync
  rm -f /tmp/img
else
  status=failed; code=FLEETLAB_ERR_IMAGE_CHECKSUM; [ "$bytes" -gt 0 ] || code=FLEETLAB_ERR_HTTP_FETCH
fi
t3=$(uptime_ms)
# download / verify / write split: the fidelity bench compares the network-bound part with the sim tier.
mark "IMAGE url=$image bytes=$bytes ms=$(( t3 - t0 )) download_ms=$(( t1 - t0 )) verify_ms=$(( t2 - t1 )) write_ms=$(( t3 - t2 )) sha256=$got ok=$ok"

if [ -n "$callback" ]; then
  mark "PHASE callback"
  body="{\"mac\":\"$mac\",\"uuid\":\"$uuid\",\"image\":\"$name\",\"url\":\"$image\",\"sha256\":\"$got\",\"bytes\":$bytes,\"status\":\"$status\",\"code\":\"$code\"}"
  timeout 120 wget -S -q -O /dev/null --header 'Content-Type: application/json' --post-data "$body" "$callback" 2>/tmp/cb.log
  st=$(sed -n 's/^ *HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' /tmp/cb.log | tail -n1)
  mark "CALLBACK url=$callback status=${st:-0}"
fi
[ $ok = 1 ] || fail image "$code" "image sha256 $got does not match $want (bytes $bytes)"
mark "PHASE reboot"
sleep 0.2
reboot -f

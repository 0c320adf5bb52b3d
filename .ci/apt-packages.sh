#!/usr/bin/env bash
# Debian packages the test suite uses: real clients as oracles (ipmitool, freeipmi, redfishtool,
# python3-sushy), real servers under test (dnsmasq, kea, ironic), chromium for report rendering,
# qemu + iPXE + busybox (+ dropbear-bin for the image's SSH server and the SSH client tests,
# openssh-client for ssh-keygen, openssl for the test account's password hash) for the qemu tier, iproute2/nftables for namespaces, podman + runc for the
# container target (an independent JSON Schema validator, python3-jsonschema, checks fleetlab schema).
set -euo pipefail
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  ipmitool freeipmi-tools redfishtool python3-sushy wrk tcpdump socat \
  dnsmasq-base kea-dhcp4-server kea-admin \
  chromium \
  qemu-system-x86 qemu-utils ipxe-qemu busybox-static cpio iproute2 nftables \
  dropbear-bin openssh-client openssl \
  python3-ironic python3-ironicclient python3-pyghmi python3-jsonschema \
  podman runc \
  >/tmp/fleetlab-apt.log 2>&1 || { tail -50 /tmp/fleetlab-apt.log; exit 1; }
# kubectl for the Kubernetes manifest checks: Debian's kubernetes-client, unless a kubectl is
# already installed (some images ship google-cloud-cli's kubectl, which owns the same path).
command -v kubectl >/dev/null || apt-get install -y -qq --no-install-recommends kubernetes-client >>/tmp/fleetlab-apt.log 2>&1 || { tail -20 /tmp/fleetlab-apt.log; exit 1; }

#!/usr/bin/env bash
# Installs the Debian packages Drover's tests and benchmarks use, when any is missing.
# Idempotent and quick when everything is there. Needs root (CI and the dev machines are root).
set -euo pipefail
need=()
command -v dockerd >/dev/null || need+=(docker.io)
[ -x /bin/busybox ] || command -v busybox >/dev/null || need+=(busybox-static)
command -v docker-registry >/dev/null || need+=(docker-registry)
# htpasswd (bcrypt) for the test registry with authentication.
command -v htpasswd >/dev/null || need+=(apache2-utils)
command -v nats-server >/dev/null || need+=(nats-server)
command -v ip >/dev/null || need+=(iproute2)
command -v curl >/dev/null || need+=(curl)
# The dashboard's browser tests drive Debian's Chromium (puppeteer-core downloads no browser).
[ -x /usr/lib/chromium/chromium ] || command -v chromium >/dev/null || need+=(chromium)
# `drover install` tests check the units it writes with systemd-analyze verify.
command -v systemd-analyze >/dev/null || need+=(systemd)
# The firmware image's disk tools: test/firmware-images/grow-root.test.ts builds a small image
# (mkfs.vfat + mtools, mkfs.ext4, sfdisk) and grows its root partition with growpart.
command -v mkfs.vfat >/dev/null || need+=(dosfstools)
command -v mcopy >/dev/null || need+=(mtools)
command -v sfdisk >/dev/null || need+=(fdisk)
command -v growpart >/dev/null || need+=(cloud-guest-utils)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! command -v kubectl >/dev/null; then
  echo "kubectl is missing: it is the compatibility client the API tests use (expected preinstalled on this machine kind)" >&2
  exit 1
fi

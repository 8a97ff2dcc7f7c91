#!/usr/bin/env bash
# Host tools the image build and the image test use (Debian packages), and qemu-user for arm64
# through binfmt_misc (mounted here when the machine has not). Idempotent; needs root.
set -euo pipefail
need=()
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v qemu-aarch64-static >/dev/null || need+=(qemu-user-static)
command -v update-binfmts >/dev/null || need+=(binfmt-support)
command -v mcopy >/dev/null || need+=(mtools)
command -v mkfs.vfat >/dev/null || need+=(dosfstools)
command -v sfdisk >/dev/null || need+=(fdisk)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
command -v zstd >/dev/null || need+=(zstd)
command -v arch-test >/dev/null || need+=(arch-test)
# The initramfs run uses the host's builds of the file tools (rootfs/initramfs.sh).
command -v kmod >/dev/null || need+=(kmod)
command -v cpio >/dev/null || need+=(cpio)
command -v patchelf >/dev/null || need+=(patchelf)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Containers often start without binfmt_misc mounted: mount it, then register qemu-aarch64
# with the F flag (the interpreter is opened now, so it works inside a chroot too).
if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  update-binfmts --enable qemu-aarch64
fi

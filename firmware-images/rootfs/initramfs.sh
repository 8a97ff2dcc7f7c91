#!/bin/sh
# The image's one initramfs, made by its own initramfs-tools (update-initramfs -c, so the Pi
# firmware's post-update hook copies it to /boot/firmware), without emulating the file work.
#
# Why: under qemu-user every exec translates its program anew, and mkinitramfs with MODULES=most
# runs several per kernel module (cp, mkdir, modinfo for ~900 modules): 20-45 min a run on the
# shared 2-core machine, and the bootstrap ran it twice (the kernel's postinst, then
# initramfs-tools' trigger). So the bootstrap diverts update-initramfs (divert.sh) and this runs
# it once, with the host's own builds of the same Debian bookworm tools (dash, coreutils,
# findutils, grep, sed, kmod, cpio, zstd) bound over the image's for the run. They act on files
# only; whatever goes INTO the initramfs (busybox, kmod, udev, libraries) is still copied from the
# image's arm64 tree, and ldd/ldconfig stay the image's (emulated). The host binaries get their
# own loader and libraries under /run/drover-native (patchelf), so nothing lands in the image's
# /lib64 (mkinitramfs mirrors every /lib* directory of the root into the initramfs).
#
# $1: the root directory being built (run by customize.sh on the host, as root).
set -eu
root="$1"
native=/run/drover-native
host_native="$root$native"
mounts=""
created=""

cleanup() {
  for m in $mounts; do umount "$m"; done
  for f in $created; do rm -f "$f"; done
  rm -rf "$host_native"
}
trap cleanup EXIT INT TERM

# Tools mkinitramfs, hook-functions and the hooks run per file or per module; each must exist on
# the host (firmware-images/install-deps.sh). modinfo and depmod are kmod (argv[0] selects).
TOOLS="dash cp mkdir dirname basename readlink realpath ln rm rmdir mv cat touch chmod stat mktemp ls head tail wc cut tr sort env sha1sum find xargs grep sed cpio zstd"
KMOD_TOOLS="modinfo depmod"

mkdir -p "$host_native/bin" "$host_native/lib"
cp -L /lib64/ld-linux-x86-64.so.2 "$host_native/lib/"
add_native() { # $1: host binary, $2: name under $native/bin
  cp -L "$1" "$host_native/bin/$2"
  ldd "$1" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p' | while read -r lib; do
    [ -e "$host_native/lib/${lib##*/}" ] || cp -L "$lib" "$host_native/lib/"
  done
  # DT_RPATH (not RUNPATH) so it also serves the libraries' own dependencies.
  patchelf --set-interpreter "$native/lib/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$native/lib" \
    "$host_native/bin/$2"
}
bind_over() { # $1: native binary name, $2: path in the image
  if [ ! -e "$root$2" ]; then
    : >"$root$2"
    created="$root$2 $created"
  fi
  mount --bind -o ro "$host_native/bin/$1" "$root$2"
  mounts="$root$2 $mounts"
}

for t in $TOOLS; do
  add_native "$(command -v "$t")" "$t"
  # Only tools the image has: the image's own PATH lookups must find the same names.
  [ -e "$root/usr/bin/$t" ] && bind_over "$t" "/usr/bin/$t"
done
# /sbin/modprobe stays the image's (hook-functions calls it by absolute path, and the kmod
# hook copies /bin/kmod into the initramfs). mkinitramfs sets PATH=/usr/bin:/sbin:/bin, so a
# modinfo/depmod in /usr/bin (none there in the image) is found before the image's /sbin ones.
for t in $KMOD_TOOLS; do
  add_native "$(command -v kmod)" "$t"
  bind_over "$t" "/usr/bin/$t"
done

# Undo the bootstrap's diversion, then the one real run.
rm -f "$root/usr/sbin/update-initramfs"
chroot "$root" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs
for dir in "$root"/lib/modules/*; do
  chroot "$root" update-initramfs -c -k "${dir##*/}"
done

#!/bin/sh
# mmdebstrap essential hook (before the image's packages are installed): update-initramfs is
# diverted to a stub, so neither the kernel's postinst nor initramfs-tools' trigger runs
# mkinitramfs under qemu; customize.sh makes the one initramfs at the end (initramfs.sh).
# $1 is the root directory being built.
set -eu
root="$1"
chroot "$root" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs
printf '#!/bin/sh\necho "update-initramfs: deferred to the end of the image bootstrap (firmware-images/rootfs/initramfs.sh)" >&2\n' \
  >"$root/usr/sbin/update-initramfs"
chmod 755 "$root/usr/sbin/update-initramfs"

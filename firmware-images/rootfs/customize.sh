#!/bin/sh
# mmdebstrap customize hook (runs once per bootstrap; its result is cached): the parts of the
# root file system that do not depend on the agent. $1 is the root directory being built.
set -eu
root="$1"
here="$(dirname "$0")"

# Files that are the same on every image (fstab by label, DHCP on wired Ethernet).
cp -a "$here/base/." "$root/"

# The Pi firmware's kernel hook writes cmdline.txt from /etc/default/raspi-firmware: root by
# label, serial console on the Pi 3/4 UART plus HDMI. Kept in the file so kernel upgrades on
# the board write the same.
cat >>"$root/etc/default/raspi-firmware" <<'CONF'

# Drover image
ROOTPART=LABEL=drover-root
CONSOLES="ttyS1,115200 tty0"
CONF
# The one initramfs (update-initramfs was diverted during the bootstrap, divert.sh); its
# post-update hook then fills /boot/firmware: kernel, initrd, device trees, config.txt and
# cmdline.txt from the settings above.
sh "$here/initramfs.sh" "$root"

# Networking and time by systemd; Docker starts at boot (its package enables it already).
for unit in systemd-networkd.service systemd-resolved.service systemd-timesyncd.service ssh.service docker.service; do
  chroot "$root" systemctl enable "$unit"
done

# Every board must get its own identity: no machine-id or SSH host keys baked into the image
# (systemd makes the machine-id at first boot; drover-firstboot makes the host keys).
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id" "$root"/etc/ssh/ssh_host_*
# Log in with keys only (drover.json sshAuthorizedKeys); root has no password.
printf 'PasswordAuthentication no\n' >"$root/etc/ssh/sshd_config.d/drover.conf"
# journald keeps logs on the card, bounded.
mkdir -p "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=persistent\nSystemMaxUse=64M\n' >"$root/etc/systemd/journald.conf.d/drover.conf"

// What each --board puts on the FAT boot partition. All boards share one root file system
// (and one bootstrap cache); only the boot partition differs.

export type BoardName = 'rpi4' | 'rpi5' | 'generic';

export interface Board {
  name: BoardName;
  /** How the board's firmware finds the kernel (for the README and the manifest). */
  boot: string;
  /** Why the board cannot be built from Debian bookworm packages, when it cannot. */
  unsupported?: string;
  /** The boot partition holds the Raspberry Pi firmware files, config.txt and cmdline.txt. */
  raspiFirmware: boolean;
  /** The boot partition holds extlinux/extlinux.conf (U-Boot's distro boot). */
  extlinux: boolean;
}

export const BOARDS: Record<BoardName, Board> = {
  rpi4: {
    name: 'rpi4',
    boot: 'Raspberry Pi firmware (raspi-firmware) loads the Debian kernel and initrd named in config.txt; also boots the Pi 3 and Pi 400/CM4',
    raspiFirmware: true,
    extlinux: false,
  },
  rpi5: {
    name: 'rpi5',
    boot: 'Raspberry Pi 5 EEPROM',
    // Debian bookworm's kernel (6.1) ships no bcm2712 device tree and raspi-firmware
    // 1.20220830 predates the Pi 5: an image built from Debian packages only would not boot.
    unsupported:
      "the Raspberry Pi 5 needs a bcm2712 device tree, which Debian bookworm's kernel (6.1) and raspi-firmware do not ship; build --board rpi4 (Pi 3/4/400/CM4) or --board generic",
    raspiFirmware: true,
    extlinux: false,
  },
  generic: {
    name: 'generic',
    boot: "U-Boot distro boot: extlinux/extlinux.conf on the boot partition names the Debian kernel, initrd and the device trees of Debian's arm64 kernel",
    raspiFirmware: false,
    extlinux: true,
  },
};

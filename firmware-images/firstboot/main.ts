// drover-firstboot: runs FIRSTBOOT_STEPS in order; bundled into the image as
// /usr/lib/drover/firstboot.mjs and run by drover-firstboot.service on Debian's Node 18.
// A bad or missing drover.json is one log line and exit 1: systemd retries (Restart=on-failure).

import { pathToFileURL } from 'node:url';
import { BoardConfigError } from '../config/board-config.js';
import { type FirstbootContext, FIRSTBOOT_STEPS } from './steps.js';

export async function firstboot(log: (line: string) => void): Promise<number> {
  const ctx: FirstbootContext = { log };
  for (const step of FIRSTBOOT_STEPS) {
    try {
      await step.run(ctx);
    } catch (e) {
      if (e instanceof BoardConfigError) log(`bad board config: ${e.message}; retrying`);
      else log(`step "${step.name}" failed: ${(e as Error).message}; retrying`);
      return 1;
    }
  }
  log('first boot done');
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // journald stamps time and unit; one plain line per event.
  firstboot((line) => process.stdout.write(`drover-firstboot: ${line}\n`)).then((code) => process.exit(code));
}

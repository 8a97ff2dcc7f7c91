#!/usr/bin/env node
// `npm run test:image`: builds the arm64 image (the Debian bootstrap comes from the cache when
// its inputs did not change) and runs the image test on it, all within a time budget
// (DROVER_IMAGE_TEST_BUDGET_S, default 60 min: from a cold cache the whole run took 51 min on
// the shared 2-core machine, niced, at load 23-40; README "Flash a board"). Ends with the plain
// line `N passed, N failed` like `npm test`.
import { spawn, spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const BUDGET_S = Number(process.env.DROVER_IMAGE_TEST_BUDGET_S ?? 60 * 60);
const deadline = Date.now() + BUDGET_S * 1000;
const left = () => Math.max(1, deadline - Date.now());

function step(name, cmd, args) {
  const t0 = Date.now();
  process.stdout.write(`== ${name}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', timeout: left() });
  if (r.status !== 0) {
    console.log(
      `${name} failed (${r.error?.code === 'ETIMEDOUT' ? `over the ${BUDGET_S} s budget` : `exit ${r.status}`})`,
    );
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  console.log(`== ${name}: ${Math.round((Date.now() - t0) / 1000)} s`);
}

step('host tools (firmware-images/install-deps.sh)', 'bash', ['firmware-images/install-deps.sh']);
step('test environment', 'bash', ['scripts/test-env.sh']);
step('build (tsc)', 'npx', ['tsc', '-p', 'tsconfig.json']);
step('agent bundle', process.execPath, ['scripts/bundle-agent.mjs']);
step('image (arm64, rpi4)', process.execPath, [
  'dist/firmware-images/build/main.js',
  '--arch',
  'arm64',
  '--board',
  'rpi4',
  '--keep-rootfs',
  // The test unpacks nothing from the .zst: a fast level (the default 12 took 9 min at load 30).
  '--zstd-level',
  '3',
]);

const t0 = Date.now();
const child = spawn(process.execPath, ['dist/test/firmware-images/image.itest.js'], {
  cwd: root,
  env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', DROVER_TEST: '1' },
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
let out = '';
child.stdout.on('data', (d) => {
  out += d;
  process.stdout.write(d);
});
const timer = setTimeout(() => {
  console.log(`image test over the ${BUDGET_S} s budget: killed`);
  process.kill(-child.pid, 'SIGKILL');
}, left());
child.on('exit', (code) => {
  clearTimeout(timer);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes (ESC [ ... m)
  const clean = out.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(clean)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(clean)?.[1] ?? 0);
  const failed = code === 0 && total > 0 ? total - passed : Math.max(1, total - passed);
  console.log(`== image test: ${Math.round((Date.now() - t0) / 1000)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
});

// A Docker Engine of the test's own whose data root is a small tmpfs: image GC and disk
// pressure can fill it without touching the shared engine (whose images other tests and
// engineers use). No bridge network (host networking only), no iptables. stop() ends the
// daemon by its pid and unmounts everything it mounted under its directory.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { waitFor } from './wait.js';

export interface PrivateDocker {
  socket: string;
  /** The tmpfs holding the daemon's data root. */
  root: string;
  sizeBytes: number;
  docker: Docker;
  /** Runs the docker CLI against this daemon. */
  cli(args: string[], input?: Buffer): Buffer;
  stop(): Promise<void>;
}

export async function startPrivateDocker(sizeMiB: number): Promise<PrivateDocker> {
  const dir = mkdtempSync('/tmp/dpd-'); // short: the socket path is limited to 108 bytes
  const root = join(dir, 'root');
  const exec = join(dir, 'exec');
  mkdirSync(root);
  mkdirSync(exec);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', root]);
  const socket = join(dir, 'd.sock');
  // A bridge of its own: dockerd started with --bridge=none deletes the host's docker0
  // (removeDefaultBridgeInterface), which broke every later container of the shared engine.
  const bridge = `dpd${process.pid % 100000}`;
  execFileSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  execFileSync('ip', ['addr', 'add', '10.213.77.1/24', 'dev', bridge]);
  const proc = spawn(
    'dockerd',
    [
      '--data-root',
      root,
      '--exec-root',
      exec,
      '-H',
      `unix://${socket}`,
      '--pidfile',
      join(dir, 'd.pid'),
      `--bridge=${bridge}`,
      '--iptables=false',
      '--ip-masq=false',
      '--storage-driver=overlay2',
    ],
    { stdio: ['ignore', 'ignore', 'ignore'], detached: true },
  );
  const docker = new Docker({ socketPath: socket });
  const cli = (args: string[], input?: Buffer) =>
    execFileSync('docker', ['-H', `unix://${socket}`, ...args], { input, maxBuffer: 64 * 1024 * 1024 });
  const stop = async () => {
    if (proc.exitCode === null) {
      // Its containers are killed first: dockerd's own shutdown stops each running one with a
      // grace (a pod's `sleep` as pid 1 ignores SIGTERM), which kept image-gc's after hook
      // waiting ~10 s for nothing.
      const left = await docker.listContainers({ all: true }).catch(() => []);
      await Promise.all(
        left.map((c) =>
          docker
            .getContainer(c.Id)
            .remove({ force: true })
            .catch(() => {}),
        ),
      );
      proc.kill('SIGTERM');
      await waitFor(() => proc.exitCode !== null || proc.signalCode !== null, {
        timeoutMs: 20_000,
        what: 'private dockerd exit',
      }).catch(() => proc.kill('SIGKILL'));
    }
    // Deepest first: netns bind mounts under exec, then the tmpfs.
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1])
      .filter((m) => m?.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) {
      try {
        execFileSync('umount', [m]);
      } catch {
        execFileSync('umount', ['-l', m]);
      }
    }
    rmSync(dir, { recursive: true, force: true });
    try {
      execFileSync('ip', ['link', 'del', bridge]);
    } catch {
      // already gone
    }
  };
  try {
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`dockerd exited with ${proc.exitCode}`);
        if (!existsSync(socket)) return false;
        return docker.version().then(
          () => true,
          () => false,
        );
      },
      { timeoutMs: 30_000, what: 'private dockerd answering' },
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { socket, root, sizeBytes: sizeMiB * 1024 * 1024, docker, cli, stop };
}

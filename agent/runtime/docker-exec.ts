// An interactive exec on Docker (kubectl exec): the exec is created with the asked streams,
// started hijacked (one raw socket carries stdin one way and the output the other way), and
// its output demultiplexed into stdout/stderr unless it has a TTY. stdin's end is the socket's
// half-close, which the daemon turns into end-of-file for the process.
import type Dockerode from 'dockerode';
import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import type { ExecSession, ExecStreamOptions } from './runtime.js';

/** Between checks of an exec whose streams ended but whose exit code is not recorded yet, ms. */
const EXIT_POLL_MS = 20;
/** Give up waiting for the daemon to record the exit code after the streams ended, ms. */
const EXIT_RECORD_TIMEOUT_MS = 10_000;

/** The exec's streams ended but the daemon never recorded an exit code. */
export class ExecExitUnknownError extends Error {
  override name = 'ExecExitUnknownError';
}

const ended = (s: NodeJS.ReadableStream) =>
  new Promise<void>((resolve) => {
    s.once('end', resolve);
    s.once('close', resolve);
    s.once('error', () => resolve());
  });

export async function dockerExecStream(
  docker: Dockerode,
  containerId: string,
  o: ExecStreamOptions,
): Promise<ExecSession> {
  const ex = await docker.getContainer(containerId).exec({
    Cmd: o.cmd,
    AttachStdin: o.stdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: o.tty,
  });
  const socket = (await ex.start({ hijack: true, stdin: o.stdin, Tty: o.tty })) as Duplex;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  if (o.tty) {
    socket.pipe(stdout);
    stderr.end();
  } else {
    docker.modem.demuxStream(socket, stdout, stderr);
    socket.once('end', () => {
      stdout.end();
      stderr.end();
    });
  }
  socket.once('close', () => {
    stdout.end();
    stderr.end();
  });
  socket.on('error', () => {
    stdout.end();
    stderr.end();
  });
  const outputDone = Promise.all([ended(stdout), ended(stderr)]);
  let stdinClosed = !o.stdin;
  return {
    stdout,
    stderr,
    write(data) {
      if (!stdinClosed && socket.writable) socket.write(data);
    },
    closeStdin() {
      if (stdinClosed) return;
      stdinClosed = true;
      socket.end();
    },
    async resize(width, height) {
      if (o.tty) await ex.resize({ w: width, h: height });
    },
    async exitCode() {
      await outputDone;
      const deadline = Date.now() + EXIT_RECORD_TIMEOUT_MS;
      for (;;) {
        const st = await ex.inspect();
        if (!st.Running && st.ExitCode !== null) return st.ExitCode;
        if (Date.now() >= deadline)
          throw new ExecExitUnknownError(
            `exec in ${containerId}: no exit code recorded after its output ended`,
          );
        await new Promise((r) => setTimeout(r, EXIT_POLL_MS));
      }
    },
    close() {
      stdinClosed = true;
      socket.destroy();
    },
  };
}

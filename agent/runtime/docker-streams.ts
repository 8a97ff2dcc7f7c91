// Docker's log and exec streams: demultiplexed (non-TTY streams carry 8-byte frame headers)
// into one text stream, with a way to stop following.
import type Dockerode from 'dockerode';
import { PassThrough, Readable } from 'node:stream';
import type { LogStream } from './runtime.js';

/** Pipes `src` into one PassThrough, demultiplexing unless the container has a TTY. */
export function demuxed(docker: Dockerode, src: NodeJS.ReadableStream, tty: boolean): LogStream {
  const out = new PassThrough();
  const readable = src as Readable;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    readable.destroy();
    out.end();
  };
  if (tty) readable.on('data', (c: Buffer) => out.write(c));
  else docker.modem.demuxStream(readable, out, out);
  readable.on('end', stop);
  readable.on('close', stop);
  readable.on('error', (err) => {
    stopped = true;
    out.destroy(err);
  });
  // A consumer that destroys the stream also stops the follow on the daemon's side.
  out.on('close', () => {
    if (!stopped) {
      stopped = true;
      readable.destroy();
    }
  });
  return { stream: out, stop };
}

/** Docker answers a non-follow log request with one buffer; make it a stream like the follow case. */
export function bufferStream(b: Buffer): NodeJS.ReadableStream {
  return Readable.from([b]);
}

/** Collects a stream into a string of at most capBytes; resolves on end. */
export function collect(stream: Readable, capBytes: number): { done: Promise<void>; text(): string } {
  const chunks: Buffer[] = [];
  let size = 0;
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => {
      if (size >= capBytes) return;
      const part = c.subarray(0, capBytes - size);
      chunks.push(part);
      size += part.length;
    });
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  return { done, text: () => Buffer.concat(chunks).toString('utf8') };
}

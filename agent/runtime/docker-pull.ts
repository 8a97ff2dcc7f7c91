// Image pull through the Docker Engine: progress events summed over layers, failures classified.
import type Dockerode from 'dockerode';
import type { Readable } from 'node:stream';
import { dockerFailure, isUnavailable } from './docker-errors.js';
import { ImagePullError, type ImagePullFailure, RuntimeUnavailableError } from './errors.js';
import { normalizeImageRef } from './image-ref.js';
import type { PullProgress, RegistryAuth } from './runtime.js';

/** Why a pull failed, from the daemon's message (the registry's reason is only in the text). */
export function classifyPullError(message: string): ImagePullFailure {
  const m = message.toLowerCase();
  if (
    /unauthorized|authentication required|no basic auth credentials|incorrect username or password/.test(m)
  ) {
    return 'unauthorized';
  }
  if (/not found|manifest unknown|repository does not exist|no such image|name unknown/.test(m))
    return 'not-found';
  if (/denied|forbidden/.test(m)) return 'unauthorized';
  if (
    /connection refused|no such host|dial tcp|i\/o timeout|network is unreachable|tls handshake|timeout|connection reset|server gave http response|eof/.test(
      m,
    )
  ) {
    return 'unreachable';
  }
  return 'unknown';
}

interface DockerPullEvent {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/** Turns the daemon's per-layer events into PullProgress with byte totals over all layers. */
export class ProgressSum {
  private readonly layers = new Map<string, { current: number; total: number }>();

  next(ev: DockerPullEvent): PullProgress {
    const out: PullProgress = { status: ev.status ?? '' };
    if (ev.id && ev.status !== undefined && !ev.status.startsWith('Pulling from')) out.layer = ev.id;
    const d = ev.progressDetail;
    if (ev.id && ev.status === 'Downloading' && d?.total) {
      this.layers.set(ev.id, { current: d.current ?? 0, total: d.total });
    } else if (ev.id && ev.status === 'Download complete') {
      const l = this.layers.get(ev.id);
      if (l) l.current = l.total;
    }
    if (this.layers.size > 0) {
      let current = 0;
      let total = 0;
      for (const l of this.layers.values()) {
        current += l.current;
        total += l.total;
      }
      out.current = current;
      out.total = total;
      out.percent = total > 0 ? Math.min(100, Math.floor((100 * current) / total)) : undefined;
    }
    return out;
  }
}

function fail(image: string, endpoint: string, err: unknown): Error {
  const f = dockerFailure(err);
  if (isUnavailable(f)) return new RuntimeUnavailableError(endpoint, `${f.code}: ${f.message}`);
  return new ImagePullError(image, classifyPullError(f.message), f.message);
}

/** Pulls `ref`; resolves when the daemon reports the end of the pull. */
export async function dockerPull(
  docker: Dockerode,
  endpoint: string,
  ref: string,
  opts: { auth?: RegistryAuth; stallTimeoutMs: number },
  onProgress?: (ev: PullProgress) => void,
): Promise<void> {
  const image = normalizeImageRef(ref);
  let stream: Readable;
  try {
    stream = (await docker.createImage(opts.auth ?? {}, { fromImage: image })) as Readable;
  } catch (err) {
    throw fail(ref, endpoint, err);
  }
  const sum = new ProgressSum();
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        stream.destroy();
        reject(err);
      } else resolve();
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => finish(new ImagePullError(ref, 'unreachable', `no progress for ${opts.stallTimeoutMs} ms`)),
        opts.stallTimeoutMs,
      );
    };
    arm();
    stream.on('data', (chunk: Buffer) => {
      arm();
      buf += chunk.toString('utf8');
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
        if (!line) continue;
        let ev: DockerPullEvent;
        try {
          ev = JSON.parse(line) as DockerPullEvent;
        } catch {
          continue;
        }
        if (ev.error) return finish(new ImagePullError(ref, classifyPullError(ev.error), ev.error));
        try {
          onProgress?.(sum.next(ev));
        } catch {
          // a failing progress listener must not break the pull
        }
      }
    });
    stream.on('error', (err) => finish(fail(ref, endpoint, err)));
    stream.on('end', () => finish());
    stream.on('close', () => finish());
  });
}

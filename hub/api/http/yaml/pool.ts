// YAML decoding off the API's event loop: one worker thread, a bounded queue and a time budget
// per body (issue #14: a 1.5 MiB YAML body costs the yaml library seconds of CPU, and heartbeats,
// watches and every other request wait behind it on the main thread). A body over its budget
// or over the worker's memory cap ends the worker (a fresh one takes the next job) and is
// answered 400; a full queue is answered 429. kubectl itself always sends JSON.

import { Worker } from 'node:worker_threads';
import { parseJsonBounded } from '../../../../shared/codec/json-depth.js';
import { BadRequestError, TooManyRequestsError } from '../../errors.js';
import type { YamlDecodeLimits } from './decode.js';
import type { YamlJob, YamlReply } from './worker.js';

export interface YamlPoolOptions extends YamlDecodeLimits {
  /** Wall time one body may take in the worker, ms. */
  timeoutMs: number;
  /** Bodies waiting for the worker before new ones get 429. */
  maxQueue: number;
  /** The worker's old-generation heap cap, MiB. */
  maxHeapMb: number;
}

interface Pending {
  job: YamlJob;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class YamlDecodePool {
  private worker: Worker | undefined;
  private current: (Pending & { timer: NodeJS.Timeout }) | undefined;
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly o: YamlPoolOptions) {}

  decode(text: string): Promise<unknown> {
    if (this.closed) return Promise.reject(new BadRequestError('the API server is stopping'));
    if (this.queue.length >= this.o.maxQueue)
      return Promise.reject(
        new TooManyRequestsError(
          `${this.queue.length} YAML bodies are waiting to be decoded; retry, or send JSON (kubectl does)`,
        ),
      );
    const { maxDepth, maxAliasCount, maxJsonChars } = this.o;
    return new Promise((resolve, reject) => {
      this.queue.push({
        job: { id: this.nextId++, text, limits: { maxDepth, maxAliasCount, maxJsonChars } },
        resolve,
        reject,
      });
      this.pump();
    });
  }

  /** Ends the worker; waiting bodies are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new BadRequestError('the API server is stopping'));
    this.finish(new BadRequestError('the API server is stopping'));
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private spawn(): Worker {
    const w = new Worker(new URL('./worker.js', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: this.o.maxHeapMb },
    });
    w.unref();
    w.on('message', (r: YamlReply) => {
      const cur = this.current;
      if (!cur || cur.job.id !== r.id) return;
      if (!r.result.ok) this.finish(new BadRequestError(r.result.message));
      else if (r.result.json === undefined) this.finish(undefined, undefined);
      else {
        try {
          this.finish(undefined, parseJsonBounded(r.result.json, this.o.maxDepth));
        } catch {
          this.finish(
            new BadRequestError(
              `the YAML body nests deeper than ${this.o.maxDepth} levels once its aliases are expanded`,
            ),
          );
        }
      }
    });
    // A worker over its heap cap ends with ERR_WORKER_OUT_OF_MEMORY; only this body is refused.
    w.on('error', (e) => this.fail(w, `decoding the YAML body failed: ${e.message}`));
    w.on('exit', () => this.fail(w, 'decoding the YAML body ended the decoder'));
    return w;
  }

  private fail(w: Worker, message: string): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    this.finish(new BadRequestError(message));
  }

  private pump(): void {
    if (this.current || this.closed) return;
    const next = this.queue.shift();
    if (!next) return;
    if (!this.worker) this.worker = this.spawn();
    const timer = setTimeout(() => {
      const w = this.worker;
      this.worker = undefined;
      this.finish(
        new BadRequestError(
          `decoding the YAML body took longer than ${this.o.timeoutMs} ms; send JSON (kubectl does) or a smaller body`,
        ),
      );
      void w?.terminate();
    }, this.o.timeoutMs);
    this.current = { ...next, timer };
    this.worker.postMessage(next.job);
  }

  private finish(err: Error | undefined, value?: unknown): void {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    clearTimeout(cur.timer);
    if (err) cur.reject(err);
    else cur.resolve(value);
    this.pump();
  }
}

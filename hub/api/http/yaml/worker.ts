// The YAML decode worker: one job at a time from the pool (./pool.ts), answered by id.

import { parentPort } from 'node:worker_threads';
import { decodeYaml, type YamlDecodeLimits, type YamlDecodeResult } from './decode.js';

export interface YamlJob {
  id: number;
  text: string;
  limits: YamlDecodeLimits;
}
export interface YamlReply {
  id: number;
  result: YamlDecodeResult;
}

parentPort?.on('message', (job: YamlJob) => {
  let result: YamlDecodeResult;
  try {
    result = decodeYaml(job.text, job.limits);
  } catch (e) {
    result = { ok: false, message: `error decoding the request body as YAML: ${(e as Error).message}` };
  }
  parentPort?.postMessage({ id: job.id, result } satisfies YamlReply);
});

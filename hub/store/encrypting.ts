// Encryption at rest for chosen key prefixes (Secrets), as kube-apiserver's aesgcm transformer:
// the stored value is `k8s:enc:aesgcm:v1:<key name>:` + base64(nonce | ciphertext | tag), with
// the storage key as additional authenticated data (a value copied under another key does not
// decrypt). Callers see plain JSON; the store file never holds it. Values written before
// encryption was on (plain JSON) are read as they are and encrypted on their next write.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKey } from './encryption-keys.js';
import type {
  KeyValue,
  ListOptions,
  ListResult,
  Store,
  StoreEvent,
  WatchOptions,
  Watcher,
  WriteHints,
} from './store.js';

const PREFIX = 'k8s:enc:aesgcm:v1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A stored value names a key this hub does not have, or fails authentication. */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

export class AesGcmTransformer {
  private readonly byName: Map<string, Buffer>;

  constructor(private readonly keys: EncryptionKey[]) {
    this.byName = new Map(keys.map((k) => [k.name, k.secret]));
  }

  static isEncrypted(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  /** The key name a stored value was encrypted with (undefined for plain values). */
  static keyNameOf(value: string): string | undefined {
    if (!value.startsWith(PREFIX)) return undefined;
    return value.slice(PREFIX.length, value.indexOf(':', PREFIX.length));
  }

  encrypt(storageKey: string, plain: string): string {
    const k = this.keys[0]!;
    const nonce = randomBytes(NONCE_BYTES);
    const c = createCipheriv('aes-256-gcm', k.secret, nonce);
    c.setAAD(Buffer.from(storageKey));
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return `${PREFIX}${k.name}:${Buffer.concat([nonce, body, c.getAuthTag()]).toString('base64')}`;
  }

  decrypt(storageKey: string, stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const name = AesGcmTransformer.keyNameOf(stored) ?? '';
    const secret = this.byName.get(name);
    if (!secret)
      throw new DecryptionError(`${storageKey}: encrypted with key "${name}", which this hub does not have`);
    const raw = Buffer.from(stored.slice(PREFIX.length + name.length + 1), 'base64');
    try {
      const d = createDecipheriv('aes-256-gcm', secret, raw.subarray(0, NONCE_BYTES));
      d.setAAD(Buffer.from(storageKey));
      d.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([d.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), d.final()]).toString(
        'utf8',
      );
    } catch {
      throw new DecryptionError(`${storageKey}: value does not authenticate with key "${name}"`);
    }
  }
}

/** A Store that encrypts values under `prefixes` on the way in and decrypts them on the way out. */
export class EncryptingStore implements Store {
  constructor(
    private readonly inner: Store,
    private readonly transformer: AesGcmTransformer,
    private readonly prefixes: string[],
  ) {}

  private covered(key: string): boolean {
    return this.prefixes.some((p) => key.startsWith(p));
  }

  private in(key: string, value: string): string {
    return this.covered(key) ? this.transformer.encrypt(key, value) : value;
  }

  private out<T extends KeyValue | undefined>(kv: T): T {
    if (!kv || !this.covered(kv.key)) return kv;
    return { ...kv, value: this.transformer.decrypt(kv.key, kv.value) };
  }

  revision(): Promise<number> {
    return this.inner.revision();
  }

  async get(key: string): Promise<KeyValue | undefined> {
    return this.out(await this.inner.get(key));
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    const r = await this.inner.list(prefix, opts);
    return { ...r, items: r.items.map((kv) => this.out(kv)) };
  }

  async create(key: string, value: string, hints?: WriteHints): Promise<KeyValue> {
    return { ...(await this.inner.create(key, this.in(key, value), hints)), value };
  }

  async update(
    key: string,
    value: string,
    expectedModRevision?: number,
    hints?: WriteHints,
  ): Promise<KeyValue> {
    return { ...(await this.inner.update(key, this.in(key, value), expectedModRevision, hints)), value };
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.out(await this.inner.delete(key, expectedModRevision));
  }

  watch(prefix: string, onEvent: (ev: StoreEvent) => void, opts?: WatchOptions): Promise<Watcher> {
    return this.inner.watch(
      prefix,
      (ev) => onEvent({ ...ev, kv: this.out(ev.kv), ...(ev.prev ? { prev: this.out(ev.prev) } : {}) }),
      opts,
    );
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  compactedRevision(): Promise<number> {
    return this.inner.compactedRevision();
  }

  snapshot(path: string): Promise<void> {
    return this.inner.snapshot(path);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

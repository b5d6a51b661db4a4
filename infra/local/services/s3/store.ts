/**
 * Objects on disk under `<root>/buckets/<bucket>/`: for each key a metadata file named by the
 * SHA-256 of the key (keys may hold any characters) and a data file with a unique name. A write
 * lands atomically: the data file is renamed into place, then the metadata file is replaced by
 * rename, then the previous data file is removed — a reader sees the old object or the new one,
 * never a mix. Writes to one key are serialised in this process.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChecksumAlgorithm } from './checksums.ts';

export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  /** base64 digest; composite checksums end in `-<parts>`. */
  value: string;
  type: 'FULL_OBJECT' | 'COMPOSITE';
}

export interface ObjectMeta {
  key: string;
  size: number;
  /** Quoted, as S3 sends it: `"<md5>"` or `"<md5 of part md5s>-<parts>"`. */
  etag: string;
  /** Lowercase hex SHA-256 of the whole object (computed here; S3 itself does not expose it). */
  sha256: string;
  contentType: string;
  lastModified: string;
  checksum?: StoredChecksum;
  /** `x-amz-meta-*` user metadata, names without the prefix. */
  metadata: Record<string, string>;
  /** Object tags (`x-amz-tagging`, PutObjectTagging); lifecycle rules filter on them. */
  tags?: Record<string, string>;
  partsCount?: number;
  /** Data file name inside the bucket's `data/` folder. */
  dataFile: string;
}

export class ObjectStore {
  readonly #root: string;
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(root: string, buckets: string[]) {
    this.#root = root;
    mkdirSync(join(root, 'tmp'), { recursive: true });
    for (const b of buckets) mkdirSync(join(root, 'buckets', b, 'data'), { recursive: true });
  }

  /** A fresh temporary path on the same file system as the store (so rename is atomic). */
  tmpPath(): string {
    return join(this.#root, 'tmp', `${Date.now()}-${randomBytes(8).toString('hex')}`);
  }

  dataPath(bucket: string, meta: ObjectMeta): string {
    return join(this.#root, 'buckets', bucket, 'data', meta.dataFile);
  }

  async head(bucket: string, key: string): Promise<ObjectMeta | undefined> {
    try {
      return JSON.parse(await readFile(this.#metaPath(bucket, key), 'utf8')) as ObjectMeta;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Moves a finished temporary file into place as `key`. */
  async put(bucket: string, key: string, tmpFile: string, meta: Omit<ObjectMeta, 'key' | 'dataFile' | 'lastModified'>): Promise<ObjectMeta> {
    return this.#serial(bucket, key, async () => {
      const previous = await this.head(bucket, key);
      const full: ObjectMeta = { ...meta, key, lastModified: new Date().toISOString(), dataFile: `${hashKey(key)}.${randomBytes(8).toString('hex')}` };
      await rename(tmpFile, this.dataPath(bucket, full));
      const metaTmp = this.tmpPath();
      await writeFile(metaTmp, JSON.stringify(full));
      await rename(metaTmp, this.#metaPath(bucket, key));
      if (previous) await rm(this.dataPath(bucket, previous), { force: true });
      return full;
    });
  }

  /** Replaces an object's tags (the data and last-modified time stay); false when there is no object. */
  async setTags(bucket: string, key: string, tags: Record<string, string>): Promise<boolean> {
    return this.#serial(bucket, key, async () => {
      const meta = await this.head(bucket, key);
      if (!meta) return false;
      const metaTmp = this.tmpPath();
      await writeFile(metaTmp, JSON.stringify({ ...meta, tags }));
      await rename(metaTmp, this.#metaPath(bucket, key));
      return true;
    });
  }

  async delete(bucket: string, key: string): Promise<void> {
    await this.#serial(bucket, key, async () => {
      const previous = await this.head(bucket, key);
      await rm(this.#metaPath(bucket, key), { force: true });
      if (previous) await rm(this.dataPath(bucket, previous), { force: true });
    });
  }

  /** Every object of a bucket, sorted by key (UTF-8 byte order, as S3 lists). */
  async list(bucket: string): Promise<ObjectMeta[]> {
    const dir = join(this.#root, 'buckets', bucket);
    const names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
    const metas = await Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as ObjectMeta));
    return metas.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }

  #metaPath(bucket: string, key: string): string {
    return join(this.#root, 'buckets', bucket, `${hashKey(key)}.json`);
  }

  async #serial<T>(bucket: string, key: string, fn: () => Promise<T>): Promise<T> {
    const id = `${bucket}/${key}`;
    const prev = this.#locks.get(id) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(fn);
    this.#locks.set(id, next);
    try {
      return await next;
    } finally {
      if (this.#locks.get(id) === next) this.#locks.delete(id);
    }
  }
}

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

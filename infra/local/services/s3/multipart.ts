/**
 * Multipart uploads on disk under `<root>/uploads/<uploadId>/`: the upload's description and each
 * part's bytes and metadata. Completing checks the client's part list as S3 does (order, ETags,
 * the 5 MiB minimum for all but the last part), concatenates the parts into a temporary file and
 * hands it to the object store; the ETag and a composite checksum are derived from the parts'.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { digestOf, type ChecksumAlgorithm } from './checksums.ts';
import { s3Errors } from './errors.ts';
import type { ReceivedBody } from './body.ts';
import type { ObjectMeta, ObjectStore } from './store.ts';
import type { CompletedPartRef } from './xml.ts';

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;
export const MAX_PARTS = 10_000;

export interface UploadInfo {
  uploadId: string;
  bucket: string;
  key: string;
  contentType: string;
  metadata: Record<string, string>;
  tags?: Record<string, string>;
  checksumAlgorithm?: ChecksumAlgorithm;
  initiated: string;
  initiator: string;
}

export interface PartInfo {
  partNumber: number;
  size: number;
  etag: string;
  md5: string;
  sha256: string;
  checksum?: string;
  lastModified: string;
}

export class MultipartUploads {
  readonly #root: string;

  constructor(
    root: string,
    private readonly store: ObjectStore,
  ) {
    this.#root = join(root, 'uploads');
    mkdirSync(this.#root, { recursive: true });
  }

  async create(info: Omit<UploadInfo, 'uploadId' | 'initiated'>): Promise<UploadInfo> {
    const upload: UploadInfo = { ...info, uploadId: randomBytes(24).toString('base64url'), initiated: new Date().toISOString() };
    mkdirSync(join(this.#dir(upload.uploadId), 'parts'), { recursive: true });
    await writeFile(join(this.#dir(upload.uploadId), 'upload.json'), JSON.stringify(upload));
    return upload;
  }

  async get(bucket: string, key: string, uploadId: string): Promise<UploadInfo> {
    if (!/^[A-Za-z0-9_-]+$/.test(uploadId)) throw s3Errors.noSuchUpload(uploadId);
    try {
      const u = JSON.parse(await readFile(join(this.#dir(uploadId), 'upload.json'), 'utf8')) as UploadInfo;
      if (u.bucket === bucket && u.key === key) return u;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    throw s3Errors.noSuchUpload(uploadId);
  }

  /** Stores a received part (replacing an earlier upload of the same number). */
  async putPart(upload: UploadInfo, partNumber: number, tmpFile: string, body: ReceivedBody): Promise<PartInfo> {
    if (upload.checksumAlgorithm && body.checksum?.algorithm !== upload.checksumAlgorithm) {
      await rm(tmpFile, { force: true });
      throw s3Errors.invalidRequest(`The upload was created using a ${upload.checksumAlgorithm.toLowerCase()} checksum. The part must carry the same checksum.`);
    }
    const part: PartInfo = {
      partNumber,
      size: body.size,
      etag: `"${body.md5}"`,
      md5: body.md5,
      sha256: body.sha256,
      checksum: body.checksum?.value,
      lastModified: new Date().toISOString(),
    };
    const base = join(this.#dir(upload.uploadId), 'parts', String(partNumber));
    await rename(tmpFile, `${base}.bin`);
    await writeFile(`${base}.json.tmp`, JSON.stringify(part));
    await rename(`${base}.json.tmp`, `${base}.json`);
    return part;
  }

  async parts(upload: UploadInfo): Promise<PartInfo[]> {
    const dir = join(this.#dir(upload.uploadId), 'parts');
    const names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
    const parts = await Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as PartInfo));
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async complete(upload: UploadInfo, refs: CompletedPartRef[]): Promise<ObjectMeta> {
    if (refs.length === 0) throw s3Errors.malformedXml();
    const stored = new Map((await this.parts(upload)).map((p) => [p.partNumber, p]));
    const chosen: PartInfo[] = [];
    for (const [i, ref] of refs.entries()) {
      if (i > 0 && ref.partNumber <= refs[i - 1]!.partNumber) throw s3Errors.invalidPartOrder();
      const part = stored.get(ref.partNumber);
      if (!part || unquote(ref.etag) !== part.md5) throw s3Errors.invalidPart();
      // As S3 does: a checksum named for a part must be the one the part was stored with.
      for (const [alg, value] of Object.entries(ref.checksums ?? {})) {
        if (alg !== upload.checksumAlgorithm || value !== part.checksum) throw s3Errors.invalidPart();
      }
      chosen.push(part);
    }
    if (chosen.slice(0, -1).some((p) => p.size < MIN_PART_SIZE)) throw s3Errors.entityTooSmall();

    const tmp = this.store.tmpPath();
    const sha256 = createHash('sha256');
    const out = createWriteStream(tmp, { flags: 'wx' });
    try {
      for (const p of chosen) {
        for await (const chunk of createReadStream(join(this.#dir(upload.uploadId), 'parts', `${p.partNumber}.bin`)) as AsyncIterable<Buffer>) {
          sha256.update(chunk);
          if (!out.write(chunk)) await once(out, 'drain');
        }
      }
      out.end();
      await once(out, 'finish');
    } catch (e) {
      out.destroy();
      await rm(tmp, { force: true });
      throw e;
    }
    const n = chosen.length;
    const etag = `"${createHash('md5')
      .update(Buffer.concat(chosen.map((p) => Buffer.from(p.md5, 'hex'))))
      .digest('hex')}-${n}"`;
    const alg = upload.checksumAlgorithm;
    const checksum = alg
      ? { algorithm: alg, type: 'COMPOSITE' as const, value: `${(await digestOf(alg, Buffer.concat(chosen.map((p) => Buffer.from(p.checksum ?? '', 'base64'))))).toString('base64')}-${n}` }
      : undefined;
    const meta = await this.store.put(upload.bucket, upload.key, tmp, {
      size: chosen.reduce((s, p) => s + p.size, 0),
      etag,
      sha256: sha256.digest('hex'),
      contentType: upload.contentType,
      metadata: upload.metadata,
      ...(upload.tags ? { tags: upload.tags } : {}),
      checksum,
      partsCount: n,
    });
    await this.abort(upload.uploadId);
    return meta;
  }

  async abort(uploadId: string): Promise<void> {
    await rm(this.#dir(uploadId), { recursive: true, force: true });
  }

  #dir(uploadId: string): string {
    return join(this.#root, uploadId);
  }
}

const unquote = (s: string) => s.replace(/^"|"$/g, '').replace(/^&quot;|&quot;$/g, '');

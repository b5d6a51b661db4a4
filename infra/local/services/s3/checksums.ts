/**
 * The flexible checksums S3 accepts (`x-amz-checksum-<algorithm>`, base64 of the digest), computed
 * while a body streams. SHA-256 and MD5 are always computed: the store keeps the first, the ETag
 * is the second.
 */
import { createHash, type Hash } from 'node:crypto';
import { Crc32, Crc32c, Crc64Nvme } from '@aws-sdk/checksums/crc';

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
export const CHECKSUM_ALGORITHMS: ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

interface Digest {
  update(data: Uint8Array): void;
  digest(): Promise<Uint8Array> | Uint8Array | Buffer;
}

function nodeHash(h: Hash): Digest {
  return { update: (d) => void h.update(d), digest: () => h.digest() };
}

function digestFor(alg: ChecksumAlgorithm): Digest {
  switch (alg) {
    case 'SHA256':
      return nodeHash(createHash('sha256'));
    case 'SHA1':
      return nodeHash(createHash('sha1'));
    case 'CRC32':
      return new Crc32();
    case 'CRC32C':
      return new Crc32c();
    case 'CRC64NVME':
      return new Crc64Nvme();
  }
}

export function parseAlgorithm(v: string | undefined): ChecksumAlgorithm | undefined {
  const up = v?.toUpperCase();
  return CHECKSUM_ALGORITHMS.find((a) => a === up);
}

export const checksumHeader = (alg: ChecksumAlgorithm) => `x-amz-checksum-${alg.toLowerCase()}`;

/** Hashes a stream's bytes: sha256 (hex), md5 (hex) and optionally one flexible checksum (base64). */
export class BodyDigests {
  readonly #sha256 = createHash('sha256');
  readonly #md5 = createHash('md5');
  readonly #extra?: Digest;
  size = 0;

  constructor(readonly algorithm?: ChecksumAlgorithm) {
    if (algorithm && algorithm !== 'SHA256') this.#extra = digestFor(algorithm);
  }

  update(chunk: Uint8Array): void {
    this.size += chunk.length;
    this.#sha256.update(chunk);
    this.#md5.update(chunk);
    this.#extra?.update(chunk);
  }

  async finish(): Promise<{ size: number; sha256: Buffer; md5: Buffer; checksum?: string }> {
    const sha256 = this.#sha256.digest();
    const md5 = this.#md5.digest();
    let checksum: string | undefined;
    if (this.algorithm === 'SHA256') checksum = sha256.toString('base64');
    else if (this.#extra) checksum = Buffer.from(await this.#extra.digest()).toString('base64');
    return { size: this.size, sha256, md5, checksum };
  }
}

/** One-shot digest of a buffer with a flexible-checksum algorithm (composite checksums). */
export async function digestOf(alg: ChecksumAlgorithm, data: Uint8Array): Promise<Buffer> {
  const d = digestFor(alg);
  d.update(data);
  return Buffer.from(await d.digest());
}

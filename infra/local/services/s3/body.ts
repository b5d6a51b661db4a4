/**
 * Receives a request body into a temporary file while hashing it, then checks it against every
 * claim the (already verified) signature covers: the payload hash, the declared lengths, a
 * `Content-MD5`, and a flexible checksum from a header, the presigned query or an aws-chunked
 * trailer. Nothing reaches the store unless all of them hold.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { AwsChunkedDecoder } from './chunked.ts';
import { BodyDigests, checksumHeader, parseAlgorithm, CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from './checksums.ts';
import { s3Errors } from './errors.ts';
import { header } from './sigv4.ts';

export interface ReceivedBody {
  size: number;
  sha256: string;
  md5: string;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

export interface BodyClaims {
  /** The signed `x-amz-content-sha256` value. */
  payloadHash: string;
  /** Decoded query parameters (presigned URLs may carry `x-amz-checksum-*` there). */
  query: Map<string, string>;
  maxBytes: number;
}

export async function receiveBody(req: IncomingMessage, tmpPath: string, claims: BodyClaims): Promise<ReceivedBody> {
  const h = (n: string) => header(req.headers, n);
  const encodings = (h('content-encoding') ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const streaming = claims.payloadHash.startsWith('STREAMING-');
  const chunked = streaming || encodings.includes('aws-chunked');
  if (streaming && claims.payloadHash !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') {
    throw s3Errors.notImplemented(`x-amz-content-sha256: ${claims.payloadHash} (signed chunks)`);
  }
  const contentLength = h('content-length');
  if (contentLength === undefined && h('transfer-encoding') === undefined) throw s3Errors.missingContentLength();
  const decodedLength = h('x-amz-decoded-content-length');
  if (chunked && decodedLength === undefined) throw s3Errors.missingContentLength();
  const expectedSize = chunked ? Number(decodedLength) : contentLength !== undefined ? Number(contentLength) : undefined;
  if (expectedSize !== undefined && !(Number.isSafeInteger(expectedSize) && expectedSize >= 0)) throw s3Errors.invalidArgument('Invalid content length', 'Content-Length', String(expectedSize));
  if (expectedSize !== undefined && expectedSize > claims.maxBytes) throw s3Errors.entityTooLarge(claims.maxBytes);

  // Which flexible checksum is claimed, and where its value comes from.
  const trailerName = h('x-amz-trailer')?.toLowerCase();
  let algorithm: ChecksumAlgorithm | undefined;
  let claimedChecksum: string | undefined;
  for (const alg of CHECKSUM_ALGORITHMS) {
    const v = h(checksumHeader(alg)) ?? claims.query.get(checksumHeader(alg));
    if (v !== undefined) {
      if (algorithm) throw s3Errors.invalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
      algorithm = alg;
      claimedChecksum = v;
    }
  }
  if (trailerName) {
    const alg = parseAlgorithm(trailerName.replace(/^x-amz-checksum-/, ''));
    if (!alg || !chunked) throw s3Errors.invalidRequest(`The value specified in the x-amz-trailer header is not supported: ${trailerName}`);
    if (algorithm) throw s3Errors.invalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
    algorithm = alg;
  }
  const sdkAlg = h('x-amz-sdk-checksum-algorithm') ?? claims.query.get('x-amz-sdk-checksum-algorithm');
  if (sdkAlg !== undefined) {
    const named = parseAlgorithm(sdkAlg);
    if (!named) throw s3Errors.invalidArgument('Value for x-amz-sdk-checksum-algorithm header is invalid.', 'x-amz-sdk-checksum-algorithm', sdkAlg);
    if (algorithm && named !== algorithm) throw s3Errors.invalidRequest('Value for x-amz-sdk-checksum-algorithm header is invalid.');
    algorithm ??= named;
  }

  const digests = new BodyDigests(algorithm);
  const rawHash = !chunked && /^[0-9a-f]{64}$/.test(claims.payloadHash) ? new BodyDigests() : undefined;
  const decoder = chunked ? new AwsChunkedDecoder() : undefined;
  const out = createWriteStream(tmpPath, { flags: 'wx' });
  const write = async (b: Buffer) => {
    digests.update(b);
    if (digests.size > claims.maxBytes) throw s3Errors.entityTooLarge(claims.maxBytes);
    if (!out.write(b)) await once(out, 'drain');
  };
  try {
    let ended = false;
    req.once('end', () => (ended = true));
    for await (const raw of req as AsyncIterable<Buffer>) {
      if (decoder) {
        for (const b of decoder.push(raw)) await write(b);
      } else {
        rawHash?.update(raw);
        await write(raw);
      }
    }
    out.end();
    await once(out, 'finish');
    if (!ended || req.readableAborted) throw s3Errors.incompleteBody();
    if (decoder && !decoder.complete) throw s3Errors.incompleteBody();
    if (decoder?.signedChunks) throw s3Errors.notImplemented('signed aws-chunked payloads');

    const got = await digests.finish();
    if (expectedSize !== undefined && got.size !== expectedSize) throw s3Errors.incompleteBody();
    if (rawHash) {
      const actual = (await rawHash.finish()).sha256.toString('hex');
      if (actual !== claims.payloadHash) throw s3Errors.contentSha256Mismatch(claims.payloadHash, actual);
    }
    const md5 = h('content-md5');
    if (md5 !== undefined && md5 !== got.md5.toString('base64')) throw s3Errors.badDigest('The Content-MD5 you specified did not match what we received.');
    if (trailerName) claimedChecksum = decoder?.trailers.get(trailerName);
    if (algorithm && claimedChecksum === undefined && trailerName) throw s3Errors.invalidRequest(`The trailer ${trailerName} was announced but not sent.`);
    if (algorithm && claimedChecksum !== undefined && claimedChecksum !== got.checksum) {
      throw s3Errors.badDigest(`The ${algorithm} you specified did not match the calculated checksum.`);
    }
    return {
      size: got.size,
      sha256: got.sha256.toString('hex'),
      md5: got.md5.toString('hex'),
      checksum: algorithm && got.checksum ? { algorithm, value: got.checksum } : undefined,
    };
  } catch (e) {
    out.destroy();
    await rm(tmpPath, { force: true });
    // Leave nothing unread behind a refused body, or the client sees a reset instead of the error.
    req.resume();
    throw e;
  }
}

/**
 * Decoder for `Content-Encoding: aws-chunked` bodies, which the SDK sends for streams with its
 * default checksum behaviour: `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n … 0\r\n<trailers>\r\n\r\n`.
 * The framing is removed and the trailers (e.g. `x-amz-checksum-crc32`) are collected — keeping
 * the framing in the stored object is exactly the corruption s3rver shows.
 */
import { s3Errors } from './errors.ts';

export class AwsChunkedDecoder {
  #buf: Buffer = Buffer.alloc(0);
  #remaining = 0;
  #state: 'size' | 'data' | 'crlf' | 'trailers' | 'done' = 'size';
  readonly trailers = new Map<string, string>();
  /** True when the chunk headers carried signatures (STREAMING-AWS4-HMAC-SHA256-PAYLOAD). */
  signedChunks = false;

  /** Feeds raw bytes; returns the decoded payload bytes they completed. */
  push(chunk: Buffer): Buffer[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      if (this.#state === 'data') {
        if (!this.#buf.length) break;
        const take = Math.min(this.#remaining, this.#buf.length);
        out.push(this.#buf.subarray(0, take));
        this.#buf = this.#buf.subarray(take);
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = 'crlf';
        continue;
      }
      if (this.#state === 'done') {
        if (this.#buf.length) throw s3Errors.invalidRequest('Bytes follow the end of the aws-chunked body.');
        break;
      }
      if (this.#state === 'crlf') {
        if (this.#buf.length < 2) break;
        if (this.#buf[0] !== 13 || this.#buf[1] !== 10) throw s3Errors.invalidRequest('Malformed aws-chunked body: a chunk does not end with CRLF.');
        this.#buf = this.#buf.subarray(2);
        this.#state = 'size';
        continue;
      }
      const eol = this.#buf.indexOf('\r\n');
      if (eol < 0) {
        if (this.#buf.length > 8192) throw s3Errors.invalidRequest('Malformed aws-chunked body: a line is too long.');
        break;
      }
      const line = this.#buf.subarray(0, eol).toString('latin1');
      this.#buf = this.#buf.subarray(eol + 2);
      if (this.#state === 'size') {
        const [hex = '', ext] = line.split(';');
        if (ext?.startsWith('chunk-signature=')) this.signedChunks = true;
        if (!/^[0-9a-fA-F]{1,16}$/.test(hex)) throw s3Errors.invalidRequest('Malformed aws-chunked body: bad chunk size.');
        this.#remaining = parseInt(hex, 16);
        this.#state = this.#remaining === 0 ? 'trailers' : 'data';
      } else if (line === '') {
        this.#state = 'done';
      } else {
        const i = line.indexOf(':');
        if (i < 0) throw s3Errors.invalidRequest('Malformed aws-chunked body: bad trailer.');
        this.trailers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
      }
    }
    return out;
  }

  /** Some clients end the body right after the trailers without the final empty line. */
  get complete(): boolean {
    return this.#state === 'done' || (this.#state === 'trailers' && this.#buf.length === 0);
  }
}

/**
 * The XML documents S3 answers with, and the one it reads (CompleteMultipartUpload). Written by
 * hand: the shapes are few and fixed, and the SDK's parser is lenient about whitespace.
 */
import type { S3Error } from './errors.ts';

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|apos|quot|#x[0-9a-fA-F]+|#\d+);/g, (_, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
    if (named[e]) return named[e];
    return String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

type Node = string | number | boolean | undefined | Node[] | { [k: string]: Node };

/** `{ A: 1, B: [{ C: 'x' }, { C: 'y' }] }` → `<A>1</A><B><C>x</C></B><B><C>y</C></B>`. */
function elements(obj: Record<string, Node>): string {
  let out = '';
  for (const [name, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === undefined) continue;
      out += typeof v === 'object' ? `<${name}>${elements(v as Record<string, Node>)}</${name}>` : `<${name}>${escapeXml(String(v))}</${name}>`;
    }
  }
  return out;
}

export function document(root: string, body: Record<string, Node>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${XMLNS}">${elements(body)}</${root}>`;
}

export function errorDocument(err: S3Error, resource: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${elements({ Code: err.code, Message: err.message, ...err.detail, Resource: resource, RequestId: requestId })}</Error>`;
}

export interface CompletedPartRef {
  partNumber: number;
  etag: string;
  /** The part's checksum as the request states it (`ChecksumSHA256`, ...), by algorithm. */
  checksums?: Record<string, string>;
}

/** Parses a PutObjectTagging body (`<Tagging><TagSet><Tag><Key/><Value/></Tag>...`); undefined when it is not one or repeats a key. */
export function parseTagging(xml: string): Record<string, string> | undefined {
  if (!/<Tagging[\s>]/.test(xml)) return undefined;
  const tags: Record<string, string> = {};
  for (const m of xml.matchAll(/<Tag>([\s\S]*?)<\/Tag>/g)) {
    const key = /<Key>([\s\S]*?)<\/Key>/.exec(m[1] ?? '')?.[1];
    const value = /<Value>([\s\S]*?)<\/Value>/.exec(m[1] ?? '')?.[1] ?? '';
    if (key === undefined) return undefined;
    const k = unescapeXml(key);
    if (Object.hasOwn(tags, k)) return undefined;
    tags[k] = unescapeXml(value);
  }
  return tags;
}

/** Parses a CompleteMultipartUpload body; undefined when it is not one. */
export function parseCompleteMultipartUpload(xml: string): CompletedPartRef[] | undefined {
  if (!/<CompleteMultipartUpload[\s>]/.test(xml)) return undefined;
  const parts: CompletedPartRef[] = [];
  for (const m of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const inner = m[1] ?? '';
    const n = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(inner)?.[1];
    const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(inner)?.[1];
    if (n === undefined || etag === undefined) return undefined;
    const checksums: Record<string, string> = {};
    for (const c of inner.matchAll(/<Checksum([A-Z0-9]+)>\s*([^<]*?)\s*<\/Checksum\1>/g)) checksums[c[1]!] = c[2]!;
    parts.push({ partNumber: Number(n), etag: unescapeXml(etag.trim()), ...(Object.keys(checksums).length ? { checksums } : {}) });
  }
  return parts;
}

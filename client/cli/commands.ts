/** The `craft-sync` commands that talk to the API (one function each). */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { decodeBase64, encodeBase64 } from '../patch/index.ts';
import { download, insertContent, IntegrityError, InvalidInputError, NotFoundError, sha256Hex, type Api, type FileChange } from '../sdk/index.ts';
import { openFile, type SyncStore } from '../sync/index.ts';
import { materialize } from '../sync/materialize.ts';
import { reconstruct, type FetchContent } from '../sync/reconstruct.ts';
import { EXIT } from './exit-codes.ts';
import type { Output } from './output.ts';
import { progressBar } from './progress.ts';
import { UsageError } from './usage.ts';

/** Reads a local file as content: UTF-8 text when it is, else base64 (with its bytes). */
export function readContent(path: string): { content: string; encoding: 'TEXT' | 'BASE64'; bytes: Buffer } {
  const bytes = readFileSync(path);
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) && !text.includes('\0') ? { content: text, encoding: 'TEXT', bytes } : { content: encodeBase64(bytes), encoding: 'BASE64', bytes };
}

/** Downloads S3-held content as the API holds it (text, or base64), with a progress bar. */
function fetcher(out: Output, encoding: string): (url: string, sha256: string | undefined, size: number) => Promise<string> {
  return async (url, sha256, size) => {
    const bar = progressBar('download', out);
    try {
      const bytes = await download(url, { sha256, size: size >= 0 ? size : undefined, onProgress: (p) => bar.update(p) });
      return encoding === 'TEXT' ? new TextDecoder().decode(bytes) : encodeBase64(bytes);
    } finally {
      bar.done();
    }
  };
}

function contentToBytes(content: string, encoding: string): Uint8Array {
  return encoding === 'TEXT' ? Buffer.from(content, 'utf8') : decodeBase64(content)!;
}

/** Inserts a local file: inline when it fits, else through the S3 upload flow (progress on stderr). */
export async function put(api: Api, out: Output, path: string, o: { name?: string; type?: string }): Promise<void> {
  const { content, encoding } = readContent(path);
  const contentType = o.type ?? (encoding === 'TEXT' ? 'text/plain; charset=utf-8' : 'application/octet-stream');
  const bar = progressBar('upload', out);
  let change: FileChange;
  try {
    change = await insertContent(api, { name: o.name ?? basename(path), contentType, encoding, content }, { onProgress: (p) => bar.update(p) });
  } finally {
    bar.done();
  }
  out.result({ id: change.fileId, version: change.version, name: change.name, size: change.size }, change.fileId);
}

/**
 * The content at `version`: the head, or the log replayed from the insert (each step verified).
 * Returns the exit code: a deleted file (its latest version) is reported, `deleted: true` with
 * --json, and exits NOT_FOUND.
 */
export async function get(api: Api, out: Output, id: string, o: { version?: number; out?: string }): Promise<number> {
  const head = await api.getFile(id);
  if (head.deleted && (o.version === undefined || o.version === head.version)) {
    const message = `${head.name} (${id}) was deleted at v${head.version}; \`ls --all\` lists it, \`get ${id} --version N\` reads an older version`;
    if (!out.json) throw new NotFoundError('NotFound', message, { deleted: true, version: head.version });
    out.result({ id, version: head.version, name: head.name, deleted: true }, '');
    return EXIT.NOT_FOUND;
  }
  // Raw bytes would garble the terminal (and can drive it with escape sequences).
  if (head.encoding === 'BASE64' && !o.out && !out.json && process.stdout.isTTY) {
    throw new UsageError(`${head.name} (${id}) is binary: save it with --out FILE (or pipe the output)`, 'get');
  }
  const fetchContent = fetcher(out, head.encoding);
  let content = head.deleted ? '' : await materialize(api, head, fetchContent);
  let version = head.version;
  if (!head.deleted && (await sha256Hex(content, head.encoding)) !== head.sha256) throw new IntegrityError('Integrity', `version ${version} fails its sha256`);
  if (o.version !== undefined && o.version !== head.version) {
    if (o.version < 1 || o.version > head.version) throw new InvalidInputError('InvalidInput', `version must be 1..${head.version}`, { field: 'version' });
    content = '';
    version = 0;
    let nextToken: string | null | undefined;
    outer: do {
      const page = await api.getFileChanges(id, 0, { limit: 100, nextToken });
      for (const c of page.items) {
        if (c.version > o.version) break outer;
        const r = await reconstruct(c, content, head.encoding, fetchContent as FetchContent);
        if ('failure' in r) throw new IntegrityError('Integrity', `version ${c.version}: ${r.failure}: ${r.detail}`);
        content = r.content;
        version = c.version;
      }
      nextToken = page.nextToken;
    } while (nextToken);
  }
  const bytes = contentToBytes(content, head.encoding);
  const meta = { id, version, name: head.name, encoding: head.encoding, size: bytes.length, sha256: await sha256Hex(content, head.encoding), deleted: false };
  if (o.out) {
    writeFileSync(o.out, bytes);
    // The content is in the file: stdout says what was written, never the content again.
    out.result({ ...meta, out: o.out }, `${o.out}: ${head.name} v${version}, ${bytes.length} bytes`);
  } else if (out.json) out.result({ ...meta, content }, '');
  else process.stdout.write(bytes);
  return EXIT.OK;
}

/** Replaces a file's content with a local file's, through the sync engine (rebased on conflict). */
export async function push(api: Api, out: Output, store: SyncStore, id: string, path: string): Promise<void> {
  const file = await openFile(api, id, { store, live: false });
  const bar = progressBar('upload', out);
  try {
    const { content } = readContent(path);
    file.on('progress', (p) => p.direction === 'upload' && bar.update(p));
    const change = await file.edit(content);
    await file.flush();
    bar.done();
    out.result({ id, version: file.version, changed: change !== undefined }, change ? `${id} v${file.version}` : `${id} unchanged (v${file.version})`);
  } finally {
    bar.done();
    await file.close();
  }
}

export async function rm(api: Api, out: Output, id: string): Promise<void> {
  const change = await api.deleteFile({ id });
  out.result({ id, version: change.version, deleted: true }, `deleted ${id} (v${change.version})`);
}

export async function ls(api: Api, out: Output, o: { all?: boolean }): Promise<void> {
  const items = [];
  let nextToken: string | null | undefined;
  do {
    const page = await api.listFiles({ limit: 100, nextToken, includeDeleted: o.all });
    items.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  if (out.json) return out.result(items, '');
  for (const f of items) out.result(f, `${f.id}  v${f.version}  ${String(f.size).padStart(8)}  ${f.myRole ?? '-'}  ${f.deleted ? '(deleted) ' : ''}${f.name}`);
}

export async function share(api: Api, out: Output, id: string, userId: string, role: 'editor' | 'viewer'): Promise<void> {
  const s = await api.shareFile({ fileId: id, userId, role: role === 'editor' ? 'EDITOR' : 'VIEWER' });
  out.result(s, `${userId} is now ${s.role} of ${id}`);
}

export async function unshare(api: Api, out: Output, id: string, userId: string): Promise<void> {
  const s = await api.unshareFile({ fileId: id, userId });
  out.result(s, `${userId} is no longer a member of ${id}`);
}

export async function notifications(api: Api, out: Output, id: string, muted: boolean): Promise<void> {
  const s = await api.setFileNotifications({ fileId: id, muted });
  out.result(s, `notifications of ${id} ${s.muted ? 'muted' : 'on'} for you`);
}

export async function history(api: Api, out: Output, id: string): Promise<void> {
  let nextToken: string | null | undefined;
  do {
    const page = await api.getFileChanges(id, 0, { limit: 100, nextToken });
    for (const c of page.items)
      out.result(
        summary(c),
        `v${c.version}  ${c.op.padEnd(6)}  ${c.at}  ${c.author}  ${c.size} bytes  ${c.patch != null ? 'patch' : c.content != null ? 'content' : c.contentUrl != null ? 'upload' : ''}`,
      );
    nextToken = page.nextToken;
  } while (nextToken);
}

const summary = (c: FileChange) => ({ version: c.version, op: c.op, at: c.at, author: c.author, size: c.size, sha256: c.sha256, byPatch: c.patch != null });

/** Prints each change as it is applied, until interrupted. */
export async function watchFile(api: Api, out: Output, store: SyncStore, id: string): Promise<void> {
  const file = await openFile(api, id, { store });
  file.on('change', (e) =>
    out.result({ id, version: e.version, author: e.author ?? null, remote: e.remote, length: e.content.length }, `v${e.version}${e.author ? ` by ${e.author}` : ''} (${e.content.length} units)`),
  );
  file.on('resync', (e) => out.note(`resynced by full download: ${e.reason}`));
  file.on('offline', () => out.note('offline; retrying'));
  file.on('online', () => out.note('online'));
  file.on('deleted', (e) => out.note(`deleted at v${e.version}`));
  out.note(`watching ${id} at v${file.version} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    file.on('deleted', () => resolve());
  });
  await file.close();
}

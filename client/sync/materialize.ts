/**
 * A file's content at its version from getFile: inline, or downloaded from S3 at `contentVersion`
 * with the patches since then applied (each verified by its sha256) when the snapshotter has not
 * caught up yet. The caller checks the result against `file.sha256`.
 */
import type { Api, FileWithContent } from '../sdk/api.ts';
import { IntegrityError } from '../sdk/errors.ts';
import { reconstruct, type FetchContent } from './reconstruct.ts';

/** Like FetchContent, but the sha256 is optional (an older snapshot is checked by the patches after it). */
export type FetchMaybeVerified = (url: string, sha256: string | undefined, size: number) => Promise<string>;

export async function materialize(api: Api, file: FileWithContent, fetchContent: FetchMaybeVerified): Promise<string> {
  if (file.content != null) return file.content;
  if (file.contentUrl == null) throw new IntegrityError('Integrity', `file ${file.id} version ${file.version} has neither content nor contentUrl`);
  const from = file.contentVersion ?? file.version;
  const atHead = from === file.version;
  let content = await fetchContent(file.contentUrl, atHead ? file.sha256 : undefined, atHead ? file.size : -1);
  const verified: FetchContent = (url, sha, size) => fetchContent(url, sha, size);
  let nextToken: string | null | undefined;
  while (from < file.version) {
    const page = await api.getFileChanges(file.id, from, { limit: 100, nextToken });
    for (const change of page.items) {
      if (change.version > file.version) break;
      const r = await reconstruct(change, content, file.encoding, verified);
      if ('failure' in r) throw new IntegrityError('Integrity', `file ${file.id} version ${change.version}: ${r.failure}: ${r.detail}`);
      content = r.content;
    }
    nextToken = page.nextToken;
    if (!nextToken) break;
  }
  return content;
}

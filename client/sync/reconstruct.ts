/**
 * What a change turns the content into, checked against the sha256 the writer computed. A change
 * whose content is in S3 (`contentUrl`) is downloaded with `fetchContent`. Returns a failure when
 * the change cannot be applied in place (a bad patch, no content, a failed download, a sha256
 * mismatch): the caller then downloads the whole file.
 */
import { apply, checkPatch, type TextPatch } from '../patch/index.ts';
import type { FileChange } from '../sdk/api.ts';
import { sha256Hex, type Encoding } from '../sdk/hash.ts';

export type Reconstructed = { content: string; patch?: TextPatch } | { failure: 'patch' | 'missing' | 'sha256'; detail: string };

/** Fetches S3-held content (text, or base64 for BASE64) verified against `sha256`. */
export type FetchContent = (url: string, sha256: string, size: number) => Promise<string>;

export async function reconstruct(change: FileChange, base: string, encoding: Encoding, fetchContent?: FetchContent): Promise<Reconstructed> {
  let content: string;
  let patch: TextPatch | undefined;
  if (change.patch != null) {
    try {
      const parsed = checkPatch(typeof change.patch === 'string' ? JSON.parse(change.patch) : change.patch);
      if (parsed.t !== 'text' || encoding !== 'TEXT') return { failure: 'patch', detail: 'binary patches are not applied in place' };
      patch = parsed;
      content = apply(parsed, base);
    } catch (e) {
      return { failure: 'patch', detail: (e as Error).message };
    }
  } else if (change.content != null) {
    content = change.content;
  } else if (change.contentUrl != null && fetchContent) {
    try {
      content = await fetchContent(change.contentUrl, change.sha256, change.size);
    } catch (e) {
      return { failure: 'missing', detail: `version ${change.version}: download failed: ${(e as Error).message}` };
    }
  } else if ((await sha256Hex(base, encoding)) === change.sha256) {
    // A change of metadata only (renameFile of binary content): the content stays as it was.
    return { content: base };
  } else {
    // Content that is not inline (the S3 upload path): only a download gets it.
    return { failure: 'missing', detail: `version ${change.version} carries no inline content` };
  }
  const sha = await sha256Hex(content, encoding);
  if (sha !== change.sha256) return { failure: 'sha256', detail: `version ${change.version}: sha256 ${sha} != ${change.sha256}` };
  return { content, patch };
}

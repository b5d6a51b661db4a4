/**
 * What a change turns the content into, checked against the sha256 the writer computed. Returns
 * null when the change cannot be applied in place (a bad patch, no inline content, a sha256
 * mismatch): the caller then downloads the whole file.
 */
import { apply, checkPatch, type TextPatch } from '../patch/index.ts';
import type { FileChange } from '../sdk/api.ts';
import { sha256Hex, type Encoding } from '../sdk/hash.ts';

export type Reconstructed = { content: string; patch?: TextPatch } | { failure: 'patch' | 'missing' | 'sha256'; detail: string };

export async function reconstruct(change: FileChange, base: string, encoding: Encoding): Promise<Reconstructed> {
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
  } else {
    // Content that is not inline (the S3 upload path): only a download gets it.
    return { failure: 'missing', detail: `version ${change.version} carries no inline content` };
  }
  const sha = await sha256Hex(content, encoding);
  if (sha !== change.sha256) return { failure: 'sha256', detail: `version ${change.version}: sha256 ${sha} != ${change.sha256}` };
  return { content, patch };
}

/** The craft-sync patch format, version 1: diff, apply and rebase for text and binary content. */
import { applyBytes, diffBytes } from './binary.ts';
import { applyText, diffText } from './text.ts';
import type { BinaryPatch, Patch, TextPatch } from './types.ts';

export { PATCH_VERSION, PatchError, type PatchErrorCode, type Op, type Patch, type TextPatch, type BinaryPatch } from './types.ts';
export { diffText, applyText } from './text.ts';
export { diffBytes, applyBytes } from './binary.ts';
export { transform, rebase } from './transform.ts';
export { compose } from './compose.ts';
export { checkPatch, patchLengths } from './validate.ts';
export { encodeBase64, decodeBase64 } from './base64.ts';

/** Diff two texts or two byte arrays. */
export function diff(a: string, b: string): TextPatch;
export function diff(a: Uint8Array, b: Uint8Array): BinaryPatch;
export function diff(a: string | Uint8Array, b: string | Uint8Array): Patch {
  if (typeof a === 'string' && typeof b === 'string') return diffText(a, b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return diffBytes(a, b);
  throw new TypeError('diff takes two strings or two Uint8Arrays');
}

/** Apply a patch to text or bytes (the patch's kind must match). */
export function apply(patch: unknown, base: string): string;
export function apply(patch: unknown, base: Uint8Array): Uint8Array;
export function apply(patch: unknown, base: string | Uint8Array): string | Uint8Array {
  return typeof base === 'string' ? applyText(patch, base) : applyBytes(patch, base);
}

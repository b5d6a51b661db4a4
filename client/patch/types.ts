/**
 * The craft-sync patch format, version 1 (see README.md in this folder).
 *
 * A patch is a JSON object `{ v: 1, t: 'text' | 'bin', ops: Op[] }`. Ops walk the base from its start:
 * a positive integer keeps that many units, a negative integer removes that many, a string inserts.
 * For `text` the unit is a UTF-16 code unit and inserts are the text itself; for `bin` the unit is a
 * byte and inserts are base64. Retains and deletes together cover the base exactly.
 */
export const PATCH_VERSION = 1;

export type Op = number | string;

export interface TextPatch {
  v: 1;
  t: 'text';
  ops: Op[];
}

export interface BinaryPatch {
  v: 1;
  t: 'bin';
  ops: Op[];
}

export type Patch = TextPatch | BinaryPatch;

export type PatchErrorCode =
  /** Not a version-1 patch object, or an op that is neither a non-zero integer nor a non-empty string. */
  | 'MALFORMED'
  /** The patch names a version this library does not know. */
  | 'UNSUPPORTED_VERSION'
  /** A text patch applied to bytes or a binary patch to text. */
  | 'WRONG_KIND'
  /** Retains and deletes run past the end of the base. */
  | 'OUT_OF_RANGE'
  /** Retains and deletes stop before the end of the base. */
  | 'SHORT'
  /** A retain or delete boundary falls between the two halves of a surrogate pair. */
  | 'SPLITS_SURROGATE_PAIR'
  /** Two patches given to transform/compose do not share the base they claim to. */
  | 'BASE_MISMATCH';

export class PatchError extends Error {
  override name = 'PatchError';
  constructor(
    readonly code: PatchErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isRetain(op: Op): op is number {
  return typeof op === 'number' && op > 0;
}

export function isDelete(op: Op): op is number {
  return typeof op === 'number' && op < 0;
}

export function isInsert(op: Op): op is string {
  return typeof op === 'string';
}

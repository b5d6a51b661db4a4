import { invalid, tooLarge } from './errors.ts';
import { MAX_INLINE_CHARS, MAX_PATCH_JSON, MAX_PATCH_OPS } from './limits.ts';

/** The envelope checks of a version-1 text patch (format, version, kind, limits); returns its ops. */
function textPatchOps(patch: unknown): unknown[] {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) invalid('patch', 'a patch is an object { v, t, ops }');
  const p = patch as { v?: unknown; t?: unknown; ops?: unknown };
  if (p.v !== 1) invalid('patch', `patch version ${JSON.stringify(p.v)} is not supported (only 1)`);
  if (p.t !== 'text') invalid('patch', 'only text patches ("t": "text") are applied on the server; send BASE64 changes as content');
  if (!Array.isArray(p.ops)) invalid('patch', 'ops must be an array');
  const ops = p.ops as unknown[];
  if (ops.length > MAX_PATCH_OPS) tooLarge('patch.ops', MAX_PATCH_OPS, ops.length);
  const json = JSON.stringify(patch);
  if (json.length > MAX_PATCH_JSON) tooLarge('patch', MAX_PATCH_JSON, json.length);
  return ops;
}

/** A version-1 text patch's ops, checked one by one (non-zero integers or non-empty strings): what the server may transform. */
export function checkTextPatch(patch: unknown): unknown[] {
  const ops = textPatchOps(patch);
  let index = 0;
  for (const op of ops) {
    const ok = (typeof op === 'string' && op.length > 0) || (typeof op === 'number' && op !== 0 && Math.floor(op) === op);
    if (!ok) invalid('patch', `op ${index} must be a non-zero integer or a non-empty string`);
    index = index + 1;
  }
  return ops;
}

/**
 * Applies a version-1 text patch (client/patch/README.md) to inline content, with the same checks
 * as the client library: ops are non-zero integers or non-empty strings, retains and deletes cover
 * the base exactly and never split a surrogate pair. Failures are InvalidInput errors.
 */
export function applyTextPatch(patch: unknown, base: string): string {
  const out = applyOrWhy(textPatchOps(patch), base);
  if (out.why !== null) invalid('patch', out.why);
  const result = out.text as string;
  if (result.length > MAX_INLINE_CHARS) tooLarge('content', MAX_INLINE_CHARS, result.length);
  return result;
}

/**
 * The result of applying checked ops to `base`, or why they do not apply (never throws: a queued edit
 * that no longer fits must not stop the others, lib/queue.ts). Includes the inline size limit.
 */
export function tryApplyOps(ops: unknown[], base: string): string | null {
  const out = applyOrWhy(ops, base);
  if (out.why !== null || (out.text as string).length > MAX_INLINE_CHARS) return null;
  return out.text;
}

function applyOrWhy(ops: unknown[], base: string): { text: string | null; why: string | null } {
  const parts: string[] = [];
  let at = 0;
  let index = 0;
  let why: string | null = null;
  for (const op of ops) {
    if (why !== null) break;
    if (typeof op === 'string' && op.length > 0) {
      parts.push(op);
    } else if (typeof op === 'number' && op !== 0 && Math.floor(op) === op) {
      const n = op > 0 ? op : -op;
      if (at + n > base.length) {
        why = `op ${index} (${op}) at offset ${at} runs past the end of the base (length ${base.length})`;
        break;
      }
      if (op > 0) parts.push(base.slice(at, at + n));
      at = at + n;
      if (splitsPair(base, at)) why = `op ${index} ends at offset ${at}, inside a surrogate pair`;
    } else {
      why = `op ${index} must be a non-zero integer or a non-empty string`;
    }
    index = index + 1;
  }
  if (why === null && at !== base.length) why = `the patch covers ${at} of the base's ${base.length} code units`;
  return why === null ? { text: parts.join(''), why: null } : { text: null, why };
}

/** True when offset `i` falls between a high and a low surrogate (charCodeAt is not in APPSYNC_JS). */
function splitsPair(s: string, i: number): boolean {
  if (i <= 0 || i >= s.length) return false;
  const before = s.slice(i - 1, i);
  const after = s.slice(i, i + 1);
  return before >= '\uD800' && before <= '\uDBFF' && after >= '\uDC00' && after <= '\uDFFF';
}

/**
 * For content held in S3, which the server never reads: the same shape checks as applyTextPatch,
 * against the base's recorded length only, and the result's length. (Surrogate pairs cannot be
 * checked without the text; the snapshotter's full application refuses a patch that splits one.)
 */
export function patchedLength(patch: unknown, baseLength: number): number {
  const ops = textPatchOps(patch);
  let at = 0;
  let length = 0;
  let index = 0;
  for (const op of ops) {
    if (typeof op === 'string' && op.length > 0) {
      length = length + op.length;
    } else if (typeof op === 'number' && op !== 0 && Math.floor(op) === op) {
      const n = op > 0 ? op : -op;
      if (at + n > baseLength) invalid('patch', `op ${index} (${op}) at offset ${at} runs past the end of the base (length ${baseLength})`);
      if (op > 0) length = length + n;
      at = at + n;
    } else {
      invalid('patch', `op ${index} must be a non-zero integer or a non-empty string`);
    }
    index = index + 1;
  }
  if (at !== baseLength) invalid('patch', `the patch covers ${at} of the base's ${baseLength} code units`);
  return length;
}

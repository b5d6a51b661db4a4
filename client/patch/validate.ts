import { isBase64 } from './base64.ts';
import { PATCH_VERSION, PatchError, type Patch } from './types.ts';

/** Checks the shape of an untrusted patch (e.g. parsed from the wire) and returns it typed. */
export function checkPatch(value: unknown): Patch {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PatchError('MALFORMED', 'a patch is an object { v, t, ops }');
  }
  const p = value as Record<string, unknown>;
  if (p.v !== PATCH_VERSION) throw new PatchError('UNSUPPORTED_VERSION', `patch version ${String(p.v)} is not supported (only ${PATCH_VERSION})`);
  if (p.t !== 'text' && p.t !== 'bin') throw new PatchError('MALFORMED', `patch kind must be "text" or "bin", not ${JSON.stringify(p.t)}`);
  if (!Array.isArray(p.ops)) throw new PatchError('MALFORMED', 'patch ops must be an array');
  p.ops.forEach((op: unknown, i) => {
    const ok = typeof op === 'string' ? op.length > 0 : typeof op === 'number' && Number.isSafeInteger(op) && op !== 0;
    if (!ok) throw new PatchError('MALFORMED', `op ${i} must be a non-zero integer or a non-empty string, not ${JSON.stringify(op)}`);
    if (p.t === 'bin' && typeof op === 'string' && !isBase64(op)) throw new PatchError('MALFORMED', `op ${i} of a bin patch must be padded base64`);
  });
  return p as unknown as Patch;
}

/** Base and result lengths (in the patch's units), without the content: what the server can check. */
export function patchLengths(patch: Patch): { base: number; result: number } {
  let base = 0;
  let result = 0;
  for (const op of patch.ops) {
    if (typeof op === 'string') result += patch.t === 'text' ? op.length : base64Length(op);
    else if (op > 0) {
      base += op;
      result += op;
    } else base -= op;
  }
  return { base, result };
}

/** Decoded byte count of a base64 string. */
export function base64Length(s: string): number {
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}

/**
 * What a textarea does when a remote change lands while the user has typed text the sync engine has
 * not been given yet (edits are handed over after a short pause): the typed text is rebased over the
 * change (client/patch `transform`, the same rule the engine uses for queued edits), and the caret
 * and selection move with the text around them. Pure functions, no DOM: unit-tested in Node.
 */
import { applyText, diffText, transform, type TextPatch } from '../patch/index.ts';

export interface TextState {
  text: string;
  selectionStart: number;
  selectionEnd: number;
}

/**
 * Where offset `at` of the patch's base ends up in its result. Text removed around the offset pulls
 * it to where the removal was; text inserted exactly at the offset goes after it (the caret stays
 * before another user's insert at the same place).
 */
export function mapOffset(patch: TextPatch, at: number): number {
  let p = 0; // offset in the base
  let q = 0; // offset in the result
  for (const op of patch.ops) {
    if (typeof op === 'string') {
      if (at > p) q += op.length;
      else return q;
    } else if (op > 0) {
      if (at <= p + op) return q + (at - p);
      p += op;
      q += op;
    } else {
      if (at <= p - op) return q;
      p -= op;
    }
  }
  return q + Math.max(0, at - p);
}

/**
 * The textarea after the replica moved from `base` (what the textarea was last in step with) to
 * `next`, while the textarea shows `current` (base plus typing not handed over yet). The typing is
 * kept, applied after the remote change; where both inserted at one place, the local text comes first.
 */
export function mergeIntoTextarea(base: string, next: string, current: TextState): TextState {
  if (current.text === base) {
    const theirs = diffText(base, next);
    return { text: next, selectionStart: mapOffset(theirs, current.selectionStart), selectionEnd: mapOffset(theirs, current.selectionEnd) };
  }
  const mine = diffText(base, current.text);
  const theirs = diffText(base, next);
  const [mineAfter, theirsAfter] = transform(mine, theirs);
  const text = applyText(mineAfter, next);
  return { text, selectionStart: mapOffset(theirsAfter, current.selectionStart), selectionEnd: mapOffset(theirsAfter, current.selectionEnd) };
}

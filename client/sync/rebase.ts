/**
 * Moving queued local edits over a change committed by someone else (the client half of OT): for
 * pending p1, p2, ... made on top of base s, and a remote r also made on s, returns p1', p2', ...
 * that apply on top of apply(r, s) and keep every local insert. The remote change keeps its place
 * at shared offsets (it was committed first).
 */
import { transform, type TextPatch } from '../patch/index.ts';
import type { PendingEdit } from './store.ts';

export function rebasePending(pending: readonly PendingEdit[], remote: TextPatch): PendingEdit[] {
  let r = remote;
  return pending.map((p) => {
    if (!p.patch) throw new TypeError('rebasePending: only text patches rebase');
    const [r2, p2] = transform(r, p.patch);
    r = r2;
    return { ...p, patch: p2 };
  });
}

import { util, type Context } from '@aws-appsync/utils';
import { busy, conflict, notFound } from './errors.ts';
import { bool, conditionFailure, num, transactionConflict } from './tx.ts';

/** Where modify and delete put the head update and the idempotency record in their transactions. */
export const HEAD_ITEM = 0;
export const REQUEST_ITEM = 2;

/**
 * Reads a cancelled modify/delete transaction. A used request id wins (the request committed before:
 * stash the version for 3.replay and return). Otherwise the head's condition says why: deleted
 * (NotFound), moved on (Conflict STALE_BASE), or its members changed under us (Conflict ACCESS_CHANGED).
 * Another transaction on the same items is Busy.
 */
export function commitFailure(ctx: Context, fileId: string, base: number, seenVersion: number): void {
  const req = conditionFailure(ctx, REQUEST_ITEM);
  if (req.failed) {
    ctx.stash.replayVersion = req.item ? num(req.item.version) : base + 1;
    return;
  }
  const head = conditionFailure(ctx, HEAD_ITEM);
  if (head.failed && head.item) {
    if (bool(head.item.deleted)) notFound(fileId, true);
    const headVersion = num(head.item.version);
    conflict(fileId, headVersion, headVersion === base ? 'ACCESS_CHANGED' : 'STALE_BASE');
  }
  if (head.failed) conflict(fileId, seenVersion, 'STALE_BASE');
  if (transactionConflict(ctx)) busy(fileId);
  const error = ctx.error as { message: string; type: string };
  util.error(error.message, error.type);
}

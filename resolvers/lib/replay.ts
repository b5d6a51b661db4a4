import { runtime, util, type Context } from '@aws-appsync/utils';
import { busy } from './errors.ts';
import { filePk, versionSk } from './keys.ts';
import { changeFromItem } from './shapes.ts';
import type { ChangeItem } from './items.ts';

/**
 * The last function of every write pipeline. When the commit found its request id already used
 * (a retry), it reads the change that request committed and returns that; otherwise it passes the
 * commit's result through untouched.
 */
export function request(ctx: Context) {
  const stash = ctx.stash as { replayVersion?: number; fileId?: string };
  if (!stash.replayVersion) return runtime.earlyReturn(ctx.prev.result);
  return {
    operation: 'GetItem' as const,
    key: util.dynamodb.toMapValues({ pk: filePk(stash.fileId as string), sk: versionSk(stash.replayVersion) }),
    consistentRead: true,
  };
}

export function response(ctx: Context) {
  if (ctx.error) util.error(ctx.error.message, ctx.error.type);
  // The idempotency record outlived its change record (TTL): nothing to replay, but nothing to redo either.
  if (!ctx.result) return busy((ctx.stash as { fileId: string }).fileId);
  return changeFromItem(ctx.result as ChangeItem);
}

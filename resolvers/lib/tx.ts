import { util, type Context } from '@aws-appsync/utils';
import { aclSk, filePk, HEAD_SK } from './keys.ts';
import type { FileSummary } from './items.ts';

/** The table every transaction item names; AppSync environment variable FILES_TABLE (infra/api.ts). */
export function filesTable(ctx: Context): string {
  return ctx.env.FILES_TABLE as string;
}

/** `SET #a = :a, ...` (and `REMOVE #r, ...`) for an UpdateItem, with names and values. */
export function setExpression(values: Record<string, unknown>, remove: string[]) {
  const names: Record<string, string> = {};
  const vals: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const key of Object.keys(values)) {
    names[`#${key}`] = key;
    vals[`:${key}`] = values[key];
    sets.push(`#${key} = :${key}`);
  }
  const removes: string[] = [];
  for (const key of remove) {
    names[`#${key}`] = key;
    removes.push(`#${key}`);
  }
  const expression = `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`;
  return { expression, expressionNames: names, expressionValues: util.dynamodb.toMapValues(vals) };
}

/** One UpdateItem per active member: the summary and a fresh sync key, so listFiles and syncFiles see the change. */
export function memberUpdates(table: string, fileId: string, members: string[], summary: FileSummary, key: string) {
  const out = [];
  for (const member of members) {
    out.push({
      table,
      operation: 'UpdateItem' as const,
      key: util.dynamodb.toMapValues({ pk: filePk(fileId), sk: aclSk(member) }),
      update: setExpression({ ...summary, syncKey: key }, []),
    });
  }
  return out;
}

/**
 * The head item of a share or unshare transaction: aclVersion + 1, so a write that fanned out to the
 * old member list fails its condition (ACCESS_CHANGED) and retries with the new one.
 */
export function aclVersionBump(table: string, fileId: string, condition: Record<string, unknown>) {
  return {
    table,
    operation: 'UpdateItem' as const,
    key: util.dynamodb.toMapValues({ pk: filePk(fileId), sk: HEAD_SK }),
    update: {
      expression: 'SET #aclVersion = #aclVersion + :one',
      expressionNames: { '#aclVersion': 'aclVersion' },
      expressionValues: util.dynamodb.toMapValues({ ':one': 1 }),
    },
    condition,
  };
}

/** A cancelled transaction's reason for item `index`: whether its condition failed, and the item it saw. */
export function conditionFailure(ctx: Context, index: number): { failed: boolean; item: Record<string, unknown> | null } {
  const result = ctx.result as { cancellationReasons?: Array<{ type?: string; item?: Record<string, unknown> }> } | null;
  const reasons = (result && result.cancellationReasons) || [];
  const reason = reasons[index];
  if (!reason || reason.type !== 'ConditionalCheckFailed') return { failed: false, item: null };
  return { failed: true, item: reason.item || null };
}

/** True when DynamoDB cancelled the transaction because another one held the same items. */
export function transactionConflict(ctx: Context): boolean {
  const result = ctx.result as { cancellationReasons?: Array<{ type?: string }> } | null;
  const reasons = (result && result.cancellationReasons) || [];
  let found = false;
  for (const r of reasons) {
    if (r && r.type === 'TransactionConflict') found = true;
  }
  return found;
}

/** A number from a returned item, whether AppSync handed it plain or as a typed `{ N: "..." }` value. */
export function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object' && typeof (value as { N?: string }).N === 'string') return Number((value as { N: string }).N);
  return Number(value);
}

/**
 * An item DynamoDB returned with a cancelled condition, as plain values: AppSync hands these plain,
 * but typed attribute values (`{ S }`, `{ N }`, `{ BOOL }`, `{ NULL }`) are unwrapped too, to be safe.
 */
export function plainItem(item: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(item)) {
    const v = item[key] as Record<string, unknown> | null;
    const typed = v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 ? Object.keys(v)[0] : null;
    if (typed === 'S' || typed === 'BOOL') out[key] = (v as Record<string, unknown>)[typed];
    else if (typed === 'N') out[key] = Number((v as Record<string, unknown>).N);
    else if (typed === 'NULL') out[key] = null;
    else out[key] = v;
  }
  return out;
}

/** A boolean from a returned item, plain or typed `{ BOOL: ... }`. */
export function bool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value && typeof value === 'object') return (value as { BOOL?: boolean }).BOOL === true;
  return false;
}

/** Epoch seconds `seconds` from now, for TTL attributes. */
export function expiresIn(seconds: number): number {
  return Math.floor(util.time.nowEpochMilliSeconds() / 1000) + seconds;
}

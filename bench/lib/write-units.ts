/**
 * DynamoDB write units as DynamoDB bills them, from the wire format of the requests (AttributeValue
 * JSON) and the items' before / after images.
 *
 * Rules, from AWS's pages (read 2026-12; the figures are the pages' own):
 * - "DynamoDB item sizes and formats" (docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 *   an item's size is the sum of its attribute names' UTF-8 bytes and its values' sizes; a string is its
 *   UTF-8 bytes; a number about 1 byte per two significant digits + 1 (leading / trailing zeros trimmed);
 *   binary its raw bytes; null and boolean 1 byte; a list or map 3 bytes + 1 byte per element + the
 *   elements. Sets are not on that page: sized here as the sum of their elements.
 * - "DynamoDB read and write operations" (…/developerguide/read-write-operations.html): one write unit per
 *   1 KB (1,024 bytes, rounded up) of item written; PutItem and UpdateItem are billed on the larger of the
 *   item before and after; DeleteItem on the deleted item; BatchWriteItem per item.
 * - "Amazon DynamoDB Transactions: How it works" (…/developerguide/transaction-apis.html), capacity
 *   management: a transactional write costs two underlying writes (prepare, commit) per 1 KB. The same page
 *   says changes reach GSIs after the transaction completes: index writes are billed here as standard
 *   writes (not doubled), an assumption.
 * - "Global secondary indexes" (…/developerguide/GSI.html), writes: a table write that puts an item with the
 *   index's key attributes writes the projected item to the index; one that changes an index key value
 *   costs two index writes (delete the old entry, put the new); one that removes them, a delete.
 */

export type AttributeValue = {
  S?: string;
  N?: string;
  B?: string;
  BOOL?: boolean;
  NULL?: boolean;
  L?: AttributeValue[];
  M?: Record<string, AttributeValue>;
  SS?: string[];
  NS?: string[];
  BS?: string[];
};
export type Item = Record<string, AttributeValue>;

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');
const rawBytes = (b64: string) => Buffer.from(b64, 'base64').byteLength;

/** 1 byte per two significant digits, plus one. */
export function numberSize(n: string): number {
  const mantissa = n.replace(/^[+-]/, '').split(/[eE]/)[0]!;
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

export function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return rawBytes(v.B);
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.L) return 3 + v.L.reduce((s, e) => s + 1 + valueSize(e), 0);
  if (v.M) return 3 + Object.entries(v.M).reduce((s, [k, e]) => s + 1 + utf8(k) + valueSize(e), 0);
  if (v.SS) return v.SS.reduce((s, e) => s + utf8(e), 0);
  if (v.NS) return v.NS.reduce((s, e) => s + numberSize(e), 0);
  if (v.BS) return v.BS.reduce((s, e) => s + rawBytes(e), 0);
  throw new Error(`unknown attribute value ${JSON.stringify(v).slice(0, 80)}`);
}

export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((s, [name, v]) => s + utf8(name) + valueSize(v), 0);
}

export const units = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

export interface IndexDef {
  name: string;
  partitionKey: string;
  sortKey?: string;
}

/** The index key of `item` for `index`, or undefined when the item does not carry it (sparse). */
function indexKey(item: Item | undefined, index: IndexDef): string | undefined {
  if (!item) return undefined;
  const pk = item[index.partitionKey];
  const sk = index.sortKey ? item[index.sortKey] : undefined;
  if (!pk || (index.sortKey && !sk)) return undefined;
  return JSON.stringify([pk, sk]);
}

export interface WriteCost {
  table: number;
  /** Per index name. */
  indexes: Record<string, number>;
  total: number;
}

/**
 * The write units one item write costs: the table write (doubled in a transaction) and, per index with
 * ALL projection, the index writes its before / after images imply.
 */
export function writeCost(op: 'put' | 'update' | 'delete', before: Item | undefined, after: Item | undefined, transactional: boolean, indexes: IndexDef[]): WriteCost {
  const b = itemSize(before);
  const a = op === 'delete' ? 0 : itemSize(after);
  const table = units(Math.max(b, a)) * (transactional ? 2 : 1);
  const out: Record<string, number> = {};
  for (const index of indexes) {
    const kb = indexKey(before, index);
    const ka = op === 'delete' ? undefined : indexKey(after, index);
    let n = 0;
    if (kb && ka && kb === ka) n = units(Math.max(b, a));
    else {
      if (kb) n += units(b);
      if (ka) n += units(a);
    }
    if (n) out[index.name] = n;
  }
  return { table, indexes: out, total: table + Object.values(out).reduce((s, x) => s + x, 0) };
}

/** One item written by a request, as named on the wire. */
export interface ItemWrite {
  op: 'put' | 'update' | 'delete';
  table: string;
  key: Item;
  /** The full item, for puts. */
  item?: Item;
  transactional: boolean;
}

/** The item writes in one DynamoDB JSON request (X-Amz-Target DynamoDB_20120810.<Operation>); [] for reads. */
export function itemWrites(target: string, body: Record<string, unknown>, keyOf: (table: string, item: Item) => Item): ItemWrite[] {
  const operation = target.split('.').pop();
  type Req = { TableName: string; Item?: Item; Key?: Item };
  const one = (op: ItemWrite['op'], r: Req, transactional: boolean): ItemWrite => ({ op, table: r.TableName, key: r.Key ?? keyOf(r.TableName, r.Item!), item: r.Item, transactional });
  switch (operation) {
    case 'PutItem':
      return [one('put', body as unknown as Req, false)];
    case 'UpdateItem':
      return [one('update', body as unknown as Req, false)];
    case 'DeleteItem':
      return [one('delete', body as unknown as Req, false)];
    case 'TransactWriteItems':
      return (body.TransactItems as Array<Record<string, Req>>).flatMap((t) => {
        if (t.Put) return [one('put', t.Put, true)];
        if (t.Update) return [one('update', t.Update, true)];
        if (t.Delete) return [one('delete', t.Delete, true)];
        return []; // ConditionCheck: the runtime sends none; not billed here.
      });
    case 'BatchWriteItem':
      return Object.entries(body.RequestItems as Record<string, Array<{ PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }>>).flatMap(([table, reqs]) =>
        reqs.map((r) => (r.PutRequest ? one('put', { TableName: table, Item: r.PutRequest.Item }, false) : one('delete', { TableName: table, Key: r.DeleteRequest!.Key }, false))),
      );
    default:
      return [];
  }
}

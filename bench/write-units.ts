/**
 * What ONE small edit costs in DynamoDB write units (issue 14's target: < 10 per small edit on a 30 KB
 * document with 25 members), counted from the requests the runtime actually sends DynamoDB Local: a
 * loopback proxy (lib/ddb-proxy.ts) records each request body; each item written is billed on its real
 * before / after images (the file's partition read straight from DynamoDB Local, consistently, around the
 * edit), the way DynamoDB bills (lib/write-units.ts: 1 KB units, transactions doubled, the `byMember`
 * GSI per member item). Baseline in the same run: the same edit on a 1 KB document with 1 member.
 *
 * The edit: modifyFile over HTTP inserting 3 characters in the middle (a text patch), by the owner, after
 * two warm-up edits, measured 3 times per case; then a run of TAIL_PATCHES edits, which holds exactly one
 * rewrite of the file's BODY item (resolvers/README.md): its mean is what an edit costs over time.
 * Inline content only (no S3, so no snapshot writes).
 * Run: npx tsx bench/write-units.ts
 */
import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { api } from '../infra/api.ts';
import { localDynamoDbClient } from '../infra/local/services/dynamodb-local.ts';
import { routeThrough, startDdbProxy } from './lib/ddb-proxy.ts';
import { INSERT, MODIFY, sha256, startSyncStack, type BenchUser } from './lib/sync-stack.ts';
import { itemSize, itemWrites, writeCost, type IndexDef, type Item } from './lib/write-units.ts';
import { TAIL_PATCHES } from '../resolvers/lib/limits.ts';

const SHARE = 'mutation($input: ShareFileInput!) { shareFile(input: $input) { fileId userId role at } }';
const CASES = [
  { kb: 1, members: 1 },
  { kb: 1, members: 25 },
  { kb: 30, members: 1 },
  { kb: 30, members: 25 },
];
const MEASURED = 3;
const TABLE = api.tables.files!;
const INDEXES: IndexDef[] = (TABLE.globalSecondaryIndexes ?? []).map((i) => ({ name: i.indexName, partitionKey: i.partitionKey.name, sortKey: i.sortKey?.name }));
const PK = TABLE.partitionKey.name;
const SK = TABLE.sortKey!.name;

const stack = await startSyncStack();
const { runtime } = stack;
const proxy = await startDdbProxy(runtime.dynamodb.endpoint);
routeThrough(runtime.dynamodb.client, proxy.port);
// The bench's own reads go straight to DynamoDB Local, past the proxy.
const direct = localDynamoDbClient(runtime.dynamodb.endpoint);
const tableName = runtime.tableName('files');
const keyOf = (item: Item) => `${item[PK]!.S}|${item[SK]!.S}`;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function partition(fileId: string): Promise<Map<string, Item>> {
  const items = new Map<string, Item>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await direct.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: { ':pk': { S: `FILE#${fileId}` } },
        ConsistentRead: true,
        ExclusiveStartKey: start as never,
      }),
    );
    for (const it of page.Items ?? []) items.set(keyOf(it as Item), it as Item);
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Which kind of item a sort key names (resolvers/README.md, data model). */
const kind = (sk: string) =>
  sk === 'HEAD' ? 'head' : sk.startsWith('V#') ? 'change V#' : sk.startsWith('REQ#') ? 'request REQ#' : sk.startsWith('ACL#') ? 'member ACL#' : sk === 'BODY' ? 'body' : sk;

interface EditCost {
  total: number;
  table: number;
  index: number;
  requests: Array<{ target: string; writes: number }>;
  reads: number;
  byKind: Map<string, { items: number; bytesBefore: number; bytesAfter: number; table: number; index: number }>;
  mismatches: string[];
}

async function measureEdit(user: BenchUser, file: { id: string; version: number; text: string }): Promise<EditCost> {
  await runtime.drainStreams();
  const before = await partition(file.id);
  proxy.take();
  const at = Math.floor(file.text.length / 2);
  const next = `${file.text.slice(0, at)}abc${file.text.slice(at)}`;
  const d = await stack.gql(user, MODIFY, {
    input: { id: file.id, baseVersion: file.version, patch: JSON.stringify({ v: 1, t: 'text', ops: [at, 'abc', file.text.length - at] }), sha256: sha256(next), requestId: randomUUID() },
  });
  const recorded = proxy.take();
  await runtime.drainStreams();
  const after = await partition(file.id);
  file.version = (d.modifyFile as { version: number }).version;
  file.text = next;

  const cost: EditCost = { total: 0, table: 0, index: 0, requests: [], reads: 0, byKind: new Map(), mismatches: [] };
  for (const r of recorded) {
    const writes = itemWrites(r.target, r.body, (_t, item) => ({ [PK]: item[PK]!, [SK]: item[SK]! }));
    if (!writes.length) {
      cost.reads += 1;
      continue;
    }
    cost.requests.push({ target: r.target.split('.').pop()!, writes: writes.length });
    for (const w of writes) {
      const k = keyOf(w.key);
      const b = before.get(k);
      const a = after.get(k);
      if (w.op === 'put' && itemSize(w.item) !== itemSize(a)) cost.mismatches.push(`${k}: put ${itemSize(w.item)} B, stored ${itemSize(a)} B`);
      const c = writeCost(w.op, b, a, w.transactional, w.table === tableName ? INDEXES : []);
      const idx = Object.values(c.indexes).reduce((s, x) => s + x, 0);
      cost.total += c.total;
      cost.table += c.table;
      cost.index += idx;
      const g = cost.byKind.get(kind(w.key[SK]!.S!)) ?? { items: 0, bytesBefore: 0, bytesAfter: 0, table: 0, index: 0 };
      g.items += 1;
      g.bytesBefore += itemSize(b);
      g.bytesAfter += itemSize(a);
      g.table += c.table;
      g.index += idx;
      cost.byKind.set(kind(w.key[SK]!.S!), g);
    }
  }
  return cost;
}

try {
  const users = await stack.users(25, 'wcu');
  const owner = users[0]!;
  const rows: Array<{ kb: number; members: number; cost: EditCost; all: number[]; cycle: number[] }> = [];
  for (const c of CASES) {
    const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit ';
    const text0 = words.repeat(Math.ceil((c.kb * 1024) / words.length)).slice(0, c.kb * 1024);
    const ins = await stack.gql(owner, INSERT, { input: { name: `doc-${c.kb}kb-${c.members}.txt`, contentType: 'text/plain', content: text0, sha256: sha256(text0), requestId: randomUUID() } });
    const file = { id: (ins.insertFile as { fileId: string }).fileId, version: 1, text: text0 };
    for (const u of users.slice(1, c.members)) await stack.gql(owner, SHARE, { input: { fileId: file.id, userId: u.sub, role: 'EDITOR' } });
    const versionAfterShares = await partition(file.id).then((m) => Number(m.get(`FILE#${file.id}|HEAD`)![`version`]!.N));
    file.version = versionAfterShares;
    for (let i = 0; i < 2; i++) await measureEdit(owner, file);
    const costs: EditCost[] = [];
    for (let i = 0; i < MEASURED; i++) costs.push(await measureEdit(owner, file));
    const cycle: number[] = [];
    for (let i = 0; i < TAIL_PATCHES; i++) cycle.push((await measureEdit(owner, file)).total);
    rows.push({ kb: c.kb, members: c.members, cost: costs.at(-1)!, all: costs.map((x) => x.total), cycle });
  }

  console.log('Write units of one small edit (3 characters inserted by modifyFile), counted from the requests the runtime sent DynamoDB Local');
  for (const r of rows) {
    const k = r.cost;
    console.log(`\n${r.kb} KB document, ${r.members} member${r.members > 1 ? 's' : ''}: ${k.total} WCU per edit (table ${k.table}, byMember GSI ${k.index}); measured edits: ${r.all.join(', ')} WCU`);
    console.log(`  requests: ${k.requests.map((q) => `${q.target} (${q.writes} item${q.writes > 1 ? 's' : ''})`).join(', ')}; plus ${k.reads} read request(s), not billed here`);
    for (const [name, g] of k.byKind) {
      console.log(
        `    ${name.padEnd(13)} ${String(g.items).padStart(3)} item(s), ${(g.bytesBefore / g.items).toFixed(0).padStart(6)} B before / ${(g.bytesAfter / g.items).toFixed(0).padStart(6)} B after each: table ${g.table} WCU, byMember ${g.index} WCU`,
      );
    }
    console.log(`  over ${TAIL_PATCHES} edits (one body rewrite among them): mean ${mean(r.cycle).toFixed(1)} WCU, max ${Math.max(...r.cycle)} WCU`);
    if (k.mismatches.length) console.log(`  !!! sizing check: a put's request item and the stored item differ: ${k.mismatches.slice(0, 3).join('; ')}`);
  }
  console.log(`\n| document | members | WCU per small edit (table + byMember GSI) | mean over ${TAIL_PATCHES} edits (with the body rewrite) | × the 1 KB / 1 member edit | write requests |`);
  console.log('|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.kb} KB | ${r.members} | ${r.cost.total} (${r.cost.table} + ${r.cost.index}) | ${mean(r.cycle).toFixed(1)} | ${(mean(r.cycle) / mean(rows[0]!.cycle)).toFixed(1)}× | ${r.cost.requests.map((q) => `${q.target} of ${q.writes}`).join(', ')} |`,
    );
  const target = rows.find((r) => r.kb === 30 && r.members === 25)!;
  console.log(
    `\nTarget (issue 14): < 10 WCU per small edit on 30 KB with 25 members; now ${target.cost.total}, ${mean(target.cycle).toFixed(1)} over time (${(mean(target.cycle) / 10).toFixed(2)}× the target).`,
  );
  console.log(
    'UpdateItem and PutItem are billed on the larger of the item before and after (both read around each edit); GSI writes are not doubled in transactions (assumption, see lib/write-units.ts).',
  );
} finally {
  direct.destroy();
  await stack.stop();
  await proxy.close();
}

/**
 * modifyFile through the local runtime over HTTP (GraphQL, Cognito token, APPSYNC_JS pipeline:
 * authorize Query, the log's tail Query, commit TransactWriteItems), beside raw requests of the same
 * shape on the same DynamoDB Local, in the same run: the transaction alone (head update, change put,
 * idempotency put; the BODY put every 50 edits), and the whole DynamoDB work a modify does (both Queries
 * and the transaction). Each writer edits its own file, so no write conflicts: this is the hot path's
 * cost, not contention.
 * Run: npx tsx bench/modify-throughput.ts [edits per scenario, default 800]
 */
import { randomUUID } from 'node:crypto';
import { PutItemCommand, QueryCommand, TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { TAIL_PATCHES } from '../resolvers/lib/limits.ts';
import { fmt, ms, type Summary } from './lib/stats.ts';
import { INSERT, MODIFY, sha256, startSyncStack, type BenchUser } from './lib/sync-stack.ts';
import { measureWorkers } from './lib/workers.ts';

const TOTAL = Number(process.argv[2] ?? 800);
const WRITERS = [1, 16];
const START = 'x'.repeat(1024);

const stack = await startSyncStack();
const { client } = stack.runtime.dynamodb;
const table = stack.runtime.tableName('files');

try {
  const users = await stack.users(16);

  // --- through the runtime: one file per writer, appending one character per edit
  interface FileState {
    id: string;
    version: number;
    text: string;
    user: BenchUser;
  }
  const newFiles = async (): Promise<FileState[]> =>
    Promise.all(
      users.map(async (user) => {
        const d = await stack.gql(user, INSERT, { input: { name: 'bench.txt', contentType: 'text/plain', content: START, sha256: sha256(START), requestId: randomUUID() } });
        return { id: (d.insertFile as { fileId: string }).fileId, version: 1, text: START, user };
      }),
    );
  const viaRuntime = (files: FileState[]) => async (w: number) => {
    const f = files[w]!;
    const next = `${f.text}y`;
    const d = await stack.gql(f.user, MODIFY, {
      input: { id: f.id, baseVersion: f.version, patch: JSON.stringify({ v: 1, t: 'text', ops: [f.text.length, 'y'] }), sha256: sha256(next), requestId: randomUUID() },
    });
    f.version = (d.modifyFile as { version: number }).version;
    f.text = next;
  };

  // --- raw: the same items, built the way the commit resolver builds them
  interface RawState {
    pk: string;
    owner: string;
    version: number;
    text: string;
    bodyVersion: number;
  }
  let rawFiles = 0;
  const newRawFiles = async (): Promise<RawState[]> =>
    Promise.all(
      users.map(async (user) => {
        const pk = `FILE#raw-${(rawFiles += 1)}`;
        const now = new Date().toISOString();
        const summary = {
          id: pk.slice(5),
          name: 'bench.txt',
          contentType: 'text/plain',
          encoding: 'TEXT',
          size: START.length,
          length: START.length,
          sha256: sha256(START),
          version: 1,
          owner: user.sub,
          createdAt: now,
          updatedAt: now,
          updatedBy: user.sub,
          deleted: false,
        };
        await client.send(new PutItemCommand({ TableName: table, Item: marshall({ pk, sk: 'HEAD', ...summary, aclVersion: 1, bodyVersion: 1 }) }));
        await client.send(new PutItemCommand({ TableName: table, Item: marshall({ pk, sk: 'BODY', content: START, version: 1, sha256: sha256(START) }) }));
        await client.send(new PutItemCommand({ TableName: table, Item: marshall({ pk, sk: `ACL#${user.sub}`, member: user.sub, role: 'OWNER', ...summary, syncKey: `${Date.now()}#${summary.id}` }) }));
        return { pk, owner: user.sub, version: 1, text: START, bodyVersion: 1 };
      }),
    );
  const setExpr = (values: Record<string, unknown>, remove: string[] = []) => {
    const names: Record<string, string> = {};
    const vals: Record<string, unknown> = {};
    for (const k of Object.keys(values)) {
      names[`#${k}`] = k;
      vals[`:${k}`] = values[k];
    }
    for (const k of remove) names[`#${k}`] = k;
    const sets = Object.keys(values)
      .map((k) => `#${k} = :${k}`)
      .join(', ');
    return { expression: `SET ${sets}${remove.length ? ` REMOVE ${remove.map((k) => `#${k}`).join(', ')}` : ''}`, names, vals };
  };
  const rawTransaction = (f: RawState): TransactWriteItem[] => {
    const next = `${f.text}y`;
    const now = new Date().toISOString();
    const version = f.version + 1;
    const summary = {
      id: f.pk.slice(5),
      name: 'bench.txt',
      contentType: 'text/plain',
      encoding: 'TEXT',
      size: next.length,
      length: next.length,
      sha256: sha256(next),
      version,
      owner: f.owner,
      createdAt: now,
      updatedAt: now,
      updatedBy: f.owner,
      deleted: false,
    };
    const rewrite = version - f.bodyVersion >= TAIL_PATCHES;
    const head = setExpr({ ...summary, recent: '[]', bodyVersion: rewrite ? version : f.bodyVersion }, ['content', 'contentKey', 'contentVersion', 'contentSha256']);
    const expiresAt = Math.floor(Date.now() / 1000) + 30 * 24 * 3600;
    return [
      {
        Update: {
          TableName: table,
          Key: marshall({ pk: f.pk, sk: 'HEAD' }),
          UpdateExpression: head.expression,
          ConditionExpression: '#version = :base AND #deleted = :false AND #aclVersion = :acl',
          ExpressionAttributeNames: { ...head.names, '#aclVersion': 'aclVersion' },
          ExpressionAttributeValues: marshall({ ...head.vals, ':base': f.version, ':false': false, ':acl': 1 }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      {
        Put: {
          TableName: table,
          Item: marshall({
            pk: f.pk,
            sk: `V#${String(version).padStart(10, '0')}`,
            fileId: summary.id,
            version,
            op: 'MODIFY',
            author: f.owner,
            at: now,
            name: summary.name,
            contentType: summary.contentType,
            encoding: 'TEXT',
            size: next.length,
            length: next.length,
            sha256: summary.sha256,
            requestId: randomUUID(),
            deleted: false,
            expiresAt,
            patch: JSON.stringify({ v: 1, t: 'text', ops: [f.text.length, 'y'] }),
          }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: table,
          Item: marshall({ pk: f.pk, sk: `REQ#${randomUUID()}`, version, expiresAt: expiresAt - 29 * 24 * 3600 }),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      ...(rewrite ? [{ Put: { TableName: table, Item: marshall({ pk: f.pk, sk: 'BODY', content: next, version, sha256: summary.sha256 }) } }] : []),
    ];
  };
  const raw = (files: RawState[], withQuery: boolean) => async (w: number) => {
    const f = files[w]!;
    if (withQuery) {
      await client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
          ExpressionAttributeValues: marshall({ ':pk': f.pk, ':a': 'ACL#', ':b': 'HEAD' }),
          ConsistentRead: true,
          Limit: 1000,
        }),
      );
      if (f.version > f.bodyVersion) {
        const sk = (v: number) => `V#${String(v).padStart(10, '0')}`;
        await client.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
            ExpressionAttributeValues: marshall({ ':pk': f.pk, ':a': sk(f.bodyVersion + 1), ':b': sk(f.version) }),
            ConsistentRead: true,
            Limit: f.version - f.bodyVersion,
          }),
        );
      }
    }
    await client.send(new TransactWriteItemsCommand({ TransactItems: rawTransaction(f) }));
    f.version += 1;
    if (f.version - f.bodyVersion >= TAIL_PATCHES) f.bodyVersion = f.version;
    f.text = `${f.text}y`;
  };

  // The JVM and V8 are several times slower in their first seconds: warm every path first.
  console.log('warming up...');
  await measureWorkers(16, 40, raw(await newRawFiles(), true));
  await measureWorkers(16, 40, viaRuntime(await newFiles()));

  console.log(`modifyFile throughput, ${TOTAL} edits per row, each writer on its own file (1 KB text, one-character patch)`);
  for (const writers of WRITERS) {
    const per = Math.ceil(TOTAL / writers);
    const rows: Array<[string, Summary]> = [
      ['raw TransactWriteItems', await measureWorkers(writers, per, raw(await newRawFiles(), false))],
      ['raw Queries + TransactWriteItems', await measureWorkers(writers, per, raw(await newRawFiles(), true))],
      ['modifyFile via runtime (HTTP)', await measureWorkers(writers, per, viaRuntime(await newFiles()))],
    ];
    console.log(`  ${writers} writer${writers > 1 ? 's' : ''}:`);
    for (const [name, s] of rows) console.log(`    ${name.padEnd(32)} ${fmt(s)}`);
    const [base, withQuery, runtime] = rows.map((r) => r[1]) as [Summary, Summary, Summary];
    console.log(`    ratio runtime / raw transaction: throughput ${(runtime.opsPerSec / base.opsPerSec).toFixed(2)}, added p50 ${ms(runtime.p50 - base.p50)}`);
    console.log(
      `    ratio runtime / raw queries + transaction (the DynamoDB work a modify does): throughput ${(runtime.opsPerSec / withQuery.opsPerSec).toFixed(2)} (target >= 0.8), added p50 ${ms(runtime.p50 - withQuery.p50)}`,
    );
  }
} finally {
  await stack.stop();
}

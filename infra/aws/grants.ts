import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { WiringError } from '../wiring/discover.ts';
import type { ApiDefinition, ObjectGrantDef, StreamHandlerDef, TableGrantDef } from '../wiring/types.ts';
import type { ApiResources } from './api-resources.ts';
import type { LambdaHandler } from './lambda-handler.ts';
import { acknowledge, arnWildcardFinding } from './nag.ts';

type GrantsDef = StreamHandlerDef['grants'];

export const INDEX_REASON = "Queries on the table's global secondary indexes; the wildcard covers only this table's indexes.";

/** What a Lambda's declaration names (tables, buckets, buses), granted to its role and no more. */
export function grantHandler(handler: LambdaHandler, grants: GrantsDef | undefined, def: ApiDefinition, resources: ApiResources): void {
  for (const g of grants?.items ?? []) grantItems(handler.role, g, def, resources);
  for (const t of grants?.tables ?? []) {
    const table = resources.tables[t]!;
    table.grantReadWriteData(handler.role);
    if (def.tables[t]?.globalSecondaryIndexes?.length) {
      acknowledge(handler.role, 'IAM5', INDEX_REASON, arnWildcardFinding(table, '/index/*'));
    }
  }
  for (const t of grants?.readTables ?? []) {
    const table = resources.tables[t]!;
    table.grantReadData(handler.role);
    if (def.tables[t]?.globalSecondaryIndexes?.length) {
      acknowledge(handler.role, 'IAM5', INDEX_REASON, arnWildcardFinding(table, '/index/*'));
    }
  }
  for (const b of grants?.buckets ?? []) {
    const bucket = resources.buckets[b]!;
    // What presigned single and multipart uploads and downloads are signed for, and no more.
    handler.role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [bucket.arnForObjects('*')],
      }),
    );
    handler.role.addToPolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    acknowledge(handler.role, 'IAM5', "Object keys are chosen per upload at run time; the wildcard is limited to this one bucket's objects.", arnWildcardFinding(bucket, '/*'));
  }
  for (const b of grants?.buses ?? []) resources.buses[b]!.grantPutEventsTo(handler.role);
  for (const g of grants?.objects ?? []) grantObjects(handler, g, def, resources);
}

/** Exactly the declared DynamoDB actions on the table's ARN; Query / Scan also on each named index (no wildcard). */
export function grantItems(role: Role, g: TableGrantDef, def: ApiDefinition, resources: ApiResources): void {
  const table = resources.tables[g.table];
  if (!table) throw new WiringError(`${def.name}: a grant names table "${g.table}", which is not declared`);
  const declared = new Set((def.tables[g.table]?.globalSecondaryIndexes ?? []).map((i) => i.indexName));
  for (const i of g.indexes ?? []) if (!declared.has(i)) throw new WiringError(`${def.name}: a grant names index "${i}", which table "${g.table}" does not declare`);
  role.addToPolicy(new PolicyStatement({ actions: [...new Set(g.actions)].sort().map((a) => `dynamodb:${a}`), resources: [table.tableArn] }));
  const indexActions = g.actions.filter((a) => a === 'Query' || a === 'Scan');
  if (indexActions.length > 0 && g.indexes?.length) {
    role.addToPolicy(new PolicyStatement({ actions: indexActions.map((a) => `dynamodb:${a}`), resources: g.indexes.map((i) => `${table.tableArn}/index/${i}`) }));
  }
}

/** `grants.objects`: each action on the object ARNs under its prefixes; ListBucket with an `s3:prefix` condition. */
function grantObjects(handler: LambdaHandler, g: ObjectGrantDef, def: ApiDefinition, resources: ApiResources): void {
  const bucket = resources.buckets[g.bucket];
  if (!bucket) throw new WiringError(`${def.name}: grants.objects names bucket "${g.bucket}", which is not declared`);
  const actions = {
    read: ['s3:GetObject'],
    write: ['s3:PutObject'],
    delete: ['s3:DeleteObject'],
    multipart: ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
    tag: ['s3:GetObjectTagging', 's3:PutObjectTagging'],
  } as const;
  const acknowledged = new Set<string>();
  for (const [kind, granted] of Object.entries(actions) as Array<[keyof typeof actions, readonly string[]]>) {
    for (const prefix of g[kind] ?? []) {
      handler.role.addToPolicy(new PolicyStatement({ actions: [...granted], resources: [bucket.arnForObjects(`${prefix}*`)] }));
      if (acknowledged.has(prefix)) continue;
      acknowledged.add(prefix);
      acknowledge(handler.role, 'IAM5', `Object actions on the keys under "${prefix}" of this one bucket only: keys are chosen at run time.`, arnWildcardFinding(bucket, `/${prefix}*`));
    }
  }
  if (g.listBucket) handler.role.addToPolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  if (g.list?.length) {
    handler.role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': g.list.map((p) => `${p}*`) } },
      }),
    );
  }
}

import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { KeyDef, TableDef } from '../wiring/types.ts';

const attr = (k: KeyDef) => ({ name: k.name, type: AttributeType[ATTRIBUTE[k.type]] });
const ATTRIBUTE = { S: 'STRING', N: 'NUMBER', B: 'BINARY' } as const;

/**
 * One declared table as production wants it: billed on demand, recoverable to any second of the
 * last 35 days, protected from deletion and kept when the stack goes away (it holds user data).
 */
export function createTable(scope: Construct, id: string, def: TableDef): Table {
  const table = new Table(scope, id, {
    tableName: def.deployedName,
    partitionKey: attr(def.partitionKey),
    sortKey: def.sortKey ? attr(def.sortKey) : undefined,
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    stream: def.stream ? StreamViewType[def.stream] : undefined,
    timeToLiveAttribute: def.timeToLiveAttribute,
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  for (const index of def.globalSecondaryIndexes ?? []) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: attr(index.partitionKey),
      sortKey: index.sortKey ? attr(index.sortKey) : undefined,
      projectionType: ProjectionType.ALL,
    });
  }
  for (const index of def.localSecondaryIndexes ?? []) {
    if (!index.sortKey) throw new Error(`table ${id}: local secondary index ${index.indexName} needs a sort key`);
    table.addLocalSecondaryIndex({ indexName: index.indexName, sortKey: attr(index.sortKey), projectionType: ProjectionType.ALL });
  }
  return table;
}

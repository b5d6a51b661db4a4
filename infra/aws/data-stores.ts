import { Table, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { WiringError } from '../wiring/discover.ts';
import type { ApiDefinition } from '../wiring/types.ts';
import { createTable } from './table.ts';
import { createAccessLogsBucket, createContentBucket } from './content-bucket.ts';

export interface DataStoresProps {
  definition: ApiDefinition;
  /** Overrides every bucket's declared CORS origins (e.g. the deployed web app's origin). */
  corsAllowedOrigins?: string[];
  /**
   * Existing tables to use instead of creating them, by table key (a table restored from a backup
   * or PITR; README "Restore"). A table with a stream needs its stream ARN for the stream handlers.
   */
  adoptTables?: Record<string, AdoptedTable>;
}

export interface AdoptedTable {
  tableName: string;
  streamArn?: string;
}

/** The tables, buckets and event buses an ApiDefinition declares, by their declared keys. */
export class DataStores extends Construct {
  readonly tables: Record<string, ITable> = {};
  /** The tables this stack created (and so retains, backs up and protects); adopted ones are not in it. */
  readonly ownTables: Record<string, Table> = {};
  readonly buckets: Record<string, Bucket> = {};
  readonly buses: Record<string, EventBus> = {};
  readonly accessLogs?: Bucket;

  constructor(scope: Construct, id: string, props: DataStoresProps) {
    super(scope, id);
    // Access-log delivery through a bucket policy, not the legacy ACL, whatever the app's flags say.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const def = props.definition;
    for (const [key, table] of Object.entries(def.tables)) {
      const adopted = props.adoptTables?.[key];
      if (adopted) {
        if (table.stream && !adopted.streamArn) throw new WiringError(`adopted table "${key}" (${adopted.tableName}) declares a stream: give its streamArn too`);
        this.tables[key] = Table.fromTableAttributes(this, `Adopted_${key}`, { tableName: adopted.tableName, tableStreamArn: adopted.streamArn });
        continue;
      }
      this.tables[key] = this.ownTables[key] = createTable(this, `Table_${key}`, table);
    }
    const buckets = Object.entries(def.buckets ?? {});
    if (buckets.length > 0) {
      const logs = createAccessLogsBucket(this, 'AccessLogs');
      this.accessLogs = logs;
      for (const [key, bucket] of buckets) {
        this.buckets[key] = createContentBucket(this, `Bucket_${key}`, {
          // Presigned URLs authorize each request; CORS only lets browsers read the answer.
          corsAllowedOrigins: props.corsAllowedOrigins ?? bucket.corsAllowedOrigins ?? ['*'],
          accessLogs: logs,
          accessLogsPrefix: `${key}/`,
          expire: bucket.expire,
        });
      }
    }
    for (const [key, bus] of Object.entries(def.buses ?? {})) {
      this.buses[key] = new EventBus(this, `Bus_${key}`, { description: bus.description });
    }
  }
}

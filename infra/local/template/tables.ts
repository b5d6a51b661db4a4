/** AWS::DynamoDB::Table properties → the TableDef the local runtime creates in DynamoDB Local. */
import type { AttributeType, IndexDef, KeyDef, TableDef } from '../../wiring/types.ts';
import { isObject, TemplateError } from './intrinsics.ts';

export function tableFromTemplate(id: string, p: Record<string, unknown>, notes: string[]): TableDef {
  const where = `AWS::DynamoDB::Table ${id}`;
  const types = new Map<string, AttributeType>();
  for (const a of list(p.AttributeDefinitions, `${where} AttributeDefinitions`)) {
    if (!isObject(a) || typeof a.AttributeName !== 'string' || !['S', 'N', 'B'].includes(a.AttributeType as string)) {
      throw new TemplateError(`${where}: AttributeDefinitions entries need AttributeName and AttributeType S, N or B`);
    }
    types.set(a.AttributeName, a.AttributeType as AttributeType);
  }
  const keys = (schema: unknown, at: string): { partitionKey: KeyDef; sortKey?: KeyDef } => {
    const entries = list(schema, at);
    const key = (kind: 'HASH' | 'RANGE'): KeyDef | undefined => {
      const e = entries.find((x) => isObject(x) && x.KeyType === kind) as { AttributeName?: unknown } | undefined;
      if (!e) return undefined;
      const name = e.AttributeName;
      const type = typeof name === 'string' ? types.get(name) : undefined;
      if (typeof name !== 'string' || !type) throw new TemplateError(`${at}: key attribute ${JSON.stringify(name)} has no AttributeDefinitions entry`);
      return { name, type };
    };
    const partitionKey = key('HASH');
    if (!partitionKey) throw new TemplateError(`${at}: no HASH key`);
    const sortKey = key('RANGE');
    return sortKey ? { partitionKey, sortKey } : { partitionKey };
  };
  const indexes = (v: unknown, kind: string): IndexDef[] =>
    (v === undefined ? [] : list(v, `${where} ${kind}`)).map((ix, i) => {
      const at = `${where} ${kind}[${i}]`;
      if (!isObject(ix) || typeof ix.IndexName !== 'string') throw new TemplateError(`${at}: an index needs an IndexName`);
      const projection = isObject(ix.Projection) ? ix.Projection.ProjectionType : undefined;
      // DynamoDB Local is given ALL: a query returns attributes AWS would not project.
      if (projection !== undefined && projection !== 'ALL') notes.push(`${at} (${ix.IndexName}): projection ${String(projection)} is created as ALL locally`);
      return { indexName: ix.IndexName, ...keys(ix.KeySchema, `${at} KeySchema`) };
    });

  const def: TableDef = { ...keys(p.KeySchema, `${where} KeySchema`) };
  const gsis = indexes(p.GlobalSecondaryIndexes, 'GlobalSecondaryIndexes');
  if (gsis.length) def.globalSecondaryIndexes = gsis;
  const lsis = indexes(p.LocalSecondaryIndexes, 'LocalSecondaryIndexes');
  if (lsis.length) def.localSecondaryIndexes = lsis;
  const stream = isObject(p.StreamSpecification) ? p.StreamSpecification.StreamViewType : undefined;
  if (stream !== undefined) {
    if (!['NEW_AND_OLD_IMAGES', 'NEW_IMAGE', 'OLD_IMAGE', 'KEYS_ONLY'].includes(stream as string)) throw new TemplateError(`${where}: StreamViewType ${JSON.stringify(stream)}`);
    def.stream = stream as TableDef['stream'];
  }
  const ttl = isObject(p.TimeToLiveSpecification) ? p.TimeToLiveSpecification : undefined;
  if (ttl && (ttl.Enabled === true || ttl.Enabled === 'true') && typeof ttl.AttributeName === 'string') def.timeToLiveAttribute = ttl.AttributeName;
  if (typeof p.TableName === 'string') def.deployedName = p.TableName;
  else if (p.TableName !== undefined) notes.push(`${where}: TableName is computed (${JSON.stringify(p.TableName).slice(0, 80)}); requests reach it locally by "${id}" only`);
  return def;
}

function list(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new TemplateError(`${where}: expected a list`);
  return v;
}

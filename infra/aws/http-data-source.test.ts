/**
 * An HTTP data source and a table with a local secondary index and a fixed name, declared once:
 * the CDK stack deploys them, and the stack's synthesized template loads back into the local
 * runtime's definition with the same endpoint, index and name.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDefinition } from '../wiring/types.ts';
import { loadCdkApp } from '../local/template/load.ts';
import { fixtureApi } from './fixtures/api.ts';
import { synthStack, type Synthesized } from './testing.ts';

const def: ApiDefinition = {
  ...fixtureApi,
  tables: {
    ...fixtureApi.tables,
    plain: {
      partitionKey: { name: 'id', type: 'S' },
      sortKey: { name: 'at', type: 'S' },
      localSecondaryIndexes: [{ indexName: 'byKind', partitionKey: { name: 'id', type: 'S' }, sortKey: { name: 'kind', type: 'S' } }],
      deployedName: 'fixture-plain',
    },
  },
  dataSources: { ...fixtureApi.dataSources, weather: { kind: 'HTTP', endpoint: 'https://weather.example.com', description: 'forecasts' } },
};
let s: Synthesized;
const outDir = mkdtempSync(join(tmpdir(), 'craft-sync-http-ds-'));

beforeAll(async () => {
  s = await synthStack(def);
}, 180_000);
afterAll(() => {
  s?.dispose();
  rmSync(outDir, { recursive: true, force: true });
});

describe('HTTP data sources and local secondary indexes in the stack', () => {
  it('deploys an HTTP data source with its endpoint', () => {
    const http = Object.values(s.resources('AWS::AppSync::DataSource')).filter((r) => r.Properties.Type === 'HTTP');
    expect(http.map((r) => [r.Properties.Name, r.Properties.HttpConfig?.Endpoint, r.Properties.Description])).toEqual([['weather', 'https://weather.example.com', 'forecasts']]);
  });

  it('deploys the local secondary index and the fixed table name', () => {
    const tables = Object.values(s.resources('AWS::DynamoDB::Table')).filter((r) => r.Properties.TableName === 'fixture-plain');
    expect(tables).toHaveLength(1);
    expect(tables[0]!.Properties.LocalSecondaryIndexes).toEqual([
      {
        IndexName: 'byKind',
        KeySchema: [
          { AttributeName: 'id', KeyType: 'HASH' },
          { AttributeName: 'kind', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  it('loads back from the synthesized template into the same declarations', () => {
    const { api } = loadCdkApp(s.app, { outDir });
    expect(api.dataSources.weather).toEqual({ kind: 'HTTP', endpoint: 'https://weather.example.com', description: 'forecasts' });
    const plain = Object.values(api.tables).find((t) => t.deployedName === 'fixture-plain');
    expect(plain).toEqual(def.tables.plain);
  });
});

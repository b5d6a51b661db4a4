import { describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DataSourceCallContext } from '../appsync-js/types.ts';
import { fixtureApi } from '../../aws/fixtures/api.ts';
import type { EnvValue } from '../../wiring/types.ts';
import { LocalEventBus, type BusEvent } from '../services/event-bus.ts';
import { createDataSources } from './index.ts';

describe('createDataSources', () => {
  it('builds every declared data source with its kind, env references resolved', async () => {
    const bus = new LocalEventBus();
    const resolveEnv = (v: EnvValue) => (typeof v === 'string' ? v : 'bucketName' in v ? `local-${v.bucketName}` : 'busName' in v ? v.busName : v.tableName);
    const client = new DynamoDBClient({ region: 'local', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const ds = createDataSources(fixtureApi, { dynamodb: client, tableName: (k) => k, bus, resolveEnv });
    expect(Object.fromEntries(Object.entries(ds).map(([n, d]) => [n, d.kind]))).toEqual({ items: 'DYNAMODB', none: 'NONE', presigner: 'LAMBDA', events: 'EVENTBRIDGE' });

    const call = {} as DataSourceCallContext;
    expect(await ds.presigner?.invoke({ operation: 'Invoke', payload: { arguments: { key: 'k1' } } }, call)).toEqual({ result: 'https://local-content.s3.amazonaws.com/k1' });

    const seen: BusEvent[] = [];
    bus.addRule({ name: 'all', bus: 'events', eventPattern: { source: ['fixture'] }, targets: [{ handler: (e) => void seen.push(e) }] });
    await ds.events?.invoke({ operation: 'PutEvents', events: [{ source: 'fixture', detailType: 'ItemAdded', detail: { id: 1 } }] }, call);
    await bus.flush();
    expect(seen).toHaveLength(1);
    client.destroy();
  });
});

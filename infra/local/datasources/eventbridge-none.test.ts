import { describe, expect, it } from 'vitest';
import type { DataSourceCallContext } from '../appsync-js/types.ts';
import { LocalEventBus, MAX_REQUEST_BYTES, type BusEvent } from '../services/event-bus.ts';
import { createEventBridgeDataSource } from './eventbridge.ts';
import { createNoneDataSource } from './none.ts';

const call = {} as DataSourceCallContext;

describe('NONE data source', () => {
  it('passes the payload through as the result', async () => {
    const none = createNoneDataSource('none');
    expect(await none.invoke({ payload: { a: [1, 2] } }, call)).toEqual({ result: { a: [1, 2] } });
    expect(await none.invoke({ version: '2018-05-29' }, call)).toEqual({ result: null });
  });
});

describe('EVENTBRIDGE data source', () => {
  it("puts the events on its bus and returns EventBridge's result", async () => {
    const bus = new LocalEventBus();
    const seen: BusEvent[] = [];
    bus.addRule({ name: 'r', bus: 'events', eventPattern: { 'detail-type': ['ItemAdded'] }, targets: [{ handler: (e) => void seen.push(e) }] });
    const ds = createEventBridgeDataSource('events', bus, 'events');
    const out = await ds.invoke({ operation: 'PutEvents', events: [{ source: 'app', detailType: 'ItemAdded', detail: { id: 'i1' }, resources: ['r1'] }] }, call);
    expect(out.error).toBeUndefined();
    expect(out.result).toEqual({ Entries: [{ EventId: expect.any(String) }], FailedEntryCount: 0 });
    await bus.flush();
    expect(seen.map((e) => [e.source, e.detail, e.resources])).toEqual([['app', { id: 'i1' }, ['r1']]]);
  });

  it('reports per-entry failures in the result and whole-request failures in ctx.error', async () => {
    const ds = createEventBridgeDataSource('events', new LocalEventBus(), 'events');
    const partial = await ds.invoke({ operation: 'PutEvents', events: [{ source: 'app', detail: {} }] }, call);
    expect(partial.result).toMatchObject({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InvalidArgument' }] });
    const big = await ds.invoke({ operation: 'PutEvents', events: [{ source: 'app', detailType: 'd', detail: { x: 'y'.repeat(MAX_REQUEST_BYTES) } }] }, call);
    expect(big.error?.type).toBe('EventBridge:ValidationException');
    expect((await ds.invoke({ operation: 'PutEvents', events: [] }, call)).error?.type).toBe('EventBridge:ValidationException');
    expect((await ds.invoke({ operation: 'Send', events: [] }, call)).error).toEqual({ message: "Unsupported operation 'Send'.", type: 'MappingTemplate' });
    expect((await ds.invoke({ operation: 'PutEvents' }, call)).error?.type).toBe('MappingTemplate');
  });
});

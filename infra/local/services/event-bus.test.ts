import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBridgeError, LocalEventBus, MAX_REQUEST_BYTES, type BusEvent } from './event-bus.ts';

let server: Server;
let url = '';
const received: Array<{ headers: IncomingMessage['headers']; body: BusEvent }> = [];
let failuresLeft = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (failuresLeft > 0) {
        failuresLeft--;
        res.writeHead(503).end();
        return;
      }
      received.push({ headers: req.headers, body: JSON.parse(body) as BusEvent });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('LocalEventBus', () => {
  it('routes matching events to function targets and webhooks, with EventBridge event shape', async () => {
    const bus = new LocalEventBus({ region: 'us-east-1' });
    const seen: BusEvent[] = [];
    bus.addRule({
      name: 'modifies',
      bus: 'files',
      eventPattern: { source: ['craft.files'], detail: { op: ['MODIFY'] } },
      targets: [{ handler: (e) => void seen.push(e) }, { url, headers: { 'x-sig': 'abc' } }],
    });
    bus.addRule({
      name: 'other-bus',
      bus: 'elsewhere',
      eventPattern: { source: ['craft.files'] },
      targets: [
        {
          handler: () => {
            throw new Error('must not run');
          },
        },
      ],
    });
    received.length = 0;
    const out = await bus.putEvents([
      { Source: 'craft.files', DetailType: 'FileChanged', Detail: JSON.stringify({ op: 'MODIFY', id: 'f1' }), EventBusName: 'files', Time: '2026-01-02T03:04:05.678Z' },
      { Source: 'craft.files', DetailType: 'FileChanged', Detail: JSON.stringify({ op: 'DELETE', id: 'f2' }), EventBusName: 'files' },
    ]);
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries).toHaveLength(2);
    await bus.flush();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual({
      version: '0',
      id: (out.Entries[0] as { EventId: string }).EventId,
      'detail-type': 'FileChanged',
      source: 'craft.files',
      account: '000000000000',
      time: '2026-01-02T03:04:05Z',
      region: 'us-east-1',
      resources: [],
      detail: { op: 'MODIFY', id: 'f1' },
    });
    expect(received).toHaveLength(1);
    expect(received[0]?.body).toEqual(seen[0]);
    expect(received[0]?.headers['content-type']).toBe('application/json');
    expect(received[0]?.headers['x-sig']).toBe('abc');
  });

  it('retries a webhook that answers 5xx', async () => {
    const bus = new LocalEventBus({ retries: 3 });
    bus.addRule({ name: 'all', eventPattern: { source: [{ prefix: '' }] }, targets: [{ url }] });
    received.length = 0;
    failuresLeft = 2;
    await bus.putEvents([{ Source: 's', DetailType: 'd', Detail: '{}' }]);
    await bus.flush();
    expect(received).toHaveLength(1);
  });

  it('retries a rejecting function target with the attempt number, and hands it to onGiveUp once after the last', async () => {
    const lines: string[] = [];
    const bus = new LocalEventBus({ retries: 2, log: (l) => lines.push(l) });
    const attempts: Record<string, number[]> = { always: [], second: [] };
    const givenUp: Array<{ target: string; id: string; message: string }> = [];
    bus.addRule({
      name: 'all',
      eventPattern: { source: ['s'] },
      targets: [
        {
          id: 'always',
          handler: (_e, attempt) => {
            attempts.always!.push(attempt);
            throw new Error(`no (${attempt})`);
          },
          onGiveUp: (e, err) => void givenUp.push({ target: 'always', id: e.id, message: err.message }),
        },
        {
          id: 'second',
          handler: async (_e, attempt) => {
            attempts.second!.push(attempt);
            if (attempt < 2) throw new Error('not yet');
          },
          onGiveUp: (e, err) => void givenUp.push({ target: 'second', id: e.id, message: err.message }),
        },
      ],
    });
    const out = await bus.putEvents([{ Source: 's', DetailType: 'd', Detail: '{}' }]);
    await bus.flush();
    expect(attempts).toEqual({ always: [1, 2, 3], second: [1, 2] });
    expect(givenUp).toEqual([{ target: 'always', id: (out.Entries[0] as { EventId: string }).EventId, message: 'no (3)' }]);
    expect(lines.filter((l) => l.includes('giving up'))).toEqual([expect.stringContaining('all/always failed (attempt 3): no (3); giving up')]);
  });

  it('reports bad entries per entry and oversized or empty requests as a whole', async () => {
    const bus = new LocalEventBus();
    const out = await bus.putEvents([
      { Source: 's', DetailType: 'd', Detail: 'not json' },
      { Source: 's', Detail: '{}' },
      { Source: 's', DetailType: 'd', Detail: '{"ok":true}' },
    ]);
    expect(out.FailedEntryCount).toBe(2);
    expect(out.Entries[0]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    expect(out.Entries[1]).toMatchObject({ ErrorCode: 'InvalidArgument' });
    expect(out.Entries[2]).toHaveProperty('EventId');

    const big = JSON.stringify({ blob: 'x'.repeat(MAX_REQUEST_BYTES) });
    await expect(bus.putEvents([{ Source: 's', DetailType: 'd', Detail: big }])).rejects.toThrow(EventBridgeError);
    await expect(bus.putEvents([{ Source: 's', DetailType: 'd', Detail: big }])).rejects.toThrow(/over the limit/);
    await expect(bus.putEvents([])).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(bus.putEvents(Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'd', Detail: '{}' })))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('refuses an invalid rule pattern', () => {
    expect(() => new LocalEventBus().addRule({ name: 'bad', eventPattern: { source: 'x' }, targets: [] })).toThrow(/Event pattern is not valid/);
  });
});

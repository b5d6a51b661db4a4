import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../api.ts';
import { checkDefinition } from '../wiring/check.ts';
import { discoverResolvers } from '../wiring/discover.ts';
import type { ApiDefinition } from '../wiring/types.ts';
import { fixtureApi } from './fixtures/api.ts';
import { synthStack, type Synthesized } from './testing.ts';

/** The fixture with a topic and a queue of its own keys, both targets of a rule on its bus. */
const withFanOut: ApiDefinition = {
  ...fixtureApi,
  buses: { events: { rules: { toAlerts: { eventPattern: { source: ['fixture.items'] }, targets: [{ topic: 'alerts' }, { queue: 'audit-log' }] } } } },
  topics: { alerts: { description: 'item alerts' } },
  queues: { 'audit-log': {} },
};

describe('the stack deploys what the definition declares, and no more', () => {
  let s: Synthesized;
  beforeAll(async () => {
    s = await synthStack(withFanOut);
  });
  afterAll(() => s.dispose());

  it('creates exactly the declared buckets, buses, topics and queues', () => {
    expect(Object.keys(s.stack.stores.buckets)).toEqual(['content']);
    expect(Object.keys(s.stack.stores.buses)).toEqual(['events']);
    expect(Object.keys(s.stack.notifications.topics)).toEqual(['alerts']);
    expect(Object.keys(s.stack.notifications.queues)).toEqual(['audit-log']);
    expect(Object.keys(s.resources('AWS::Events::EventBus'))).toHaveLength(1);
  });

  it('names topics and queues by their keys unless the declaration names them, and outputs each under its declared key', () => {
    const outputs = s.template.toJSON().Outputs as Record<string, { Value: unknown; Description?: string }>;
    const id = (c: { node: { defaultChild?: unknown } }) => s.stack.getLogicalId(c.node.defaultChild as never);
    expect(id(s.stack.notifications.topics.alerts!)).toMatch(/^NotificationsTopicalerts[0-9A-F]{8}$/);
    expect(outputs.TopicAlertsArn).toEqual({ Value: { Ref: id(s.stack.notifications.topics.alerts!) }, Description: 'item alerts' });
    expect(outputs.QueueAuditLogUrl!.Value).toEqual({ Ref: id(s.stack.notifications.queues['audit-log']!) });
    expect(Object.keys(outputs).filter((k) => k.startsWith('Notification'))).toEqual([]);
  });

  it('refuses webhooks for a definition that declares no webhook delivery handler', async () => {
    await expect(synthStack(fixtureApi, { webhooks: ['https://hooks.example.com/x'] })).rejects.toThrow(/webhooks are configured, but the definition declares no webhookDelivery handler/);
  });
});

describe('the webhook delivery handler is part of the declaration', () => {
  const wiring = discoverResolvers(api);

  it('is required by a rule that targets webhooks, and its file must exist', () => {
    const { webhookDelivery: _dropped, ...without } = api;
    expect(() => checkDefinition(without, wiring)).toThrow(/a bus rule targets webhooks, but the definition declares no webhookDelivery handler/);
    expect(() => checkDefinition({ ...api, webhookDelivery: { ...api.webhookDelivery!, handler: 'resolvers/handlers/webhooks/gone.ts' } }, wiring)).toThrow(
      /webhookDelivery: handler file not found: .*gone\.ts/,
    );
    expect(() => checkDefinition({ ...api, webhookDelivery: { ...api.webhookDelivery!, maxReceives: 0 } }, wiring)).toThrow(/maxReceives must be a positive integer/);
    expect(() => checkDefinition(api, wiring)).not.toThrow();
  });
});

/**
 * EventBridge's PutEvents over its real wire protocol (AWS JSON 1.1, `X-Amz-Target:
 * AWSEvents.PutEvents`, SigV4 with signing name `events`) on a loopback port, so a Lambda handler's
 * unmodified `EventBridgeClient` reaches the local bus: the runtime gives handlers
 * `AWS_ENDPOINT_URL_EVENTBRIDGE`, as it gives them `AWS_ENDPOINT_URL_S3`. Only PutEvents is served;
 * rules come from the API definition, not from PutRule calls.
 */
import { AwsJsonError, startAwsJsonServer, type AwsJsonServer } from './aws-json-server.ts';
import type { ServerLimits } from '../net/harden.ts';
import { EventBridgeError, type PutEventsEntry, type PutEventsResult } from './event-bus.ts';

export interface EventsServerOptions {
  /** What accepts the entries: the runtime's LocalEventBus (tests may pass another). */
  bus: { putEvents(entries: PutEventsEntry[]): Promise<PutEventsResult> };
  /** Access keys whose SigV4 signatures are accepted. */
  credentials: Array<{ accessKeyId: string; secretAccessKey: string }>;
  region: string;
  port?: number;
  host?: string;
  /** Timeouts and the connection cap (net/harden.ts defaults). */
  limits?: Partial<ServerLimits>;
  log?: (line: string) => void;
}

export type EventsServer = AwsJsonServer;

export function startEventsServer(opts: EventsServerOptions): Promise<EventsServer> {
  return startAwsJsonServer({
    ...opts,
    service: 'events',
    title: 'EventBridge',
    operations: {
      'AWSEvents.PutEvents': async (input) => {
        if (!Array.isArray(input.Entries)) throw new AwsJsonError('ValidationException', "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
        const entries = (input.Entries as Array<Record<string, unknown>>).map((e): PutEventsEntry => ({
          Source: typeof e.Source === 'string' ? e.Source : undefined,
          DetailType: typeof e.DetailType === 'string' ? e.DetailType : undefined,
          Detail: typeof e.Detail === 'string' ? e.Detail : undefined,
          Resources: Array.isArray(e.Resources) ? e.Resources.map(String) : undefined,
          // The JSON protocol sends timestamps as epoch seconds.
          Time: typeof e.Time === 'number' ? new Date(e.Time * 1000) : typeof e.Time === 'string' ? e.Time : undefined,
          EventBusName: typeof e.EventBusName === 'string' ? busKey(e.EventBusName) : undefined,
        }));
        try {
          return await opts.bus.putEvents(entries);
        } catch (e) {
          if (e instanceof EventBridgeError) throw new AwsJsonError(e.name, e.message);
          throw e;
        }
      },
    },
  });
}

/** A bus ARN names the bus after `event-bus/`. */
const busKey = (nameOrArn: string) => (nameOrArn.startsWith('arn:') ? nameOrArn.slice(nameOrArn.indexOf(':event-bus/') + ':event-bus/'.length) : nameOrArn);

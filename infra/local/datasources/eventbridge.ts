import type { DataSource } from '../appsync-js/types.ts';
import { EventBridgeError, type LocalEventBus, type PutEventsEntry } from '../services/event-bus.ts';
import { isObject, MalformedRequest } from './request-shape.ts';

/**
 * EVENTBRIDGE: `{ operation: 'PutEvents', events: [{ source, detailType, detail, resources, time }] }`
 * into the local bus; `ctx.result` is EventBridge's `{ Entries, FailedEntryCount }` (per-entry
 * failures are in Entries, not ctx.error); a request EventBridge rejects as a whole becomes
 * `ctx.error` with type `EventBridge:<exception>`.
 */
export function createEventBridgeDataSource(name: string, bus: LocalEventBus, busName: string): DataSource {
  return {
    name,
    kind: 'EVENTBRIDGE',
    async invoke(request) {
      try {
        if (!isObject(request)) throw new MalformedRequest('The request must be a JSON object.');
        if (request.operation !== 'PutEvents') {
          throw new MalformedRequest(request.operation === undefined ? "Value for field '$[operation]' not found." : `Unsupported operation '${String(request.operation)}'.`);
        }
        if (!Array.isArray(request.events)) throw new MalformedRequest("Expected JSON array for field '$[events]'.");
        const entries = request.events.map((e, i): PutEventsEntry => {
          if (!isObject(e)) throw new MalformedRequest(`Expected JSON object for field '$[events][${i}]'.`);
          return {
            Source: typeof e.source === 'string' ? e.source : undefined,
            DetailType: typeof e.detailType === 'string' ? e.detailType : undefined,
            // AppSync serializes the detail object for EventBridge.
            Detail: e.detail === undefined ? undefined : typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail),
            Resources: Array.isArray(e.resources) ? e.resources.map(String) : undefined,
            Time: typeof e.time === 'string' ? e.time : undefined,
            EventBusName: busName,
          };
        });
        return { result: await bus.putEvents(entries) };
      } catch (e) {
        if (e instanceof MalformedRequest) return { error: { message: e.message, type: e.type } };
        if (e instanceof EventBridgeError) return { error: { message: e.message, type: `EventBridge:${e.name}` } };
        return { error: { message: (e as Error).message, type: 'EventBridge:InternalException' } };
      }
    },
  };
}

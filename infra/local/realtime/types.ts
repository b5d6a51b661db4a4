/**
 * Contract between the AppSync real-time protocol server (this folder: sockets, messages,
 * keep-alive, subscription registry, filter matching) and the GraphQL engine (infra/local/graphql:
 * parsing, validation, auth directives, subscription resolvers, rendering events).
 */
import type { SubscriptionFilterSpec, InvalidationSpec } from '../appsync-js/types.ts';
import type { AuthFailure, SignedRequest } from '../auth/types.ts';

/** An AppSync error entry as sent in `error` / `connection_error` payloads. */
export interface ProtocolErrorEntry {
  errorType: string;
  message: string;
  errorCode?: number;
}

export interface PreparedSubscription {
  /** The subscription field, e.g. `onFileChanged`. */
  fieldName: string;
  /**
   * `@aws_subscribe` argument filter: each entry must equal the same-named field of the event.
   * Ignored when `enhancedFilter` is set: as in AppSync, the resolver's filter then decides alone.
   */
  argumentFilter: Record<string, unknown>;
  /** Enhanced filter set by the subscription resolver (extensions.setSubscriptionFilter). */
  enhancedFilter?: SubscriptionFilterSpec;
  /** Set by extensions.setSubscriptionInvalidationFilter; matched against invalidation payloads. */
  invalidationFilter?: SubscriptionFilterSpec;
  /**
   * Renders this subscriber's selection set over the event data (fields the mutation did not
   * select come back null), enforcing field-level auth for the subscriber.
   */
  render(eventData: Record<string, unknown>): Promise<{ data: Record<string, unknown> | null; errors?: ProtocolErrorEntry[] }>;
}

export interface RealtimeEngine {
  /**
   * Checks the auth headers of a connection (`header-` subprotocol or `?header=`). `signedRequest`
   * is what an IAM client signed for it: `POST <graphql path>/connect` with body `{}`.
   */
  authenticate(authHeaders: Record<string, string>, sourceIp: string, signedRequest?: SignedRequest): Promise<{ ok: true } | AuthFailure>;
  /** Validates, authorizes and runs the subscription resolver for one `start`. */
  prepare(request: {
    query: string;
    variables?: Record<string, unknown>;
    operationName?: string;
    authHeaders: Record<string, string>;
    sourceIp: string;
    /** What an IAM client signed for this start: `POST <graphql path>` with the start's `data` string as body. */
    signedRequest?: SignedRequest;
  }): Promise<{ ok: true; subscription: PreparedSubscription } | { ok: false; errors: ProtocolErrorEntry[] }>;
}

/** A mutation result published to one subscription field (from `@aws_subscribe(mutations: [...])`). */
export interface SubscriptionEvent {
  fieldName: string;
  data: Record<string, unknown>;
}

export interface Publisher {
  publish(event: SubscriptionEvent): void;
  invalidate(spec: InvalidationSpec): void;
}

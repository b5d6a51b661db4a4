/**
 * What the in-sandbox runtime asks of the host. Only primitives cross: a host object handed to
 * resolver code would lead back to the host's Function constructor.
 */
export interface HostBridge {
  /** `n` cryptographically random bytes as lowercase hex. */
  randomHex(n: number): string;
  /** One line resolver code logged, already formatted. */
  log(level: 'log' | 'error' | 'warn' | 'info' | 'debug', line: string): void;
}

/** Per-invocation state the util functions write and the dispatcher reads back. */
export interface InvocationState {
  errors: Array<{ message: string; errorType: string; data?: unknown; errorInfo?: unknown }>;
  subscriptionFilter?: unknown;
  subscriptionInvalidationFilter?: unknown;
  invalidations: Array<{ subscriptionField: string; payload: Record<string, unknown> }>;
  /** util.http.addResponseHeader(s): headers of the GraphQL HTTP response. */
  responseHeaders: Record<string, string>;
  /** For util.unauthorized's message and util.authType. */
  typeName: string;
  fieldName: string;
  authType: string;
}

export function newInvocationState(typeName = '', fieldName = '', authType = 'API Key Authorization'): InvocationState {
  return { errors: [], invalidations: [], responseHeaders: {}, typeName, fieldName, authType };
}

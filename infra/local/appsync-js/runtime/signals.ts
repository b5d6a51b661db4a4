/**
 * Control flow out of resolver code. APPSYNC_JS has no throw/try, so util.error(),
 * util.unauthorized() and runtime.earlyReturn() are the only ways to leave a handler early; they
 * throw these branded objects, which only the runtime's dispatcher catches.
 */
export interface ErrorSignal {
  __appsync: 'error';
  message: string;
  errorType: string;
  data: unknown;
  errorInfo: unknown;
}

export interface EarlyReturnSignal {
  __appsync: 'earlyReturn';
  value: unknown;
  skipTo: 'END' | 'NEXT' | undefined;
}

export type Signal = ErrorSignal | EarlyReturnSignal;

export function isSignal(x: unknown): x is Signal {
  return typeof x === 'object' && x !== null && ((x as Signal).__appsync === 'error' || (x as Signal).__appsync === 'earlyReturn');
}

/**
 * Typed errors for every `errorType` the schema documents (schema/schema.graphql, "Errors"), plus
 * the two failures that never reach the API: the network, and a local integrity check. Callers
 * branch on the class (or on `errorType`), never on message text.
 */

/** The schema's errorTypes, and the client-side ones. */
export type ErrorType =
  | 'Conflict'
  | 'AlreadyExists'
  | 'NotFound'
  | 'Forbidden'
  | 'InvalidInput'
  | 'TooLarge'
  | 'LogTruncated'
  | 'Busy'
  | 'Unauthorized'
  /** No answer from the API: offline, refused, reset. Safe to retry with the same requestId. */
  | 'Network'
  /** Content that fails its sha256 even after a full download. */
  | 'Integrity'
  /** An error the schema does not document (a bug or an outage). */
  | 'Unknown';

export class CraftSyncError extends Error {
  override name = 'CraftSyncError';
  constructor(
    readonly errorType: ErrorType,
    message: string,
    readonly errorInfo: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class ConflictError extends CraftSyncError {
  override name = 'ConflictError';
  /** The head version the server holds. */
  get headVersion(): number | undefined {
    return typeof this.errorInfo.headVersion === 'number' ? this.errorInfo.headVersion : undefined;
  }
  /** `STALE_BASE` (rebase and retry) or `ACCESS_CHANGED` (retry as is). */
  get reason(): string | undefined {
    return typeof this.errorInfo.reason === 'string' ? this.errorInfo.reason : undefined;
  }
}

/**
 * A local edit that cannot be merged with a concurrent remote one (binary content, or the file was
 * deleted). `mine` is the content the edit wanted, so the caller can decide and edit again.
 */
export class UnmergeableConflictError extends CraftSyncError {
  override name = 'UnmergeableConflictError';
  constructor(
    message: string,
    readonly mine: string,
    readonly headVersion: number,
  ) {
    super('Conflict', message, { headVersion, reason: 'UNMERGEABLE' });
  }
}

export class AlreadyExistsError extends CraftSyncError {
  override name = 'AlreadyExistsError';
}
export class NotFoundError extends CraftSyncError {
  override name = 'NotFoundError';
}
export class ForbiddenError extends CraftSyncError {
  override name = 'ForbiddenError';
}
export class InvalidInputError extends CraftSyncError {
  override name = 'InvalidInputError';
}
export class TooLargeError extends CraftSyncError {
  override name = 'TooLargeError';
}
export class LogTruncatedError extends CraftSyncError {
  override name = 'LogTruncatedError';
}
export class BusyError extends CraftSyncError {
  override name = 'BusyError';
}
export class UnauthorizedError extends CraftSyncError {
  override name = 'UnauthorizedError';
}
export class NetworkError extends CraftSyncError {
  override name = 'NetworkError';
}
export class IntegrityError extends CraftSyncError {
  override name = 'IntegrityError';
}

const CLASSES: Record<string, new (t: ErrorType, m: string, i?: Record<string, unknown>, o?: { cause?: unknown }) => CraftSyncError> = {
  Conflict: ConflictError,
  AlreadyExists: AlreadyExistsError,
  NotFound: NotFoundError,
  Forbidden: ForbiddenError,
  InvalidInput: InvalidInputError,
  TooLarge: TooLargeError,
  LogTruncated: LogTruncatedError,
  Busy: BusyError,
  Unauthorized: UnauthorizedError,
  Network: NetworkError,
  Integrity: IntegrityError,
};

/** Builds the typed error for an errorType. */
export function typedError(errorType: string, message: string, errorInfo: Record<string, unknown> = {}, cause?: unknown): CraftSyncError {
  const Cls = CLASSES[errorType];
  if (Cls) return new Cls(errorType as ErrorType, message, errorInfo, { cause });
  return new CraftSyncError('Unknown', `${errorType ? `${errorType}: ` : ''}${message}`, errorInfo, { cause });
}

interface WireError {
  message?: string;
  errorType?: string | null;
  errorInfo?: Record<string, unknown> | null;
  originalError?: unknown;
  name?: string;
}

/**
 * Turns what Amplify throws into a typed error. Amplify throws `{ data, errors: [...] }` for GraphQL
 * errors (AppSync's errorType/errorInfo kept), wraps transport failures (fetch refused, reset) in
 * the same shape without an errorType, and throws plain errors for missing sessions.
 */
export function toCraftSyncError(e: unknown): CraftSyncError {
  if (e instanceof CraftSyncError) return e;
  const errors = (e as { errors?: WireError[] } | null)?.errors;
  let first = Array.isArray(errors) ? errors[0] : (e as WireError | null);
  // A refused subscription: Amplify puts the server's error frame, as JSON, into its message.
  const frame = /^Connection failed: (\{.*\})$/s.exec(first?.message ?? '')?.[1];
  if (frame) first = parseFrame(frame) ?? first;
  const message = first?.message ?? (e instanceof Error ? e.message : String(e));
  const type = first?.errorType ?? undefined;
  if (type) return typedError(type.replace(/Exception$/, '') === 'Unauthorized' ? 'Unauthorized' : type, message, first?.errorInfo ?? {}, e);
  const name = (first as WireError | undefined)?.name ?? (e as Error | undefined)?.name ?? '';
  if (/NoSignedUser|NoValidAuthTokens|NotAuthorized|UserUnAuthenticated|Unauthorized/i.test(`${name} ${message}`)) {
    return new UnauthorizedError('Unauthorized', message, {}, { cause: e });
  }
  if (isNetworkFailure(e) || isNetworkFailure(first?.originalError) || /fetch failed|Network error|ECONNREFUSED|ECONNRESET|socket hang up/i.test(message)) {
    return new NetworkError('Network', message, {}, { cause: e });
  }
  return new CraftSyncError('Unknown', message, {}, { cause: e });
}

function parseFrame(json: string): WireError | undefined {
  try {
    const inner = (JSON.parse(json) as { errors?: WireError[] }).errors?.[0];
    return inner?.errorType ? inner : undefined;
  } catch {
    return undefined;
  }
}

function isNetworkFailure(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const err = e as { name?: string; message?: string; cause?: unknown; code?: string };
  if (err.name === 'NetworkError' || err.name === 'AbortError') return true;
  if (err.name === 'TypeError' && /fetch failed/i.test(err.message ?? '')) return true;
  if (typeof err.code === 'string' && /^(ECONN|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR)/.test(err.code)) return true;
  return err.cause !== undefined && err.cause !== e && isNetworkFailure(err.cause);
}

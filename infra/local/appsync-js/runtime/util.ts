/**
 * AppSync's `util`, `extensions` and `runtime` for APPSYNC_JS, as declared by @aws-appsync/utils.
 * Built inside the sandbox (see entry.ts): every object resolver code can touch belongs to the
 * sandbox's own realm.
 */
import { base64Decode, base64Encode, escapeJavaScript, urlDecode, urlEncode } from './encoding.ts';
import type { HostBridge, InvocationState } from './host.ts';
import { ksuid, ulid, uuidV4 } from './ids.ts';
import type { EarlyReturnSignal, ErrorSignal } from './signals.ts';
import { createDynamodbUtils } from './util-dynamodb.ts';
import { createTimeUtils } from './util-time.ts';
import { createTransformUtils } from './util-transform.ts';

/** AppSync's errorType when util.error() is given none. */
export const DEFAULT_ERROR_TYPE = 'Unknown';

/**
 * Headers util.http.copyHeaders leaves out: those the HTTP client sets itself for the new request
 * (connection management, framing, the target host). AWS documents that a restricted set exists
 * without listing it; this is the local choice.
 */
export const RESTRICTED_REQUEST_HEADERS = ['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'proxy-authorization', 'proxy-connection'];

/** Response headers resolver code may not set: the runtime's framing and content type, and CORS. */
const RESTRICTED_RESPONSE_HEADER = /^(content-length|content-type|transfer-encoding|connection|keep-alive|upgrade|te|trailer|access-control-.*)$/i;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function addResponseHeader(state: InvocationState, name: string, value: unknown): void {
  const n = String(name);
  if (!HEADER_NAME.test(n)) throw new TypeError(`util.http.addResponseHeader: "${n}" is not a valid header name`);
  if (RESTRICTED_RESPONSE_HEADER.test(n)) throw new TypeError(`util.http.addResponseHeader: the header "${n}" is set by the runtime`);
  const v = String(value);
  if (/[\r\n\0]/.test(v)) throw new TypeError(`util.http.addResponseHeader: the value of "${n}" has a line break`);
  state.responseHeaders[n.toLowerCase()] = v;
}

export function createRuntimeApi(host: HostBridge, state: () => InvocationState, now: () => number = () => Date.now()) {
  const fail = (message: string, errorType?: string, data?: unknown, errorInfo?: unknown): never => {
    const signal: ErrorSignal = { __appsync: 'error', message: String(message), errorType: errorType ?? DEFAULT_ERROR_TYPE, data: data ?? null, errorInfo: errorInfo ?? null };
    throw signal;
  };
  const unsupported = (name: string): never => {
    throw new TypeError(`${name} is not available in the local AppSync runtime`);
  };
  const randomDouble = (): number => parseInt(host.randomHex(6), 16) / 2 ** 48;

  const util = {
    escapeJavaScript,
    urlEncode,
    urlDecode,
    base64Encode,
    base64Decode,
    autoId: (): string => uuidV4(host),
    autoUlid: (): string => ulid(host, now()),
    autoKsuid: (): string => ksuid(host, now()),
    unauthorized: (): never => {
      const s = state();
      return fail(`Not Authorized to access ${s.fieldName} on type ${s.typeName}`, 'Unauthorized');
    },
    error: fail,
    appendError: (message: string, errorType?: string, data?: unknown, errorInfo?: unknown): void => {
      state().errors.push({ message: String(message), errorType: errorType ?? DEFAULT_ERROR_TYPE, data: data ?? null, errorInfo: errorInfo ?? null });
    },
    /** Java's Pattern.matches: the whole value must match. */
    matches: (pattern: string, value: string): boolean => new RegExp(`^(?:${pattern})$`).test(String(value)),
    authType: (): string => state().authType,
    time: createTimeUtils(now),
    dynamodb: createDynamodbUtils(),
    transform: createTransformUtils(unsupported),
    math: {
      roundNum: (n: number): number => Math.round(n),
      minVal: (a: number, b: number): number => Math.min(a, b),
      maxVal: (a: number, b: number): number => Math.max(a, b),
      randomDouble,
      randomWithinRange: (start: number, end: number): number => start + Math.floor(randomDouble() * (end - start + 1)),
    },
    str: {
      normalize: (value: string, form: string): string => String(value).normalize(String(form).toUpperCase()),
    },
    http: {
      copyHeaders: (headers: Record<string, unknown>): Record<string, string> => {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(headers ?? {})) if (!RESTRICTED_REQUEST_HEADERS.includes(k.toLowerCase()) && v != null) out[k] = String(v);
        return out;
      },
      addResponseHeader: (name: string, value: unknown): void => addResponseHeader(state(), name, value),
      addResponseHeaders: (headers: Record<string, unknown>): void => {
        for (const [k, v] of Object.entries(headers ?? {})) addResponseHeader(state(), k, v);
      },
    },
    xml: {
      toMap: (..._args: unknown[]): never => unsupported('util.xml.toMap'),
      toJsonString: (..._args: unknown[]): never => unsupported('util.xml.toJsonString'),
    },
    rds: new Proxy({}, { get: (_t, p) => () => unsupported(`util.rds.${String(p)}`) }),
  };

  const extensions = {
    setSubscriptionFilter: (filter: unknown): void => {
      state().subscriptionFilter = filter;
    },
    setSubscriptionInvalidationFilter: (filter: unknown): void => {
      state().subscriptionInvalidationFilter = filter;
    },
    invalidateSubscriptions: (obj: { subscriptionField: string; payload: Record<string, unknown> }): void => {
      state().invalidations.push({ subscriptionField: String(obj?.subscriptionField), payload: obj?.payload ?? {} });
    },
    /** The local runtime has no resolver cache: nothing to evict. */
    evictFromApiCache: (..._args: [typeName: string, fieldName: string, keyValuePair: Record<string, unknown>]): void => undefined,
  };

  const runtime = {
    earlyReturn: (value?: unknown, options?: { skipTo?: 'END' | 'NEXT' }): never => {
      const signal: EarlyReturnSignal = { __appsync: 'earlyReturn', value: value === undefined ? null : value, skipTo: options?.skipTo };
      throw signal;
    },
  };

  return { util, extensions, runtime };
}

/**
 * The AppSync real-time protocol as types: one type per wire message, a union per direction, and
 * one validation point (`parseClientMessage`) whose errors say exactly what was wrong.
 */
import type { ProtocolErrorEntry } from './types.ts';
import { protocolErrors } from './errors.ts';

// ---- client → server -------------------------------------------------------------------------

export interface ConnectionInitMessage {
  type: 'connection_init';
  payload?: unknown;
}

/** The auth headers a `start` carries (`Authorization` / `x-api-key` / SigV4 headers, `host`, ...). */
export type AuthorizationHeaders = Record<string, string>;

export interface StartMessage {
  type: 'start';
  id: string;
  payload: {
    /** A JSON string of `{ query, variables?, operationName? }`. */
    data: string;
    extensions: { authorization: AuthorizationHeaders };
  };
}

export interface StopMessage {
  type: 'stop';
  id: string;
}

export type ClientMessage = ConnectionInitMessage | StartMessage | StopMessage;

// ---- server → client -------------------------------------------------------------------------

export interface ConnectionAckMessage {
  type: 'connection_ack';
  payload: { connectionTimeoutMs: number };
}
export interface ConnectionErrorMessage {
  type: 'connection_error';
  payload: { errors: ProtocolErrorEntry[] };
}
export interface KeepAliveMessage {
  type: 'ka';
}
export interface StartAckMessage {
  type: 'start_ack';
  id: string;
}
export interface DataMessage {
  type: 'data';
  id: string;
  payload: { data: Record<string, unknown> | null; errors?: ProtocolErrorEntry[] };
}
export interface ErrorMessage {
  type: 'error';
  /** Absent when the offending frame carried no usable id (e.g. malformed JSON). */
  id?: string;
  payload: { errors: ProtocolErrorEntry[] };
}
export interface CompleteMessage {
  type: 'complete';
  id: string;
}

export type ServerMessage = ConnectionAckMessage | ConnectionErrorMessage | KeepAliveMessage | StartAckMessage | DataMessage | ErrorMessage | CompleteMessage;

// ---- validation ------------------------------------------------------------------------------

/** Largest frame a client may send; AppSync's message limit, used in both directions here. */
export const MAX_MESSAGE_BYTES = 240 * 1024;

export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; id?: string; error: ProtocolErrorEntry };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const fail = (error: ProtocolErrorEntry, id?: string): ParseResult => ({ ok: false, ...(id !== undefined ? { id } : {}), error });

/** Validates one text frame from a client; never throws. */
export function parseClientMessage(raw: string, maxBytes = MAX_MESSAGE_BYTES): ParseResult {
  const size = Buffer.byteLength(raw);
  if (size > maxBytes) return fail(protocolErrors.tooLarge(size, maxBytes));
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch (e) {
    return fail(protocolErrors.badRequest(`Message is not valid JSON: ${(e as Error).message}`));
  }
  if (!isRecord(msg)) return fail(protocolErrors.badRequest('Message must be a JSON object.'));
  const id = typeof msg.id === 'string' && msg.id !== '' ? msg.id : undefined;
  if (msg.id !== undefined && id === undefined) return fail(protocolErrors.badRequest('"id" must be a non-empty string.'));
  switch (msg.type) {
    case 'connection_init':
      return { ok: true, message: { type: 'connection_init', ...(msg.payload !== undefined ? { payload: msg.payload } : {}) } };
    case 'stop':
      if (!id) return fail(protocolErrors.badRequest('A "stop" message needs an "id".'));
      return { ok: true, message: { type: 'stop', id } };
    case 'start':
      return parseStart(msg, id);
    default:
      return fail(protocolErrors.unsupported(msg.type), id);
  }
}

function parseStart(msg: Record<string, unknown>, id: string | undefined): ParseResult {
  if (!id) return fail(protocolErrors.badRequest('A "start" message needs an "id".'));
  const payload = msg.payload;
  if (!isRecord(payload)) return fail(protocolErrors.badRequest('"payload" of a start must be an object.'), id);
  if (typeof payload.data !== 'string') {
    return fail(protocolErrors.badRequest('"payload.data" must be a JSON string of {query, variables}.'), id);
  }
  const ext = payload.extensions;
  const authorization = isRecord(ext) && isRecord(ext.authorization) ? ext.authorization : undefined;
  if (!authorization) return fail(protocolErrors.unauthorized('"payload.extensions.authorization" is missing.'), id);
  const headers: AuthorizationHeaders = {};
  for (const [k, v] of Object.entries(authorization)) if (typeof v === 'string') headers[k] = v;
  return { ok: true, message: { type: 'start', id, payload: { data: payload.data, extensions: { authorization: headers } } } };
}

export interface StartRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/** Parses the `data` string of a start: `{query, variables?, operationName?}`. */
export function parseStartData(data: string): { ok: true; request: StartRequest } | { ok: false; error: ProtocolErrorEntry } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (e) {
    return { ok: false, error: protocolErrors.badRequest(`"payload.data" is not valid JSON: ${(e as Error).message}`) };
  }
  if (!isRecord(parsed)) return { ok: false, error: protocolErrors.badRequest('"payload.data" must encode a JSON object.') };
  if (typeof parsed.query !== 'string' || parsed.query.trim() === '') {
    return { ok: false, error: protocolErrors.badRequest('"payload.data" must carry a GraphQL "query" string.') };
  }
  if (parsed.variables != null && !isRecord(parsed.variables)) {
    return { ok: false, error: protocolErrors.badRequest('"variables" must be an object.') };
  }
  if (parsed.operationName != null && typeof parsed.operationName !== 'string') {
    return { ok: false, error: protocolErrors.badRequest('"operationName" must be a string.') };
  }
  return {
    ok: true,
    request: {
      query: parsed.query,
      ...(isRecord(parsed.variables) ? { variables: parsed.variables } : {}),
      ...(typeof parsed.operationName === 'string' ? { operationName: parsed.operationName } : {}),
    },
  };
}

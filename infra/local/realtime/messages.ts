/**
 * The AppSync real-time protocol as types: one type per wire message, and one validation point
 * (`parseClientMessage`) whose errors say exactly what was wrong.
 */
import type { ProtocolErrorEntry } from './types.ts';

export interface ConnectionInit { type: 'connection_init'; payload?: unknown }
export interface Start {
  type: 'start';
  id: string;
  payload: { data: string; extensions: { authorization: Record<string, string> } };
}
export interface Stop { type: 'stop'; id: string }
export type ClientMessage = ConnectionInit | Start | Stop;

export type ServerMessage =
  | { type: 'connection_ack'; payload: { connectionTimeoutMs: number } }
  | { type: 'connection_error'; payload: { errors: ProtocolErrorEntry[] } }
  | { type: 'ka' }
  | { type: 'start_ack'; id: string }
  | { type: 'data'; id: string; payload: { data: Record<string, unknown> | null; errors?: ProtocolErrorEntry[] } }
  | { type: 'error'; id?: string; payload: { errors: ProtocolErrorEntry[] } }
  | { type: 'complete'; id: string };

export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; id?: string; error: ProtocolErrorEntry };

const bad = (message: string, id?: string): ParseResult => ({ ok: false, id, error: { errorType: 'BadRequestException', message } });

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates one text frame from a client. */
export function parseClientMessage(raw: string): ParseResult {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return bad('Message is not valid JSON.');
  }
  if (!isRecord(msg)) return bad('Message must be a JSON object.');
  const id = typeof msg.id === 'string' ? msg.id : undefined;
  switch (msg.type) {
    case 'connection_init':
      return { ok: true, message: { type: 'connection_init', payload: msg.payload } };
    case 'stop':
      if (!id) return bad('A stop message needs a string id.');
      return { ok: true, message: { type: 'stop', id } };
    case 'start': {
      if (!id) return bad('A start message needs a string id.');
      const payload = msg.payload;
      if (!isRecord(payload)) return bad('A start message needs a payload object.', id);
      if (typeof payload.data !== 'string') return bad('payload.data must be a JSON string of {query, variables}.', id);
      const ext = payload.extensions;
      const authorization = isRecord(ext) && isRecord(ext.authorization) ? ext.authorization : undefined;
      if (!authorization) return { ok: false, id, error: { errorType: 'UnauthorizedException', message: 'payload.extensions.authorization is missing.', errorCode: 401 } };
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(authorization)) if (typeof v === 'string') headers[k] = v;
      return { ok: true, message: { type: 'start', id, payload: { data: payload.data, extensions: { authorization: headers } } } };
    }
    default:
      return { ok: false, id, error: { errorType: 'UnsupportedOperation', message: `${typeof msg.type === 'string' ? msg.type : 'unknown'} not supported through the realtime channel` } };
  }
}

/** The `data` string of a start: `{query, variables?, operationName?}`. */
export function parseStartData(data: string): { ok: true; query: unknown; variables?: Record<string, unknown>; operationName?: string } | { ok: false; error: ProtocolErrorEntry } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return { ok: false, error: { errorType: 'BadRequestException', message: 'payload.data is not valid JSON.' } };
  }
  if (!isRecord(parsed)) return { ok: false, error: { errorType: 'BadRequestException', message: 'payload.data must be a JSON object.' } };
  const variables = isRecord(parsed.variables) ? parsed.variables : undefined;
  return { ok: true, query: parsed.query, variables, operationName: typeof parsed.operationName === 'string' ? parsed.operationName : undefined };
}

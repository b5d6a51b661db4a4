/**
 * createApi for Node: the same API, with real-time failures diagnosed by a TLS/TCP probe that names
 * the cause (realtime-node.ts) instead of the browser's guess. index.ts exports this one.
 */
import { createApi as createApiCore, type Api, type ApiOptions } from './api.ts';
import { nodeProbe } from './realtime-node.ts';
import type { Session } from './session.ts';

export function createApi(session: Session, opts: ApiOptions = {}): Api {
  return createApiCore(session, { probe: nodeProbe, ...opts });
}

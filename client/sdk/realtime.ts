/**
 * Why a real-time connection does not come up. Amplify v6 retries a socket that fails to open
 * without telling anyone (its provider only logs at debug level and never errors the observable for
 * a retryable failure), so the SDK finds the cause itself: the missing WebSocket at once, the rest
 * by a probe of the real-time host when no ack arrives. No Node modules here (browsers use it);
 * the Node probe with TLS and TCP detail is realtime-node.ts.
 */
import { NetworkError } from './errors.ts';

/**
 * What stopped the connection, in `errorInfo.reason`: no WebSocket class in this runtime, a
 * certificate this runtime does not trust, nothing listening, the host unreachable otherwise, or a
 * server that opens the socket but never acknowledges the subscription.
 */
export type RealtimeFailure = 'NO_WEBSOCKET' | 'CERT_UNTRUSTED' | 'REFUSED' | 'UNREACHABLE' | 'NO_ACK';

export interface ProbeHint {
  /** The local runtime's CA, when the configuration names it (NODE_EXTRA_CA_CERTS must point there). */
  caCertPath?: string;
}

/** Finds why `url` (wss://) cannot be reached; undefined when it can (the cause is elsewhere). */
export type RealtimeProbe = (url: string, hint: ProbeHint) => Promise<NetworkError | undefined>;

export function realtimeError(reason: RealtimeFailure, url: string, message: string, info: Record<string, unknown> = {}, cause?: unknown): NetworkError {
  return new NetworkError('Network', `real-time connection to ${url} cannot come up: ${message}`, { reason, url, ...info }, { cause });
}

// Amplify's rule (api-graphql AWSWebSocketProvider/appsyncUrl): an AppSync domain swaps in
// `appsync-realtime-api`; any other (custom domain, the local runtime) appends /realtime; always wss.
const APPSYNC_DOMAIN = /^https:\/\/\w{26}\.appsync-api\.\w{2}(?:(?:-\w{2,})+)-\d\.amazonaws.com(?:\.cn)?\/graphql$/i;

/** The wss:// URL Amplify dials for a GraphQL endpoint. */
export function realtimeUrlFor(graphqlEndpoint: string): string {
  const url = APPSYNC_DOMAIN.test(graphqlEndpoint) ? graphqlEndpoint.replace('appsync-api', 'appsync-realtime-api') : `${graphqlEndpoint}/realtime`;
  return url.replace(/^https?:\/\//, 'wss://');
}

/** Node before 22 (and some embedded runtimes) have no global WebSocket, which Amplify needs. */
export function missingWebSocket(url: string): NetworkError | undefined {
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function') return undefined;
  return realtimeError(
    'NO_WEBSOCKET',
    url,
    'this runtime has no WebSocket implementation (globalThis.WebSocket is undefined; Node < 22 has none). ' +
      "Install one before subscribing: `import WebSocket from 'ws'; globalThis.WebSocket ??= WebSocket;` (the `ws` package)",
  );
}

/**
 * What a browser can tell: it hides TLS and TCP errors, so a failed https fetch of the same host
 * means "nothing listens, or the certificate is not trusted" and says how to fix either.
 */
export const browserProbe: RealtimeProbe = async (url, hint) => {
  const origin = url.replace(/^wss:\/\//, 'https://').replace(/^(https:\/\/[^/]+).*$/, '$1');
  try {
    await fetch(`${origin}/`, { method: 'HEAD', mode: 'no-cors', cache: 'no-store' });
    return undefined;
  } catch (e) {
    return realtimeError(
      'UNREACHABLE',
      url,
      `${origin} does not answer over https: nothing listens there, or this browser does not trust its certificate ` +
        `(the local runtime: open ${origin}/app/ once and accept it, or import ${hint.caCertPath ?? '<data dir>/tls/ca.pem'} as a trusted authority)`,
      {},
      e,
    );
  }
};

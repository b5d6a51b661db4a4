/**
 * The Node probe of a real-time host: a TLS handshake with the trust store the WebSocket would use
 * (Node's defaults plus NODE_EXTRA_CA_CERTS, read at process start), classified into the failure a
 * user can fix: an untrusted certificate (which CA to trust), nothing listening, or no answer.
 */
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import type { NetworkError } from './errors.ts';
import { realtimeError, type RealtimeProbe } from './realtime.ts';

const PROBE_TIMEOUT_MS = 3_000;

/** OpenSSL's and Node's codes for a certificate chain or name this process does not accept. */
const CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export const nodeProbe: RealtimeProbe = (url, hint) => {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || 443);
  return new Promise<NetworkError | undefined>((resolve) => {
    const socket = connect({ host, port, servername: isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] });
    const done = (r: NetworkError | undefined) => {
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(realtimeError('UNREACHABLE', url, `no TLS answer from ${host}:${port} within ${PROBE_TIMEOUT_MS} ms`)));
    socket.once('secureConnect', () => done(undefined));
    socket.once('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? '';
      if (CERT_CODES.has(code)) {
        const ca = hint.caCertPath ?? '<data dir>/tls/ca.pem (`npm start` writes the local CA there)';
        const now = process.env.NODE_EXTRA_CA_CERTS ? ` (NODE_EXTRA_CA_CERTS is ${process.env.NODE_EXTRA_CA_CERTS}: not the CA that signed this certificate)` : '';
        done(
          realtimeError(
            'CERT_UNTRUSTED',
            url,
            `the certificate of ${host}:${port} is not trusted (${code}: ${e.message})${now}. ` + `Start Node with NODE_EXTRA_CA_CERTS=${ca} (it is read at start-up only)`,
            { code, caCertPath: hint.caCertPath },
            e,
          ),
        );
      } else if (code === 'ECONNREFUSED') {
        done(realtimeError('REFUSED', url, `connection refused by ${host}:${port}: nothing listens there (is the runtime running? \`npm start\`)`, { code }, e));
      } else {
        done(realtimeError('UNREACHABLE', url, `${host}:${port} is unreachable (${code || e.name}: ${e.message})`, { code }, e));
      }
    });
  });
};

import type { IncomingMessage, ServerResponse } from 'node:http';
import { iamVerifier } from '../auth/iam.ts';

/**
 * Which Cognito user-pool operations need IAM (SigV4) credentials, and the check itself.
 *
 * Real Cognito serves a set of operations to anyone: sign-up, sign-in and what a signed-in user does
 * with their own access token. Those are the operations AWS's own service model marks `noAuth` (the
 * list below is the one in @aws-sdk/client-cognito-identity-provider's auth scheme provider). Every
 * other operation — Admin*, ListUsers, pool and client management, groups — is an IAM call, signed
 * with `cognito-idp` as the signing name. Locally they need the stack's dev credentials.
 */
export const PUBLIC_OPERATIONS: ReadonlySet<string> = new Set([
  'AssociateSoftwareToken', 'ChangePassword', 'CompleteWebAuthnRegistration', 'ConfirmDevice', 'ConfirmForgotPassword',
  'ConfirmSignUp', 'DeleteUser', 'DeleteUserAttributes', 'DeleteWebAuthnCredential', 'ForgetDevice', 'ForgotPassword',
  'GetDevice', 'GetTokensFromRefreshToken', 'GetUser', 'GetUserAttributeVerificationCode', 'GetUserAuthFactors',
  'GlobalSignOut', 'InitiateAuth', 'ListDevices', 'ListUserSessions', 'ListWebAuthnCredentials', 'ResendConfirmationCode',
  'RespondToAuthChallenge', 'RevokeToken', 'RevokeUserSession', 'SetUserMFAPreference', 'SetUserSettings', 'SignUp',
  'StartWebAuthnRegistration', 'UpdateAuthEventFeedback', 'UpdateDeviceStatus', 'UpdateUserAttributes',
  'VerifySoftwareToken', 'VerifyUserAttribute',
]);

export const COGNITO_SIGNING_NAME = 'cognito-idp';
const MAX_BODY = 1024 * 1024;

export interface AdminCredential {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The operation as cognito-local routes it: the part after the first dot of `X-Amz-Target`. */
export const operationOf = (target: string) => target.split('.')[1] ?? '';

/**
 * A gate in front of cognito-local: resolves true when the request may go on (no `X-Amz-Target`, a
 * public operation, or a valid signature), else answers it as Cognito does and resolves false. A
 * checked request's body has been read; it is handed on parsed, as cognito-local's body parser would.
 */
export function cognitoAdminGate(opts: { credentials: AdminCredential[]; region: string }) {
  const verify = iamVerifier({
    credentials: opts.credentials.map((c) => ({ ...c, accountId: '000000000000', userArn: 'arn:aws:iam::000000000000:user/local-backend' })),
    region: opts.region,
    service: COGNITO_SIGNING_NAME,
  });
  return async (req: IncomingMessage & { body?: unknown }, res: ServerResponse): Promise<boolean> => {
    const target = req.headers['x-amz-target'];
    if (target === undefined || PUBLIC_OPERATIONS.has(operationOf(String(target)))) return true;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_BODY) return refuse(res, 413, 'RequestEntityTooLarge', 'Request body too large.');
      chunks.push(c);
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
    if (!headers.authorization) return refuse(res, 400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    const auth = await verify(headers, req.socket.remoteAddress ?? '127.0.0.1', { method: req.method ?? 'POST', path: req.url ?? '/', body });
    // Cognito (like AWS's other JSON-protocol services) answers signature failures with 400, not 403.
    if (!auth.ok) return refuse(res, 400, auth.errorType, auth.message);
    try {
      req.body = /^application\/x-amz-json-1\.1\b/i.test(headers['content-type'] ?? '') && body ? JSON.parse(body) : {};
    } catch {
      return refuse(res, 400, 'SerializationException', 'The request body is not JSON.');
    }
    // cognito-local's body-parser (2.x) leaves a request whose stream has ended as it is.
    return true;
  };
}

function refuse(res: ServerResponse, status: number, type: string, message: string): false {
  const text = JSON.stringify({ __type: type, message });
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text) }).end(text);
  return false;
}

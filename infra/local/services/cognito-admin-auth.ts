import type { IncomingMessage } from 'node:http';
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
  'AssociateSoftwareToken',
  'ChangePassword',
  'CompleteWebAuthnRegistration',
  'ConfirmDevice',
  'ConfirmForgotPassword',
  'ConfirmSignUp',
  'DeleteUser',
  'DeleteUserAttributes',
  'DeleteWebAuthnCredential',
  'ForgetDevice',
  'ForgotPassword',
  'GetDevice',
  'GetTokensFromRefreshToken',
  'GetUser',
  'GetUserAttributeVerificationCode',
  'GetUserAuthFactors',
  'GlobalSignOut',
  'InitiateAuth',
  'ListDevices',
  'ListUserSessions',
  'ListWebAuthnCredentials',
  'ResendConfirmationCode',
  'RespondToAuthChallenge',
  'RevokeToken',
  'RevokeUserSession',
  'SetUserMFAPreference',
  'SetUserSettings',
  'SignUp',
  'StartWebAuthnRegistration',
  'UpdateAuthEventFeedback',
  'UpdateDeviceStatus',
  'UpdateUserAttributes',
  'VerifySoftwareToken',
  'VerifyUserAttribute',
]);

export const COGNITO_SIGNING_NAME = 'cognito-idp';

export interface AdminCredential {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The operation named by an `X-Amz-Target` of the user-pool service, or undefined for any other target. */
export function operationOf(target: string | string[] | undefined): string | undefined {
  const [service, op, ...rest] = typeof target === 'string' ? target.split('.') : [];
  return service === 'AWSCognitoIdentityProviderService' && op && rest.length === 0 ? op : undefined;
}

export type GateResult = { ok: true } | { ok: false; errorType: string; message: string };

/**
 * The check in front of every operation: a public one passes, any other needs a valid SigV4
 * signature by one of `credentials` over the request as received (its body already read).
 */
export function cognitoAdminGate(opts: { credentials: AdminCredential[]; region: string }) {
  const verify = iamVerifier({
    credentials: opts.credentials.map((c) => ({ ...c, accountId: '000000000000', userArn: 'arn:aws:iam::000000000000:user/local-backend' })),
    region: opts.region,
    service: COGNITO_SIGNING_NAME,
  });
  return async (req: IncomingMessage, operation: string, body: string): Promise<GateResult> => {
    if (PUBLIC_OPERATIONS.has(operation)) return { ok: true };
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
    if (!headers.authorization) return { ok: false, errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
    const auth = await verify(headers, req.socket.remoteAddress ?? '127.0.0.1', { method: req.method ?? 'POST', path: req.url ?? '/', body });
    // Cognito (like AWS's other JSON-protocol services) answers signature failures with 400, not 403.
    return auth.ok ? { ok: true } : { ok: false, errorType: auth.errorType, message: auth.message };
  };
}

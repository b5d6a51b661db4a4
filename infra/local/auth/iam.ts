import { createHash } from 'node:crypto';
import type { IamIdentity } from '../appsync-js/types.ts';
import { incompleteSignature, invalidSignature, signatureMismatch, unknownAccessKey } from './errors.ts';
import type { AuthResult, SignedRequest } from './types.ts';
import { amzBasic, authorizationFields, headerSignatureMatches, parseAmzDate, queryObject } from './sigv4.ts';

export interface IamCredential {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  userArn: string;
  /** The principal's unique id (AppSync's `identity.username`); default: the ARN's last path segment. */
  userId?: string;
}

export interface IamConfig {
  credentials: IamCredential[];
  region: string;
  /** Signing name; AppSync's is `appsync`. */
  service?: string;
  /** The time signatures are checked against (tests); default now. */
  now?: () => Date;
}

/** AWS refuses a signature whose `x-amz-date` is further than this from its own clock. */
const MAX_SKEW_MS = 5 * 60_000;

/**
 * AWS_IAM mode (and the local AWS JSON endpoints): checks the scope and the clock, then has the one
 * SigV4 verifier (sigv4.ts) recompute the signature for the access key the `Credential=` names.
 * Only the headers listed in `SignedHeaders` are signed again, so clients that sign more or fewer
 * headers than the SDK still verify.
 */
export function iamVerifier(cfg: IamConfig) {
  const service = cfg.service ?? 'appsync';
  const byKey = new Map(cfg.credentials.map((c) => [c.accessKeyId, c]));

  return async (headers: Record<string, string>, sourceIp: string, request: SignedRequest | undefined): Promise<AuthResult> => {
    const parsed = parseAuthorization(headers.authorization ?? '');
    if (typeof parsed === 'string') return incompleteSignature(parsed);
    const [accessKeyId, scopeDate, region, scopeService, terminator] = parsed.credential.split('/');
    const cred = byKey.get(accessKeyId ?? '');
    if (!cred) return unknownAccessKey();
    const amzDate = headers['x-amz-date'];
    if (!amzDate) return incompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    const signingDate = parseAmzDate(amzDate);
    if (!signingDate) return incompleteSignature(`Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`);
    const now = cfg.now?.() ?? new Date();
    if (signingDate.getTime() < now.getTime() - MAX_SKEW_MS) {
      return invalidSignature(`Signature expired: ${amzDate} is now earlier than ${amzBasic(new Date(now.getTime() - MAX_SKEW_MS))} (${amzBasic(now)} - 5 min.)`);
    }
    if (signingDate.getTime() > now.getTime() + MAX_SKEW_MS) {
      return invalidSignature(`Signature not yet current: ${amzDate} is still later than ${amzBasic(new Date(now.getTime() + MAX_SKEW_MS))} (${amzBasic(now)} + 5 min.)`);
    }
    if (region !== cfg.region) return invalidSignature('Credential should be scoped to a valid region.');
    if (scopeService !== service || terminator !== 'aws4_request' || scopeDate !== amzDate.slice(0, 8)) return signatureMismatch();
    if (!request) return incompleteSignature('The signed request (method, path and body) is not available to verify this signature.');

    const signedHeaders: Record<string, string> = {};
    for (const name of parsed.signedHeaders) {
      const value = headers[name];
      if (value === undefined) return signatureMismatch();
      signedHeaders[name] = value;
    }
    // A payload hash header is only a claim: the signature must cover the body actually received.
    const claimedHash = signedHeaders['x-amz-content-sha256'];
    if (claimedHash !== undefined && claimedHash !== createHash('sha256').update(request.body).digest('hex')) return signatureMismatch();
    const url = new URL(request.path, 'http://local');
    const matches = await headerSignatureMatches(
      { key: cred, region, service },
      { method: request.method, protocol: 'https:', hostname: headers.host ?? '', path: url.pathname, query: queryObject(url.searchParams), headers: signedHeaders, body: request.body },
      signingDate,
      parsed.signedHeaders,
      parsed.signature,
    );
    if (!matches) return signatureMismatch();
    return { ok: true, mode: 'AWS_IAM', identity: iamIdentity(cred, sourceIp) };
  };
}

export const isSigV4 = (authorization: string | undefined): boolean => !!authorization && authorization.startsWith('AWS4-HMAC-SHA256 ');

function parseAuthorization(value: string): { credential: string; signedHeaders: string[]; signature: string } | string {
  const fields = authorizationFields(value);
  for (const required of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!fields.get(required)) return `Authorization header requires '${required}' parameter. Authorization=${value}`;
  }
  return { credential: fields.get('Credential')!, signedHeaders: fields.get('SignedHeaders')!.split(';'), signature: fields.get('Signature')! };
}

/** AppSync's `ctx.identity` for an IAM user (no Cognito identity pool locally). */
export function iamIdentity(cred: IamCredential, sourceIp: string): IamIdentity {
  return {
    accountId: cred.accountId,
    cognitoIdentityPoolId: null,
    cognitoIdentityId: null,
    sourceIp: [sourceIp],
    username: cred.userId ?? cred.userArn.split('/').pop() ?? cred.accessKeyId,
    userArn: cred.userArn,
    cognitoIdentityAuthType: null,
    cognitoIdentityAuthProvider: null,
  };
}

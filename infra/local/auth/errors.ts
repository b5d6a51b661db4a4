import type { AuthFailure } from './types.ts';

/**
 * The failures AppSync answers before any resolver runs, worded as AppSync words them where known.
 * JWT and API-key failures are 401 `UnauthorizedException`; SigV4 failures come from the AWS
 * request-signing layer, so they carry its 403 error types and messages.
 */
const unauthorized = (message: string): AuthFailure => ({ ok: false, errorType: 'UnauthorizedException', message, status: 401 });

/** No credential of a mode the API accepts (no header, or one for a mode the API does not use). */
export const missingCredential = (): AuthFailure => unauthorized('Valid authorization header not provided.');
/** The `authorization` header is not a JWT at all (AppSync also says this for `Bearer <jwt>`). */
export const unparsableJwt = (): AuthFailure => unauthorized('Unable to parse JWT token.');
export const expiredJwt = (): AuthFailure => unauthorized('Token has expired.');
/** A well-formed credential that does not check out: bad signature, other issuer or client, unknown or expired API key. */
export const notAuthorized = (): AuthFailure => unauthorized('You are not authorized to make this call.');

export const unknownAccessKey = (): AuthFailure => ({
  ok: false,
  errorType: 'UnrecognizedClientException',
  message: 'The security token included in the request is invalid.',
  status: 403,
});
export const signatureMismatch = (): AuthFailure => ({
  ok: false,
  errorType: 'InvalidSignatureException',
  message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  status: 403,
});
export const invalidSignature = (message: string): AuthFailure => ({ ok: false, errorType: 'InvalidSignatureException', message, status: 403 });
export const incompleteSignature = (message: string): AuthFailure => ({ ok: false, errorType: 'IncompleteSignatureException', message, status: 403 });

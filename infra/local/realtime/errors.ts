/**
 * The errors the real-time endpoint sends, with AppSync's errorTypes. Amplify treats
 * UnauthorizedException (and Unauthorized / NotAuthorizedException) on a `start` as a reason to
 * close the whole shared socket, so only real auth failures use those types.
 */
import type { ProtocolErrorEntry } from './types.ts';

export const protocolErrors = {
  /** Handshake or `start` credentials missing or invalid. */
  unauthorized: (message = 'Valid authorization header not provided.'): ProtocolErrorEntry => ({
    errorType: 'UnauthorizedException',
    message,
    errorCode: 401,
  }),
  badRequest: (message: string): ProtocolErrorEntry => ({ errorType: 'BadRequestException', message, errorCode: 400 }),
  /** AppSync's answer to an unknown message type (its wording, with the type's name). */
  unsupported: (type: unknown): ProtocolErrorEntry => ({
    errorType: 'UnsupportedOperation',
    message: `${typeof type === 'string' && type !== '' ? type : 'unknown'} not supported through the realtime channel`,
  }),
  duplicated: (id: string): ProtocolErrorEntry => ({ errorType: 'DuplicatedOperationError', message: `Duplicated operation with id ${id}` }),
  maxSubscriptions: (max: number): ProtocolErrorEntry => ({
    errorType: 'MaxSubscriptionsReachedError',
    message: `Max number of ${max} subscriptions reached`,
  }),
  notInitialized: (): ProtocolErrorEntry => ({
    errorType: 'BadRequestException',
    message: 'connection_init must be sent and acknowledged before start.',
    errorCode: 400,
  }),
  tooLarge: (size: number, max: number): ProtocolErrorEntry => ({
    errorType: 'BadRequestException',
    message: `Message of ${size} bytes exceeds the ${max}-byte limit.`,
    errorCode: 400,
  }),
  invalidFilter: (message: string): ProtocolErrorEntry => ({ errorType: 'BadRequestException', message, errorCode: 400 }),
  internal: (): ProtocolErrorEntry => ({ errorType: 'InternalFailure', message: 'An internal failure occurred.' }),
};

/**
 * Cognito's errors as the JSON protocol carries them: HTTP 400 (500 for InternalErrorException) with
 * `{ "__type": "<Type>", "message": "..." }` and the `x-amzn-errortype` header. The SDKs and Amplify
 * turn `__type` into the error's `name`; the messages follow Cognito's where they are known.
 */
export class CognitoError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const error = (type: string) => (message: string) => new CognitoError(type, message);

export const invalidParameter = error('InvalidParameterException');
export const notAuthorized = error('NotAuthorizedException');
export const resourceNotFound = error('ResourceNotFoundException');
export const userNotFound = () => new CognitoError('UserNotFoundException', 'User does not exist.');
export const userNotConfirmed = () => new CognitoError('UserNotConfirmedException', 'User is not confirmed.');
export const usernameExists = error('UsernameExistsException');
export const invalidPassword = error('InvalidPasswordException');
export const codeMismatch = () => new CognitoError('CodeMismatchException', 'Invalid verification code provided, please try again.');
export const expiredCode = () => new CognitoError('ExpiredCodeException', 'Invalid code provided, please request a code again.');
export const groupExists = error('GroupExistsException');
export const incorrectCredentials = () => notAuthorized('Incorrect username or password.');

/** Cognito's wording for a required member that is absent (the service model's validation). */
export const missingMember = (member: string) => invalidParameter(`1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);

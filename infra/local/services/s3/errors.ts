/**
 * S3's error responses: a code, an HTTP status and a message, rendered as S3's `<Error>` XML by
 * the server. Only the codes this emulator can produce are here; each says when S3 uses it.
 */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra elements S3 adds to the error document (e.g. `ExpectedDigest`). */
    readonly detail: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

export const s3Errors = {
  accessDenied: (message = 'Access Denied') => new S3Error('AccessDenied', 403, message),
  expired: (expires: string, now: string) => new S3Error('AccessDenied', 403, 'Request has expired', { Expires: expires, ServerTime: now }),
  notYetValid: () => new S3Error('AccessDenied', 403, 'Request is not valid yet'),
  signatureMismatch: (detail: Record<string, string> = {}) =>
    new S3Error('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', detail),
  unknownAccessKey: (accessKeyId: string) => new S3Error('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId }),
  skewed: () => new S3Error('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.'),
  authQuery: (message: string) => new S3Error('AuthorizationQueryParametersError', 400, message),
  authHeader: (message: string) => new S3Error('AuthorizationHeaderMalformed', 400, message),
  invalidArgument: (message: string, name?: string, value?: string) => new S3Error('InvalidArgument', 400, message, name ? { ArgumentName: name, ArgumentValue: value ?? '' } : {}),
  invalidRequest: (message: string) => new S3Error('InvalidRequest', 400, message),
  badDigest: (message = 'The Content-MD5 or checksum value that you specified did not match what the server received.') => new S3Error('BadDigest', 400, message),
  contentSha256Mismatch: (claimed: string, actual: string) =>
    new S3Error('XAmzContentSHA256Mismatch', 400, "The provided 'x-amz-content-sha256' header does not match what was computed.", {
      ClientComputedContentSHA256: claimed,
      S3ComputedContentSHA256: actual,
    }),
  incompleteBody: () => new S3Error('IncompleteBody', 400, 'You did not provide the number of bytes specified by the Content-Length HTTP header.'),
  missingContentLength: () => new S3Error('MissingContentLength', 411, 'You must provide the Content-Length HTTP header.'),
  entityTooLarge: (max: number) => new S3Error('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size', { MaxSizeAllowed: String(max) }),
  entityTooSmall: () => new S3Error('EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed object size.'),
  noSuchBucket: (bucket: string) => new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: bucket }),
  noSuchKey: (key: string) => new S3Error('NoSuchKey', 404, 'The specified key does not exist.', { Key: key }),
  noSuchUpload: (uploadId: string) =>
    new S3Error('NoSuchUpload', 404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId }),
  invalidPart: () =>
    new S3Error('InvalidPart', 400, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."),
  invalidPartOrder: () => new S3Error('InvalidPartOrder', 400, 'The list of parts was not in ascending order. Parts must be ordered by part number.'),
  malformedXml: () => new S3Error('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema'),
  invalidRange: (size: number) => new S3Error('InvalidRange', 416, 'The requested range is not satisfiable', { ActualObjectSize: String(size) }),
  methodNotAllowed: () => new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.'),
  notImplemented: (what: string) => new S3Error('NotImplemented', 501, `A header or operation you provided implies functionality that is not implemented: ${what}`),
  corsForbidden: () =>
    new S3Error(
      'AccessForbidden',
      403,
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
    ),
  preconditionFailed: (condition: string) => new S3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', { Condition: condition }),
  conditionalConflict: () => new S3Error('ConditionalRequestConflict', 409, 'A conditional request to this object was in progress; retry.'),
  internal: () => new S3Error('InternalError', 500, 'We encountered an internal error. Please try again.'),
};

/**
 * Typed failures a content handler returns (not throws) so the resolver can raise the documented
 * AppSync errorType with its errorInfo (see the schema's "Errors").
 */
export interface HandlerError {
  errorType: 'InvalidInput' | 'TooLarge';
  message: string;
  errorInfo: Record<string, unknown>;
}

export class ContentError extends Error {
  constructor(readonly failure: HandlerError) {
    super(failure.message);
  }
}

export const invalid = (field: string, reason: string) => new ContentError({ errorType: 'InvalidInput', message: `${field}: ${reason}`, errorInfo: { field, reason } });
export const tooLarge = (field: string, limit: number, actual: number) =>
  new ContentError({ errorType: 'TooLarge', message: `${field} is too large: ${actual} > ${limit}`, errorInfo: { field, limit, actual } });

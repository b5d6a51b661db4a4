import { util } from '@aws-appsync/utils';

/** The documented errorTypes (schema/schema.graphql "Errors"). Each ends the request; never `throw`. */
export function notFound(fileId: string, deleted: boolean): never {
  return util.error(deleted ? `file ${fileId} was deleted` : `file ${fileId} not found`, 'NotFound', null, { fileId, deleted });
}

export function forbidden(fileId: string, role: string | null, what: string): never {
  return util.error(`${role ? `a ${role}` : 'a user without a role'} may not ${what} file ${fileId}`, 'Forbidden', null, { fileId, role });
}

export function invalid(field: string, reason: string): never {
  return util.error(`${field}: ${reason}`, 'InvalidInput', null, { field, reason });
}

export function tooLarge(field: string, limit: number, actual: number): never {
  return util.error(`${field} is too large: ${actual} > ${limit}`, 'TooLarge', null, { field, limit, actual });
}

export function conflict(fileId: string, headVersion: number, reason: string): never {
  return util.error(`file ${fileId} is at version ${headVersion} (${reason})`, 'Conflict', null, { fileId, headVersion, reason });
}

export function busy(fileId: string): never {
  return util.error(`file ${fileId} is being written by another request; retry with the same requestId`, 'Busy', null, { fileId });
}

export function alreadyExists(fileId: string): never {
  return util.error(`a file with id ${fileId} already exists`, 'AlreadyExists', null, { fileId });
}

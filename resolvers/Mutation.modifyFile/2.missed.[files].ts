/** The changes committed after the edit's base, when it is stale and can be moved over them: from the head's recent patches, else one Query. */
export { missedRequest as request, missedResponse as response } from '../lib/modify.ts';

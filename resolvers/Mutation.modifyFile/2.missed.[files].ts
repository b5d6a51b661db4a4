/** Attempt 1: the changes committed after the edit's base (only when it is stale and can be moved over them). */
export { missedRequest as request, missedResponse as response } from '../lib/modify.ts';

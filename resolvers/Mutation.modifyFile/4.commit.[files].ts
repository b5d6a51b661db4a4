/** Attempt 2, only after attempt 1 lost the race for the head: commit at the head that won it. */
export { commitRequest as request, attemptResponse as response } from '../lib/modify.ts';

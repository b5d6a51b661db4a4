/** Attempt 5, only after a lost race: commit at the head that won it. */
export { commitRequest as request, attemptResponse as response } from '../lib/modify.ts';

/** Attempt 1: move, apply, hash and commit at the head read by 1.authorize (lib/modify.ts). */
export { commitRequest as request, attemptResponse as response } from '../lib/modify.ts';

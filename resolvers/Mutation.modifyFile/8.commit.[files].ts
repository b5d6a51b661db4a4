/** Attempt 6, the last: losing again is a Conflict the SDK resolves (catch up, resend). */
export { commitRequest as request, lastAttemptResponse as response } from '../lib/modify.ts';

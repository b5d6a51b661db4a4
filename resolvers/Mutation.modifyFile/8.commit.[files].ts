/** Attempt 6, the last: it always commits (never reads); losing again is a Conflict the SDK resolves (catch up, resend). */
export { lastCommitRequest as request, lastAttemptResponse as response } from '../lib/modify.ts';

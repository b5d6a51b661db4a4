/**
 * Exit codes of `craft-sync` (also in `craft-sync --help`): scripts can tell what went wrong without
 * parsing messages.
 */
import { CraftSyncError } from '../sdk/index.ts';

export const EXIT = {
  OK: 0,
  /** Anything not listed below (a bug, an undocumented server error). */
  ERROR: 1,
  /** Bad command line. */
  USAGE: 2,
  /** Not signed in, or the credentials were refused. */
  AUTH: 3,
  NOT_FOUND: 4,
  FORBIDDEN: 5,
  /** A conflict that could not be merged, or an id already used. */
  CONFLICT: 6,
  /** The server refused the input (InvalidInput, TooLarge). */
  INVALID: 7,
  /** The server could not be reached (or stayed Busy). */
  UNAVAILABLE: 8,
  /** Content that fails its sha256 even after a full download. */
  INTEGRITY: 9,
} as const;

export function exitCodeFor(e: unknown): number {
  if (!(e instanceof CraftSyncError)) return EXIT.ERROR;
  switch (e.errorType) {
    case 'Unauthorized':
      return EXIT.AUTH;
    case 'NotFound':
      return EXIT.NOT_FOUND;
    case 'Forbidden':
      return EXIT.FORBIDDEN;
    case 'Conflict':
    case 'AlreadyExists':
      return EXIT.CONFLICT;
    case 'InvalidInput':
    case 'TooLarge':
    case 'LogTruncated':
      return EXIT.INVALID;
    case 'Network':
    case 'Busy':
      return EXIT.UNAVAILABLE;
    case 'Integrity':
      return EXIT.INTEGRITY;
    default:
      return EXIT.ERROR;
  }
}

export const EXIT_CODES_HELP = `exit codes: 0 ok, 1 error, 2 usage, 3 not signed in / unauthorized, 4 not found, 5 forbidden,
  6 conflict (unmergeable) or already exists, 7 invalid input / too large / log truncated,
  8 server unreachable or busy, 9 integrity (sha256) failure`;

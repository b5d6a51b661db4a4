/**
 * The one way `craft-sync` ends: stdout and stderr written out in full, then the exit code. On a pipe
 * Node writes asynchronously, so a bare process.exit() cuts anything still queued (a large `get --json`
 * ended at 64 KiB with exit 0). A write error on stdout (EPIPE: the reader went away) makes the exit
 * non-zero: a script must not take half the output for all of it.
 */
import { EXIT } from './exit-codes.ts';

let stdoutError: NodeJS.ErrnoException | undefined;

/** Records stdout's write errors instead of letting them crash the process with a stack trace. */
export function watchStdout(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    stdoutError ??= e;
  });
}

/** Resolves when everything written to `stream` so far has been handed to the OS (or failed). */
function flushed(stream: NodeJS.WriteStream): Promise<Error | null | undefined> {
  if (stream.destroyed || !stream.writable) return Promise.resolve(undefined);
  // Writes complete in order, so an empty write's callback runs after every earlier one.
  return new Promise((resolve) => stream.write('', (e) => resolve(e)));
}

export async function flushAndExit(code: number): Promise<never> {
  const e = (await flushed(process.stdout)) ?? stdoutError;
  if (e) {
    const errno = (e as NodeJS.ErrnoException).code;
    process.stderr.write(`craft-sync: the output could not be written in full (${errno ?? e.message}): ${errno === 'EPIPE' ? 'the reading process closed the pipe' : 'stdout failed'}\n`);
    if (code === EXIT.OK) code = EXIT.ERROR;
  }
  await flushed(process.stderr);
  process.exit(code);
}

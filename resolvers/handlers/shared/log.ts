/**
 * One JSON object per line on stdout, for every handler. In Lambda a line written to stdout (not
 * through console.*) reaches CloudWatch Logs unchanged, so Logs Insights and metric filters read
 * its fields (`fileId`, `version`, `changeId`, ...) directly, whatever the function's log format.
 * `LOG_LEVEL` (DEBUG, INFO, WARN, ERROR; default WARN, so local runs stay quiet) drops lower levels.
 */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** What a line is about; the stream handlers name the change they were handling. */
export interface LogFields {
  handler?: string;
  fileId?: string;
  version?: number;
  changeId?: string;
  [key: string]: unknown;
}

const RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

function threshold(): number {
  const l = (process.env.LOG_LEVEL ?? 'WARN').toUpperCase();
  return RANK[l as LogLevel] ?? RANK.WARN;
}

export function log(level: LogLevel, message: string, fields: LogFields = {}): void {
  if (RANK[level] < threshold()) return;
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), message, ...fields })}\n`);
}

/** An error as log fields: its name and message (never a stack of request data). */
export function errorFields(e: unknown): { error: string; errorName: string } {
  return e instanceof Error ? { error: e.message, errorName: e.name } : { error: String(e), errorName: 'Error' };
}

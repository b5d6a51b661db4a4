import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorFields, log } from './log.ts';
import { StreamBatch } from './stream-batch.ts';

/** What the handlers write to stdout (what CloudWatch Logs receives from a Lambda), line by line. */
function captureStdout(): { lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  return {
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.LOG_LEVEL;
});

describe('handler logs', () => {
  it('writes one JSON object per line with the level, the message and the change it is about', () => {
    process.env.LOG_LEVEL = 'INFO';
    const out = captureStdout();
    log('INFO', 'FileChanged published', { handler: 'notify', fileId: 'f1', version: 3, changeId: 'f1:3' });
    const [line] = out.lines();
    expect(line).toMatchObject({ level: 'INFO', message: 'FileChanged published', handler: 'notify', fileId: 'f1', version: 3, changeId: 'f1:3' });
    expect(Number.isNaN(Date.parse(String(line!.time)))).toBe(false);
  });

  it('drops levels below LOG_LEVEL (default WARN, so local runs stay quiet)', () => {
    const out = captureStdout();
    log('INFO', 'not shown');
    log('WARN', 'shown');
    process.env.LOG_LEVEL = 'ERROR';
    log('WARN', 'not shown either');
    log('ERROR', 'shown too');
    expect(out.lines().map((l) => l.message)).toEqual(['shown', 'shown too']);
  });

  it('logs a failed stream record with its sequence number and the error, and reports it', () => {
    const out = captureStdout();
    const batch = new StreamBatch('members');
    batch.fail({ eventID: 'e1', dynamodb: { SequenceNumber: '42' } }, new TypeError('bad head'), { fileId: 'f9' });
    expect(batch.failures()).toEqual([{ itemIdentifier: '42' }]);
    expect(out.lines()).toEqual([expect.objectContaining({ level: 'ERROR', handler: 'members', eventID: 'e1', sequenceNumber: '42', fileId: 'f9', error: 'bad head', errorName: 'TypeError' })]);
    expect(errorFields('plain')).toEqual({ error: 'plain', errorName: 'Error' });
  });
});

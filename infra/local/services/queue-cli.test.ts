/** `npm run local-stack -- queue receive`: a script's view of the local notification queue. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalQueue } from './queue.ts';

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'craft-sync-queue-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'infra/local/cli.ts', 'queue', 'receive', ...args, '--data-dir', dataDir], { cwd: join(dirname(fileURLToPath(import.meta.url)), '../../..') });

describe('cli queue receive', () => {
  it('prints the oldest messages as JSON lines and deletes them only with --delete', { timeout: 60_000 }, async () => {
    const q = new LocalQueue('notifications', join(dataDir, 'queues', 'notifications'));
    for (const n of [1, 2, 3]) q.send(JSON.stringify({ detail: { version: n } }));
    const peek = await cli('--max', '2');
    const lines = peek.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { Body: string });
    expect(lines.map((m) => (JSON.parse(m.Body) as { detail: { version: number } }).detail.version)).toEqual([1, 2]);
    expect(q.count()).toBe(3);
    await cli('--delete');
    expect(q.count()).toBe(0);
    await expect(cli('nope')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('no local queue "nope"') });
  });
});

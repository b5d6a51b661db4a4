/** Test fixture: a local S3 in a throwaway directory and an SDK client for it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { startS3Server, type LocalS3 } from './server.ts';

export const TEST_CREDENTIAL = { accessKeyId: 'AKIALOCALTEST', secretAccessKey: 'local-test-secret' };

export async function startTestS3(buckets: Record<string, { corsAllowedOrigins?: string[] }> = { content: {} }) {
  const dir = mkdtempSync(join(tmpdir(), 'craft-s3-'));
  const server: LocalS3 = await startS3Server({ dataDir: dir, buckets, credentials: [TEST_CREDENTIAL], region: 'us-east-1' });
  const client = (credentials = TEST_CREDENTIAL) => new S3Client({ endpoint: server.endpoint, region: 'us-east-1', credentials, forcePathStyle: true });
  return {
    server,
    dir,
    client,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * craft-sync's own stack, synthesized offline in process and loaded back from its cloud assembly:
 * the same wiring as infra/api.ts, and the loaded API serves real requests (pipelines with
 * transactions on the table named by ctx.env, the content Lambda run from its synthesized asset).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../api.ts';
import { synthStack, type Synthesized } from '../../aws/testing.ts';
import { discoverResolvers } from '../../wiring/discover.ts';
import type { ApiDefinition } from '../../wiring/types.ts';
import { gql, startStack, type TestStack } from '../../../test/e2e/harness.ts';
import { loadCdkApp, type LoadedTemplate } from './load.ts';

let synth: Synthesized;
let loaded: LoadedTemplate;
const outDir = mkdtempSync(join(tmpdir(), 'craft-sync-template-'));

beforeAll(async () => {
  synth = await synthStack(api);
  loaded = loadCdkApp(synth.app, { outDir });
}, 180_000);

afterAll(() => {
  synth?.dispose();
  rmSync(outDir, { recursive: true, force: true });
});

/** What each field runs: kind, data source, and the data source of each pipeline function in order. */
function wiringOf(def: ApiDefinition) {
  return discoverResolvers(def)
    .map((r) => ({ field: `${r.typeName}.${r.fieldName}`, kind: r.kind, dataSource: r.dataSource, functions: r.functions.map((f) => f.dataSource), pipelineCode: r.file !== undefined }))
    .sort((a, b) => a.field.localeCompare(b.field));
}

describe("craft-sync's synthesized stack, loaded from cdk.out", () => {
  it('gives the same wiring as infra/api.ts', () => {
    const got = loaded.api;
    expect(got.name).toBe(api.name);
    expect(got.authentication).toEqual(api.authentication);
    expect(wiringOf(got)).toEqual(wiringOf(api));
    expect(wiringOf(got).length).toBeGreaterThan(10);
    const kinds = (d: ApiDefinition) => Object.fromEntries(Object.entries(d.dataSources).map(([n, ds]) => [n, ds.kind]));
    expect(kinds(got)).toEqual(kinds(api));

    // The one table, with its keys, index, stream and TTL.
    const files = got.dataSources.files;
    expect(files?.kind).toBe('DYNAMODB');
    const tableKey = (files as { table: string }).table;
    expect(got.tables[tableKey]).toEqual(api.tables.files);
    expect(got.environment).toEqual({ FILES_TABLE: { tableName: tableKey } });
    expect(Object.keys(got.buckets ?? {})).toHaveLength(2); // content, and its access-log bucket

    // The Lambda data source is the synthesized asset, run in process, with its bucket variable.
    const content = got.dataSources.content as Extract<ApiDefinition['dataSources'][string], { kind: 'LAMBDA' }>;
    expect(content.environment?.CONTENT_BUCKET).toEqual({ bucketName: expect.stringMatching(/^DataBucketcontent/) });

    // Stream handlers: same batch sizes and filters, in the same order.
    expect(got.streamHandlers?.map((h) => [h.table, h.batchSize, h.filters])).toEqual(api.streamHandlers!.map((h) => [tableKey, h.batchSize, h.filters]));

    // What is not emulated is said.
    expect(loaded.notes.join('\n')).toMatch(/EventBridge rules are not loaded/);
    expect(loaded.notes.join('\n')).toMatch(/not loaded \(no local counterpart\): .*AWS::WAFv2::WebACL/);
  });

  describe('running', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await startStack(loaded.api);
    }, 120_000);
    afterAll(async () => stack?.stop());

    it('answers a real mutation and query through the loaded resolvers', async () => {
      const token = await stack.tokenFor('loaded@example.com');
      const call = async (query: string, variables: Record<string, unknown>) => (await gql(stack.runtime.graphqlUrl, query, variables, { authorization: token })).body;
      const text = 'hello from a template';
      const sha256 = createHash('sha256').update(text).digest('hex');
      const inserted = await call('mutation($input: InsertFileInput!) { insertFile(input: $input) { fileId version op } }', {
        input: { name: 'a.txt', contentType: 'text/plain', content: text, sha256, requestId: randomUUID() },
      });
      expect(inserted.errors).toBeUndefined();
      const { fileId, version } = inserted.data!.insertFile as { fileId: string; version: number; op: string };
      expect(version).toBe(1);

      const got = await call('query($id: ID!) { getFile(id: $id) { id name content version sha256 } }', { id: fileId });
      expect(got).toEqual({ data: { getFile: { id: fileId, name: 'a.txt', content: text, version: 1, sha256 } } });

      // The content Lambda (its synthesized asset) answers createUpload with a URL of the local S3.
      const upload = await call('mutation($input: CreateUploadInput!) { createUpload(input: $input) { uploadId put { url method } } }', {
        input: { size: 5, sha256: createHash('sha256').update('12345').digest('hex'), contentType: 'text/plain' },
      });
      expect(upload.errors).toBeUndefined();
      const put = (upload.data!.createUpload as { put: { url: string; method: string } }).put;
      expect(put.method).toBe('PUT');
      expect(put.url.startsWith(stack.runtime.s3!.endpoint)).toBe(true);
    }, 60_000);
  });
});

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { api } from '../infra/api.ts';
import { bundleResolverCode, MAX_CODE_CHARS } from '../infra/build/bundle.ts';
import { discoverResolvers } from '../infra/wiring/discover.ts';
import { loadSchema, validateWiring } from '../infra/wiring/schema.ts';

const wiring = discoverResolvers(api);

describe('craft-sync wiring', () => {
  it('wires every field of the sync API, each to a schema field', () => {
    const fields = wiring.map((r) => `${r.typeName}.${r.fieldName}:${r.kind}`).sort();
    expect(fields).toEqual([
      'File.contentUrl:UNIT',
      'FileChange.contentUrl:UNIT',
      'FileSnapshot.contentUrl:UNIT',
      'Mutation.abortUpload:PIPELINE',
      'Mutation.announcePresence:PIPELINE',
      'Mutation.completeUpload:UNIT',
      'Mutation.createUpload:PIPELINE',
      'Mutation.deleteFile:PIPELINE',
      'Mutation.insertFile:PIPELINE',
      'Mutation.modifyFile:PIPELINE',
      'Mutation.renameFile:PIPELINE',
      'Mutation.setFileNotifications:PIPELINE',
      'Mutation.shareFile:PIPELINE',
      'Mutation.unshareFile:PIPELINE',
      'Query.fileMembers:UNIT',
      'Query.getFile:PIPELINE',
      'Query.getFileChanges:PIPELINE',
      'Query.listFiles:UNIT',
      'Query.syncFiles:UNIT',
      'Subscription.onFileChanged:UNIT',
      'Subscription.onPresence:UNIT',
    ]);
    const { schema, subscriptionsByMutation } = loadSchema(api);
    expect(() => validateWiring(schema, wiring)).not.toThrow();
    for (const m of ['insertFile', 'modifyFile', 'deleteFile', 'renameFile']) expect(subscriptionsByMutation.get(m)).toEqual(['onFileChanged']);
    expect(subscriptionsByMutation.get('announcePresence')).toEqual(['onPresence']);
  });

  it('runs the modify hot path as verify (uploads only) -> authorize -> missed -> commit (up to six attempts: AppSync allows 10 functions) -> replay', () => {
    const modify = wiring.find((r) => r.fieldName === 'modifyFile')!;
    expect(modify.functions.map((f) => `${f.name}@${f.dataSource}`)).toEqual([
      'Mutation_modifyFile_0_verify@content',
      'Mutation_modifyFile_1_authorize@files',
      'Mutation_modifyFile_2_missed@files',
      'Mutation_modifyFile_3_commit@files',
      'Mutation_modifyFile_4_commit@files',
      'Mutation_modifyFile_5_commit@files',
      'Mutation_modifyFile_6_commit@files',
      'Mutation_modifyFile_7_commit@files',
      'Mutation_modifyFile_8_commit@files',
      'Mutation_modifyFile_9_replay@files',
    ]);
  });

  it('bundles every resolver, function and pipeline file under 32 KB within the APPSYNC_JS rules, none of them a Scan', async () => {
    const files = wiring.flatMap((r) => [r.file, ...r.functions.map((f) => f.file)]).filter((f): f is string => !!f);
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const code = await bundleResolverCode(file);
      expect(code.length, file).toBeLessThan(MAX_CODE_CHARS);
      expect(code, file).not.toMatch(/\bthrow\b/);
      // Every read is a GetItem or a Query (listFiles and syncFiles on the byMember index): no Scan.
      expect(code, file).not.toMatch(/operation: *["'](Scan|BatchGetItem)["']/);
      // (or, for the NONE relay of presence, a payload handed back as is)
      expect(code, file).toMatch(/operation: *["'](GetItem|Query|UpdateItem|TransactWriteItems|Invoke)["']|runtime\.earlyReturn|return \{\}|payload: \{/);
    }
  });

  it('declares the table, index and environment the resolvers use', () => {
    const files = api.tables.files!;
    expect(files.globalSecondaryIndexes?.map((i) => i.indexName)).toEqual(['byMember']);
    expect(files.stream).toBe('NEW_AND_OLD_IMAGES');
    expect(files.timeToLiveAttribute).toBe('expiresAt');
    expect(api.environment?.FILES_TABLE).toEqual({ tableName: 'files' });
    expect(readFileSync(resolve(api.root, 'resolvers/lib/keys.ts'), 'utf8')).toContain("MEMBER_INDEX = 'byMember'");
  });
});

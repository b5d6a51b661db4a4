import { createHash, randomUUID } from 'node:crypto';
import { gql, type GqlResponse } from './harness.ts';

/** A signed-in test user of the sync API over plain HTTP. */
export interface SyncUser {
  sub: string;
  token: string;
  call(query: string, variables?: Record<string, unknown>): Promise<GqlResponse['body']>;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function user(url: string, token: string): SyncUser {
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string };
  return {
    sub: payload.sub,
    token,
    call: async (query, variables = {}) => (await gql(url, query, variables, { authorization: token })).body,
  };
}

export const CHANGE = 'fileId version op author at name contentType encoding size length sha256 patch content requestId deleted';
export const FILE = 'id name contentType encoding size length sha256 version owner createdAt updatedAt updatedBy deleted content myRole';

export const INSERT = `mutation($input: InsertFileInput!) { insertFile(input: $input) { ${CHANGE} } }`;
export const MODIFY = `mutation($input: ModifyFileInput!) { modifyFile(input: $input) { ${CHANGE} } }`;
export const DELETE = `mutation($input: DeleteFileInput!) { deleteFile(input: $input) { ${CHANGE} } }`;
export const SHARE = `mutation($input: ShareFileInput!) { shareFile(input: $input) { fileId userId role at } }`;
export const UNSHARE = `mutation($input: UnshareFileInput!) { unshareFile(input: $input) { fileId userId role at } }`;
export const GET = `query($id: ID!) { getFile(id: $id) { ${FILE} } }`;
export const CHANGES = `query($fileId: ID!, $sinceVersion: Int!, $limit: Int, $nextToken: String) {
  getFileChanges(fileId: $fileId, sinceVersion: $sinceVersion, limit: $limit, nextToken: $nextToken) { items { ${CHANGE} } nextToken headVersion } }`;
export const LIST = `query($limit: Int, $nextToken: String, $includeDeleted: Boolean) { listFiles(limit: $limit, nextToken: $nextToken, includeDeleted: $includeDeleted) { items { ${FILE} } nextToken } }`;
export const SYNC = `query($cursor: String, $limit: Int) { syncFiles(cursor: $cursor, limit: $limit) { items { ${FILE} } cursor hasMore } }`;

export async function insertText(u: SyncUser, name: string, content: string): Promise<{ id: string; version: number }> {
  const body = await u.call(INSERT, { input: { name, contentType: 'text/plain', content, sha256: sha256(content), requestId: randomUUID() } });
  const change = body.data?.insertFile as { fileId: string; version: number } | null;
  if (!change) throw new Error(`insertFile failed: ${JSON.stringify(body.errors)}`);
  return { id: change.fileId, version: change.version };
}

/** errorType of the first error, or undefined. */
export function errorType(body: GqlResponse['body']): string | undefined {
  return body.errors?.[0]?.errorType as string | undefined;
}

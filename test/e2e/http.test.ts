/**
 * The local runtime over raw HTTP, against the tests' own notes API: AppSync's response and error
 * formats, auth, scalars, resolvers of every kind, and bad input that must change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, decodeJwt, generateKeyPair, importJWK, type JWK } from 'jose';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { notesApi } from '../fixtures/notes-api/api.ts';
import { gql, startStack, type TestStack } from './harness.ts';

let stack: TestStack;
let alice: string;
let admin: string;
let url: string;
const auth = (token: string) => ({ authorization: token });

const ADD = `mutation Add($input: NoteInput!) { addNote(input: $input) { id board title body author email meta createdAt } }`;

async function countNotes(): Promise<number> {
  const out = await stack.runtime.dynamodb.client.send(new ScanCommand({ TableName: stack.runtime.tableName('notes'), Select: 'COUNT' }));
  return out.Count ?? 0;
}

beforeAll(async () => {
  stack = await startStack(notesApi);
  url = stack.runtime.graphqlUrl;
  alice = await stack.tokenFor('alice@example.com');
  admin = await stack.tokenFor('root@example.com', ['admins']);
});

afterAll(async () => {
  await stack?.stop();
});

describe('queries and mutations', () => {
  it('runs a pipeline mutation that writes to DynamoDB and reads it back', async () => {
    const add = await gql(url, ADD, { input: { board: 'b1', title: 'hello', email: 'a@b.co', meta: '{"n":1}' } }, auth(alice));
    expect(add.status).toBe(200);
    expect(add.body.errors).toBeUndefined();
    const note = add.body.data!.addNote as Record<string, unknown>;
    expect(note).toMatchObject({ board: 'b1', title: 'hello', author: expect.any(String), email: 'a@b.co', meta: '{"n":1}' });
    expect(note.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(note.createdAt as string)).not.toBeNaN();

    const stored = await stack.runtime.dynamodb.client.send(new GetItemCommand({ TableName: stack.runtime.tableName('notes'), Key: { id: { S: note.id as string } } }));
    expect(stored.Item?.title?.S).toBe('hello');

    const get = await gql(url, `query($id: ID!) { getNote(id: $id) { id title board } }`, { id: note.id }, auth(alice));
    expect(get.body).toEqual({ data: { getNote: { id: note.id, title: 'hello', board: 'b1' } } });
  });

  it("puts an event on the local bus through the EVENTBRIDGE data source (PutEvents), in EventBridge's event shape", async () => {
    const seen: unknown[] = [];
    const remove = stack.runtime.bus.addRule({ name: 'e2e-note-added', eventPattern: { source: ['notes.test'], 'detail-type': ['NoteAdded'] }, targets: [{ handler: (e) => seen.push(e) }] });
    try {
      const add = await gql(url, ADD, { input: { board: 'evt', title: 'announced' } }, auth(alice));
      const id = (add.body.data!.addNote as { id: string }).id;
      await stack.runtime.bus.flush();
      expect(seen).toEqual([
        expect.objectContaining({ version: '0', source: 'notes.test', 'detail-type': 'NoteAdded', detail: { id, board: 'evt', title: 'announced' }, region: 'us-east-1', id: expect.any(String) }),
      ]);
    } finally {
      remove();
    }
  });

  it('queries an index with paging through nextToken', async () => {
    for (const title of ['p1', 'p2', 'p3']) await gql(url, ADD, { input: { board: 'paged', title } }, auth(alice));
    const seen: string[] = [];
    let nextToken: string | null = null;
    do {
      const page = await gql(url, `query($n: String) { listNotes(board: "paged", limit: 2, nextToken: $n) { items { title } nextToken } }`, { n: nextToken }, auth(alice));
      const data = page.body.data!.listNotes as { items: Array<{ title: string }>; nextToken: string | null };
      seen.push(...data.items.map((i) => i.title));
      nextToken = data.nextToken;
    } while (nextToken);
    expect(seen.sort()).toEqual(['p1', 'p2', 'p3']);
  });

  it("invokes a Lambda data source with AppSync's event and maps a thrown error", async () => {
    const ok = await gql(url, `{ shout(text: "hi") }`, {}, auth(alice));
    expect(ok.body).toEqual({ data: { shout: 'HI!' } });
    const failed = await gql(url, `{ shout(text: "boom") }`, {}, auth(alice));
    expect(failed.body.data).toEqual({ shout: null });
    expect(failed.body.errors![0]).toMatchObject({ errorType: 'Lambda:Unhandled', message: 'shout failed on purpose', path: ['shout'] });
  });

  it('batches a Lambda field resolved for every item of a list into one BatchInvoke', async () => {
    for (const title of ['a', 'b', 'c']) await gql(url, ADD, { input: { board: 'batched', title } }, auth(alice));
    const res = await gql(url, `{ listNotes(board: "batched") { items { title shouted } } }`, {}, auth(alice));
    expect(res.body.errors).toBeUndefined();
    const items = (res.body.data!.listNotes as { items: Array<{ title: string; shouted: string }> }).items;
    expect(items.map((i) => i.shouted).sort()).toEqual(['A! (batch of 3)', 'B! (batch of 3)', 'C! (batch of 3)']);
    const solo = (await gql(url, ADD, { input: { board: 'solo', title: 'x' } }, auth(alice))).body.data!.addNote as { id: string };
    const one = await gql(url, `query($id: ID!) { getNote(id: $id) { shouted } }`, { id: solo.id }, auth(alice));
    expect(one.body).toEqual({ data: { getNote: { shouted: 'X! (batch of 1)' } } });
  });

  it('passes the caller identity to resolvers', async () => {
    const res = await gql(url, `{ whoami }`, {}, auth(alice));
    expect(res.body.data!.whoami).toMatch(/.+/);
    expect(res.body.data!.whoami).not.toBe('anonymous');
  });

  it('returns a typed error with errorInfo from util.error, with path and locations', async () => {
    const res = await gql(url, `{ echo(text: "") }`, {}, auth(alice));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ echo: null });
    expect(res.body.errors).toEqual([
      { path: ['echo'], data: null, errorType: 'InvalidInput', errorInfo: { field: 'text' }, locations: [{ line: 1, column: 3, sourceName: null }], message: 'text must not be empty' },
    ]);
  });

  it("gives resolver code AppSync's ctx: arguments, Cognito identity, stash, info with selectionSetList and variables, request headers, source", async () => {
    const query = `query Look($t: String) { inspect(tag: $t, depth: 2) { ctx renamed: label child { name } ...F parentSeen } } fragment F on Inspection { child { __typename name } }`;
    const res = await gql(url, query, { t: 'hello' }, { ...auth(alice), 'x-trace': 'trace-1' });
    expect(res.body.errors).toBeUndefined();
    const data = res.body.data!.inspect as { ctx: string; renamed: string; parentSeen: string };
    const ctx = JSON.parse(data.ctx) as Record<string, Record<string, unknown>>;
    expect(ctx.arguments).toEqual({ tag: 'hello', depth: 2 });
    expect(ctx.args).toEqual(ctx.arguments);
    const claims = JSON.parse(Buffer.from(alice.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(ctx.identity).toEqual({
      sub: claims.sub,
      issuer: claims.iss,
      username: claims.username,
      claims,
      sourceIp: [expect.stringMatching(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/)],
      defaultAuthStrategy: 'ALLOW',
      groups: null,
    });
    expect(ctx.source).toBeNull();
    expect(ctx.stash).toEqual({ fromRequest: 'hello' });
    expect(ctx.prev).toEqual({ result: null });
    expect(ctx.info).toEqual({
      fieldName: 'inspect',
      parentTypeName: 'Query',
      variables: { t: 'hello' },
      selectionSetList: ['ctx', 'label', 'child', 'child/name', 'parentSeen'],
      selectionSetGraphQL: expect.stringContaining('renamed: label'),
    });
    expect(ctx.headers).toEqual({ trace: 'trace-1', authorizationSent: true });
    expect(ctx.domainName).toBeNull();
    expect(data.renamed).toBe('inspected');
    const nested = JSON.parse(data.parentSeen) as { source: Record<string, unknown>; info: Record<string, unknown>; arguments: unknown };
    expect(nested.source).toMatchObject({ label: 'inspected', child: { name: 'kid' } });
    expect(nested.info).toMatchObject({ fieldName: 'parentSeen', parentTypeName: 'Inspection', variables: { t: 'hello' }, selectionSetList: [] });
    expect(nested.arguments).toEqual({});
  });

  it('filters util.error / appendError data by the selection set (aliases, fragments) and keeps errorInfo whole', async () => {
    const failed = await gql(url, `{ inspect(tag: "fail") { title: label child { ...C } } } fragment C on InspectionChild { name }`, {}, auth(alice));
    expect(failed.body.data).toEqual({ inspect: null });
    expect(failed.body.errors).toEqual([
      {
        path: ['inspect'],
        errorType: 'Refused',
        message: 'inspection refused',
        locations: [{ line: 1, column: 3, sourceName: null }],
        data: { title: 'in error', child: { name: 'kid' } },
        errorInfo: { why: 'tag', hidden: 'kept' },
      },
    ]);
    const warned = await gql(url, `{ inspect(tag: "warn") { label } }`, {}, auth(alice));
    expect(warned.body.data).toEqual({ inspect: { label: 'inspected' } });
    expect(warned.body.errors).toMatchObject([{ path: ['inspect'], errorType: 'Warning', data: { label: 'in error' }, errorInfo: { why: 'tag' } }]);
  });

  it('logs console.log from resolver code to the server log, tagged with the resolver', async () => {
    await gql(url, `{ echo(text: "logged-line") }`, {}, auth(alice));
    expect(stack.logs.some((l) => l.includes('Query.echo') && l.includes('logged-line'))).toBe(true);
  });

  it('maps a failed condition to DynamoDB:ConditionalCheckFailedException and writes nothing', async () => {
    const add = await gql(url, ADD, { input: { board: 'c', title: 'first' } }, auth(alice));
    const id = (add.body.data!.addNote as { id: string }).id;
    const res = await gql(url, `mutation($id: ID!) { updateNote(id: $id, title: "second", expectedTitle: "wrong") { id title } }`, { id }, auth(alice));
    expect(res.body.data).toEqual({ updateNote: null });
    expect(res.body.errors![0]).toMatchObject({ errorType: 'DynamoDB:ConditionalCheckFailedException', errorInfo: { id } });
    const get = await gql(url, `query($id: ID!) { getNote(id: $id) { title } }`, { id }, auth(alice));
    expect(get.body.data).toEqual({ getNote: { title: 'first' } });
  });

  it('turns a resolver that crashes at run time into an error, and keeps serving', async () => {
    const res = await gql(url, `mutation { failing }`, {}, auth(alice));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ failing: null });
    expect(res.body.errors![0]).toMatchObject({ errorType: 'Code', path: ['failing'], locations: [{ line: 1, column: 12, sourceName: null }] });
    expect(String(res.body.errors![0]!.message)).toMatch(/TypeError: .*deeper/);
    const after = await gql(url, `{ echo(text: "still up") }`, {}, auth(alice));
    expect(after.body.data).toEqual({ echo: 'still up' });
  });
});

describe('authorization', () => {
  it('refuses a request without credentials with 401 UnauthorizedException', async () => {
    const res = await gql(url, `{ echo(text: "x") }`);
    expect(res.status).toBe(401);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');
    expect(res.body.errors![0]!.errorType).toBe('UnauthorizedException');
  });

  it('refuses a forged token (right claims, wrong key)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const real = JSON.parse(Buffer.from(alice.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    const forged = await new SignJWT(real).setProtectedHeader({ alg: 'RS256', kid: JSON.parse(Buffer.from(alice.split('.')[0]!, 'base64url').toString()).kid }).sign(privateKey);
    const res = await gql(url, `{ echo(text: "x") }`, {}, auth(forged));
    expect(res.status).toBe(401);
    expect(res.body.errors![0]!.errorType).toBe('UnauthorizedException');
  });

  it('refuses a tampered token and a garbage token', async () => {
    const [h, p, s] = alice.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    claims['cognito:groups'] = ['admins'];
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    for (const token of [tampered, 'not-a-jwt']) {
      const res = await gql(url, `{ adminOnly }`, {}, auth(token));
      expect(res.status).toBe(401);
    }
  });

  it('accepts the dev API key where the schema allows it and refuses it elsewhere', async () => {
    const key = { 'x-api-key': stack.runtime.apiKey! };
    const ok = await gql(url, `{ echo(text: "via key") }`, {}, key);
    expect(ok.body).toEqual({ data: { echo: 'via key' } });
    const denied = await gql(url, `{ whoami }`, {}, key);
    expect(denied.status).toBe(200);
    expect(denied.body.data).toEqual({ whoami: null });
    expect(denied.body.errors![0]).toMatchObject({ errorType: 'Unauthorized', message: 'Not Authorized to access whoami on type Query', path: ['whoami'] });
    const unknown = await gql(url, `{ echo(text: "x") }`, {}, { 'x-api-key': 'da2-not-a-key' });
    expect(unknown.status).toBe(401);
  });

  it('accepts an IAM (SigV4) signed request and refuses a tampered one', async () => {
    const creds = stack.runtime.iamCredentials!;
    const signer = new SignatureV4({ service: 'appsync', region: 'us-east-1', credentials: creds, sha256: Hash.bind(null, 'sha256') });
    const target = new URL(url);
    const sign = (body: string) =>
      signer.sign({
        method: 'POST',
        protocol: 'http:',
        hostname: target.hostname,
        port: Number(target.port),
        path: target.pathname,
        headers: { host: target.host, 'content-type': 'application/json' },
        body,
      });
    const body = JSON.stringify({ query: '{ backendPing }' });
    const signed = await sign(body);
    const ok = await fetch(url, { method: 'POST', headers: signed.headers as Record<string, string>, body });
    expect(await ok.json()).toEqual({ data: { backendPing: creds.userArn } });
    const tampered = await fetch(url, { method: 'POST', headers: signed.headers as Record<string, string>, body: body.replace('backendPing', 'backendPing ') });
    expect(tampered.status).toBe(403);
    expect(tampered.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    const userPoolOnIamField = await gql(url, `{ backendPing }`, {}, auth(alice));
    expect(userPoolOnIamField.body.errors![0]).toMatchObject({ errorType: 'Unauthorized', path: ['backendPing'] });
  });

  it('enforces cognito_groups on fields', async () => {
    const denied = await gql(url, `{ adminOnly }`, {}, auth(alice));
    expect(denied.body.errors![0]).toMatchObject({ errorType: 'Unauthorized', path: ['adminOnly'] });
    const allowed = await gql(url, `{ adminOnly }`, {}, auth(admin));
    expect(allowed.body).toEqual({ data: { adminOnly: 'for admins' } });
  });

  it('hides a group-only field from others while returning the rest', async () => {
    const add = await gql(url, ADD, { input: { board: 'sec', title: 'classified' } }, auth(admin));
    const id = (add.body.data!.addNote as { id: string }).id;
    const asAlice = await gql(url, `query($id: ID!) { getNote(id: $id) { title secret } }`, { id }, auth(alice));
    expect(asAlice.body.data).toEqual({ getNote: { title: 'classified', secret: null } });
    expect(asAlice.body.errors![0]).toMatchObject({ errorType: 'Unauthorized', path: ['getNote', 'secret'] });
    const asAdmin = await gql(url, `query($id: ID!) { getNote(id: $id) { secret } }`, { id }, auth(admin));
    expect(asAdmin.body.data).toEqual({ getNote: { secret: 'secret of classified' } });
  });
});

describe("bad input changes nothing and gets AppSync's error", () => {
  const post = (body: string, headers: Record<string, string> = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: alice, ...headers }, body });

  it('answers an empty body with 400 MalformedHttpRequestException', async () => {
    const res = await post('');
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('MalformedHttpRequestException');
    expect(await res.json()).toEqual({ errors: [{ errorType: 'MalformedHttpRequestException', message: 'Request body is empty.' }] });
  });

  it('answers malformed JSON and a body without a query with 400', async () => {
    for (const body of ['meow', '{}', '{}}', '[]', '{"query": 3}']) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toBe('Unable to parse GraphQL query.');
    }
  });

  it('answers a GraphQL syntax error with InvalidSyntax', async () => {
    const res = await gql(url, `{ echo(text: "x" `, {}, auth(alice));
    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors![0]).toMatchObject({ errorType: 'InvalidSyntax', message: expect.stringMatching(/^Invalid Syntax/) });
  });

  it('answers an unknown field with a FieldUndefined validation error', async () => {
    const res = await gql(url, `{ nope }`, {}, auth(alice));
    expect(res.body).toEqual({
      data: null,
      errors: [
        {
          path: null,
          locations: [{ line: 1, column: 3, sourceName: null }],
          errorType: 'ValidationError',
          message: "Validation error of type FieldUndefined: Field 'nope' in type 'Query' is undefined @ 'nope'",
        },
      ],
    });
  });

  it('validates AppSync scalars in variables and literals and writes nothing', async () => {
    const before = await countNotes();
    const cases: Array<Record<string, unknown>> = [
      { board: 'bad', title: 't', email: 'not-an-email' },
      { board: 'bad', title: 't', meta: '{broken json' },
    ];
    for (const input of cases) {
      const res = await gql(url, ADD, { input }, auth(alice));
      expect(res.status).toBe(200);
      expect(res.body.data).toBeNull();
      expect(res.body.errors![0]!.errorType).toBe('ValidationError');
      expect(String(res.body.errors![0]!.message)).toMatch(/AWSEmail|AWSJSON/);
    }
    const literal = await gql(url, `mutation { addNote(input: { board: "bad", title: "t", email: "x@" }) { id } }`, {}, auth(alice));
    expect(literal.body.data).toBeNull();
    expect(literal.body.errors![0]!.errorType).toBe('ValidationError');
    expect(await countNotes()).toBe(before);
  });

  it('refuses a missing required variable', async () => {
    const res = await gql(url, ADD, {}, auth(alice));
    expect(res.body.data).toBeNull();
    expect(res.body.errors![0]!.errorType).toBe('ValidationError');
  });

  it('refuses an oversized request with 413 and stays up', async () => {
    const huge = JSON.stringify({ query: `{ echo(text: "${'x'.repeat(6 * 1024 * 1024)}") }` });
    const res = await post(huge);
    expect(res.status).toBe(413);
    expect(res.headers.get('x-amzn-errortype')).toBe('PayloadTooLargeException');
    const after = await gql(url, `{ echo(text: "alive") }`, {}, auth(alice));
    expect(after.body.data).toEqual({ echo: 'alive' });
  });

  it('refuses an invalid value written by a pipeline step before anything is stored', async () => {
    const before = await countNotes();
    const res = await gql(url, ADD, { input: { board: 'b', title: '' } }, auth(alice));
    expect(res.body.errors![0]).toMatchObject({ errorType: 'InvalidInput', path: ['addNote'] });
    expect(await countNotes()).toBe(before);
  });

  it('answers a subscription sent over HTTP with an error pointing to the real-time endpoint', async () => {
    const res = await gql(url, `subscription { onNote(board: "x") { id } }`, {}, auth(alice));
    expect(res.body.data).toBeNull();
    expect(res.body.errors![0]!.errorType).toBe('UnsupportedOperation');
  });
});

describe("every bad input: AppSync's error, the server stays up, nothing is written", () => {
  const MUTATION = `mutation { addNote(input: { board: "bad-input", title: "must not be stored" }) { id } }`;

  /** Runs `send`, then checks that no note was written and that the server still answers. */
  async function changesNothing(send: () => Promise<{ status: number; errorType: string | undefined; message: unknown; header: string | null }>) {
    const before = await countNotes();
    const out = await send();
    expect(await countNotes()).toBe(before);
    const alive = await gql(url, `{ echo(text: "still up") }`, {}, auth(alice));
    expect(alive.body).toEqual({ data: { echo: 'still up' } });
    return out;
  }
  const raw = async (body: string, headers: Record<string, string>) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const json = (await res.json()) as { errors?: Array<{ errorType?: string; message?: unknown }> };
    return { status: res.status, errorType: json.errors?.[0]?.errorType, message: json.errors?.[0]?.message, header: res.headers.get('x-amzn-errortype') };
  };
  const mutate = (headers: Record<string, string>, query = MUTATION) => raw(JSON.stringify({ query }), headers);

  /** An access token of the runtime's own issuer, signed with its real key, that expired an hour ago. */
  async function expiredToken(): Promise<string> {
    const jwk = JSON.parse(readFileSync(join(stack.runtime.dataDir, 'cognito', 'signing-key.json'), 'utf8')) as JWK;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...decodeJwt(alice), iat: now - 7200, exp: now - 3600 }).setProtectedHeader({ alg: 'RS256', kid: jwk.kid! }).sign(await importJWK(jwk, 'RS256'));
  }

  it('malformed JSON around a mutation: 400 MalformedHttpRequestException', async () => {
    const r = await changesNothing(() => raw(JSON.stringify({ query: MUTATION }).slice(0, -2), auth(alice)));
    expect(r).toEqual({ status: 400, errorType: 'MalformedHttpRequestException', message: 'Unable to parse GraphQL query.', header: 'MalformedHttpRequestException' });
  });

  it('a mutation with a GraphQL syntax error: InvalidSyntax', async () => {
    const r = await changesNothing(() => mutate(auth(alice), MUTATION.slice(0, -2)));
    expect(r).toMatchObject({ status: 200, errorType: 'InvalidSyntax', message: expect.stringMatching(/^Invalid Syntax/) });
  });

  it('a mutation with an unknown input field or an unknown selected field: ValidationError', async () => {
    const extraInput = await changesNothing(() => mutate(auth(alice), `mutation { addNote(input: { board: "bad-input", title: "x", colour: "red" }) { id } }`));
    expect(extraInput).toMatchObject({ status: 200, errorType: 'ValidationError', message: expect.stringContaining('colour') });
    const extraField = await changesNothing(() => mutate(auth(alice), `mutation { addNote(input: { board: "bad-input", title: "x" }) { id colour } }`));
    expect(extraField).toMatchObject({ status: 200, errorType: 'ValidationError', message: expect.stringContaining("Field 'colour' in type 'Note' is undefined") });
  });

  it('a mutation with an invalid AWSEmail literal: ValidationError', async () => {
    const r = await changesNothing(() => mutate(auth(alice), `mutation { addNote(input: { board: "bad-input", title: "x", email: "not-an-email" }) { id } }`));
    expect(r).toMatchObject({ status: 200, errorType: 'ValidationError', message: expect.stringContaining('AWSEmail') });
  });

  it('an oversized mutation: 413 PayloadTooLargeException', async () => {
    const r = await changesNothing(() => mutate(auth(alice), MUTATION.replace('must not be stored', 'x'.repeat(6 * 1024 * 1024))));
    expect(r).toMatchObject({ status: 413, errorType: 'PayloadTooLargeException', header: 'PayloadTooLargeException' });
  });

  it('a mutation without a token: 401 UnauthorizedException', async () => {
    const r = await changesNothing(() => mutate({}));
    expect(r).toMatchObject({ status: 401, errorType: 'UnauthorizedException', header: 'UnauthorizedException' });
  });

  it('a mutation with an expired token of the real issuer: 401 "Token has expired."', async () => {
    const token = await expiredToken();
    const r = await changesNothing(() => mutate(auth(token)));
    expect(r).toEqual({ status: 401, errorType: 'UnauthorizedException', message: 'Token has expired.', header: 'UnauthorizedException' });
  });

  it('a mutation with a forged token or an unknown API key: 401 UnauthorizedException', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(decodeJwt(alice)).setProtectedHeader({ alg: 'RS256', kid: JSON.parse(Buffer.from(alice.split('.')[0]!, 'base64url').toString()).kid }).sign(privateKey);
    for (const headers of [auth(forged), { 'x-api-key': 'da2-not-a-key' }]) {
      const r = await changesNothing(() => mutate(headers));
      expect(r).toMatchObject({ status: 401, errorType: 'UnauthorizedException', header: 'UnauthorizedException' });
    }
  });

  it('a resolver that fails at run time: a Code error for its field, nothing written', async () => {
    const r = await changesNothing(() => mutate(auth(alice), `mutation { failing }`));
    expect(r).toMatchObject({ status: 200, errorType: 'Code', message: expect.stringContaining('TypeError') });
  });
});

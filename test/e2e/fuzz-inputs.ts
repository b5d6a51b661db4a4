/**
 * fast-check generators of hostile input for test/e2e/fuzz.test.ts: raw HTTP requests (request
 * lines, broken escapes, headers, bodies, GraphQL documents and variables) and real-time frames.
 * Nothing here can make a valid authorized write: tokens are a stranger's or forged, and no
 * generated sha256 is ever the digest of the generated content.
 */
import fc from 'fast-check';

export interface FuzzContext {
  /** Ids of files that exist (so requests also reach authorization, not only validation). */
  fileIds: string[];
  /** A signed-in stranger's token: authenticated, authorized for nothing that exists. */
  strangerToken: string;
}

export type Target = 'main' | 'main-tls' | 's3' | 'events' | 'cognito';

export interface FuzzRequest {
  target: Target;
  bytes: Buffer;
  /** A complete request with `Connection: close`: the client waits for the answer instead of half-closing. */
  complete?: boolean;
}

const DOCS = [
  'query($id: ID!) { getFile(id: $id) { id name version content owner myRole } }',
  'query($fileId: ID!, $sinceVersion: Int!, $limit: Int) { getFileChanges(fileId: $fileId, sinceVersion: $sinceVersion, limit: $limit) { items { version patch } headVersion } }',
  'query($limit: Int, $nextToken: String) { listFiles(limit: $limit, nextToken: $nextToken) { items { id } nextToken } }',
  'query($cursor: String) { syncFiles(cursor: $cursor) { items { id } cursor hasMore } }',
  'mutation($input: ModifyFileInput!) { modifyFile(input: $input) { fileId version } }',
  'mutation($input: InsertFileInput!) { insertFile(input: $input) { fileId version } }',
  'mutation($input: DeleteFileInput!) { deleteFile(input: $input) { fileId version } }',
  'mutation($input: ShareFileInput!) { shareFile(input: $input) { fileId userId role } }',
  'mutation($input: UnshareFileInput!) { unshareFile(input: $input) { fileId userId } }',
  'mutation($input: SetFileNotificationsInput!) { setFileNotifications(input: $input) { fileId muted } }',
  'subscription($fileId: ID!) { onFileChanged(fileId: $fileId) { fileId version } }',
  '{ __schema { types { name fields { name } } } }',
  '{ __typename }',
  'query { getFile(id: "x") { ...F } } fragment F on File { ...F }',
  `{ ${'a: __typename '.repeat(200)}}`,
  `{ ${'getFile(id: "x") { '.repeat(60)}${'}'.repeat(60)} }`,
];

const brokenEscape = fc.constantFrom('%', '%E0%A4%A', '%zz', '%00', '%C0%AF', '%2e%2e', '..', '%FF%FE', '%u0041', '%%', '\u00e9', ' ', '#', '?');
const pathSegment = fc.oneof(fc.string({ maxLength: 12 }), brokenEscape, fc.constantFrom('graphql', 'realtime', 'app', 'content', 'config.json', 'index.html', '.well-known', 'jwks.json'));
const path: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '/graphql',
    '/graphql/realtime',
    '/app/',
    '/app/config.json',
    '/app/%E0%A4%A',
    '/',
    '*',
    'http://[/graphql',
    'http://[/x',
    '//x',
    'http://127.0.0.1/graphql',
    '/content/',
    '/content/a%2Fb',
    '/local_pool/.well-known/jwks.json',
  ),
  fc.array(pathSegment, { maxLength: 6 }).map((s) => `/${s.join('/')}`),
  fc.tuple(fc.constantFrom('/graphql', '/content/k', '/'), fc.string({ maxLength: 40 })).map(([p, q]) => `${p}?${q}`),
);

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH') },
  { weight: 1, arbitrary: fc.constantFrom('CONNECT', 'TRACE', 'get', 'G ET', '', 'PRI', 'POST\0') },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
);
const version = fc.oneof({ weight: 8, arbitrary: fc.constant('HTTP/1.1') }, { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', '', 'HTTP/0.9') });

function variables(ctx: FuzzContext) {
  const id = fc.oneof(fc.constantFrom(...ctx.fileIds), fc.uuid(), fc.string({ maxLength: 20 }), fc.constant('x'.repeat(5000)));
  const scalar = fc.oneof(id, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(2 ** 53, -1, 1e308, 'EDITOR', 'VIEWER', 'OWNER', 'TEXT', 'BASE64'));
  const input = fc.record(
    {
      id,
      fileId: id,
      userId: id,
      role: scalar,
      name: fc.oneof(fc.string(), scalar),
      contentType: fc.oneof(fc.constantFrom('text/plain', 'x', ''), scalar),
      content: fc.oneof(fc.string(), scalar),
      patch: fc.oneof(fc.json(), fc.string(), scalar),
      // Never the digest of the content: no generated write can be valid.
      sha256: fc.oneof(fc.constant('0'.repeat(64)), fc.string({ maxLength: 70 })),
      baseVersion: scalar,
      requestId: fc.oneof(fc.uuid(), scalar),
      muted: scalar,
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    fc.record({ id, fileId: id, input, sinceVersion: scalar, limit: scalar, nextToken: fc.oneof(fc.string(), scalar), cursor: fc.oneof(fc.string(), scalar) }, { requiredKeys: [] }),
    fc.jsonValue().map((v) => v as unknown),
  );
}

function graphqlBody(ctx: FuzzContext) {
  const doc = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...DOCS) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...DOCS), fc.nat(), fc.string({ maxLength: 4 })).map(([d, at, s]) => d.slice(0, at % (d.length + 1)) + s + d.slice(at % (d.length + 1))) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  );
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .record({ query: doc, variables: variables(ctx), operationName: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }) }, { requiredKeys: ['query'] })
        .map((b) => JSON.stringify(b)),
    },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.record({ query: fc.jsonValue(), variables: fc.jsonValue() }).map((b) => JSON.stringify(b)) },
    { weight: 1, arbitrary: fc.tuple(doc, fc.nat()).map(([d, n]) => JSON.stringify({ query: d }).slice(0, n % 60)) },
  );
}

function body(ctx: FuzzContext) {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant('') },
    { weight: 8, arbitrary: graphqlBody(ctx) },
    { weight: 2, arbitrary: fc.string({ maxLength: 300 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString('latin1')) },
    { weight: 1, arbitrary: fc.constant(JSON.stringify({ Entries: [{ Source: 'x', DetailType: 'y', Detail: '{}' }] })) },
    { weight: 1, arbitrary: fc.constant(JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'x', AuthParameters: { USERNAME: 'a', PASSWORD: 'b' } })) },
  );
}

function headers(ctx: FuzzContext) {
  const forged = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
  const auth = fc.constantFrom(ctx.strangerToken, forged, 'Bearer x', '', 'AWS4-HMAC-SHA256 Credential=AKIA/20200101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00');
  const pair = fc.oneof(
    fc.tuple(fc.constant('authorization'), auth),
    fc.tuple(fc.constant('content-type'), fc.constantFrom('application/json', 'application/x-amz-json-1.1', 'text/plain', '', 'multipart/form-data; boundary=')),
    fc.tuple(fc.constant('x-amz-target'), fc.constantFrom('AWSEvents.PutEvents', 'AWSCognitoIdentityProviderService.InitiateAuth', 'AWSCognitoIdentityProviderService.ListUsers', 'x', '')),
    fc.tuple(fc.constant('x-api-key'), fc.string({ maxLength: 30 })),
    fc.tuple(fc.constantFrom('upgrade', 'connection'), fc.constantFrom('websocket', 'Upgrade', 'close', 'keep-alive', 'h2c')),
    fc.tuple(
      fc.constantFrom('sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol'),
      fc.constantFrom('dGhlIHNhbXBsZSBub25jZQ==', '13', 'graphql-ws', 'graphql-ws, header-e30', '', 'x'),
    ),
    fc.tuple(
      fc.constantFrom('transfer-encoding', 'expect', 'x-amz-content-sha256', 'x-amz-date', 'range'),
      fc.constantFrom('chunked', 'gzip, chunked', '100-continue', 'UNSIGNED-PAYLOAD', 'bytes=5-1', 'bytes=-0', '20200101T000000Z'),
    ),
    fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 40 })),
  );
  const long = fc.tuple(fc.constant('x-long'), fc.constant('v'.repeat(20_000)));
  return fc.array(fc.oneof({ weight: 30, arbitrary: pair }, { weight: 1, arbitrary: long }), { maxLength: 6 });
}

/** A well-formed POST to the GraphQL endpoint whose document, variables and auth are fuzzed: reaches execution. */
function graphqlRequest(ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const auth = fc.constantFrom(ctx.strangerToken, ctx.strangerToken, ctx.strangerToken, 'forged', '');
  return fc.record({ tls: fc.boolean(), auth, body: graphqlBody(ctx) }).map(({ tls, auth: a, body: b }) => {
    const payload = Buffer.from(b, 'utf8');
    const head = `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n${a ? `Authorization: ${a}\r\n` : ''}Content-Length: ${payload.length}\r\n\r\n`;
    return { target: tls ? 'main-tls' : 'main', bytes: Buffer.concat([Buffer.from(head, 'latin1'), payload]), complete: true };
  });
}

export function fuzzRequest(ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  return fc.oneof({ weight: 3, arbitrary: rawHttpRequest(ctx) }, { weight: 1, arbitrary: graphqlRequest(ctx) });
}

function rawHttpRequest(ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const target = fc.constantFrom<Target>('main', 'main', 'main', 'main', 'main', 'main', 'main-tls', 's3', 's3', 'events', 'events', 'cognito', 'cognito');
  return fc
    .record({
      target,
      method,
      path,
      version,
      headers: headers(ctx),
      body: body(ctx),
      host: fc.boolean(),
      length: fc.oneof({ weight: 6, arbitrary: fc.constant('exact') }, { weight: 1, arbitrary: fc.constantFrom('none', '-1', '99999999999', '3', 'abc', '0, 5') }),
      lineEnd: fc.oneof({ weight: 9, arbitrary: fc.constant('\r\n') }, { weight: 1, arbitrary: fc.constantFrom('\n', '\r', '') }),
    })
    .map((r) => {
      const lines = [`${r.method} ${r.path} ${r.version}`];
      if (r.host) lines.push('Host: 127.0.0.1');
      for (const [k, v] of r.headers) lines.push(`${k}: ${v}`);
      const payload = Buffer.from(r.body, 'utf8');
      if (r.length === 'exact') lines.push(`Content-Length: ${payload.length}`);
      else if (r.length !== 'none') lines.push(`Content-Length: ${r.length}`);
      return { target: r.target, bytes: Buffer.concat([Buffer.from(lines.join(r.lineEnd) + r.lineEnd + r.lineEnd, 'latin1'), payload]) };
    });
}

/** Real-time frames: protocol messages with wrong types, malformed JSON, huge ids, starts without init. */
export function fuzzFrame(ctx: FuzzContext): fc.Arbitrary<string | Buffer> {
  const id = fc.oneof({ weight: 20, arbitrary: fc.oneof(fc.uuid(), fc.string({ maxLength: 10 }), fc.integer(), fc.constant(null)) }, { weight: 1, arbitrary: fc.constant('i'.repeat(100_000)) });
  const authorization = fc.oneof(fc.constant({ Authorization: ctx.strangerToken, host: '127.0.0.1' }), fc.constant({ Authorization: 'forged' }), fc.jsonValue());
  const data = fc.oneof(
    fc.record({ query: fc.constantFrom(...DOCS), variables: variables(ctx) }).map((d) => JSON.stringify(d)),
    fc.string({ maxLength: 100 }),
    fc.jsonValue(),
  );
  const message = fc.oneof(
    fc.record(
      {
        type: fc.constantFrom('start', 'start', 'stop', 'connection_init', 'ka', 'data', 'complete', '', 'START'),
        id,
        payload: fc.oneof(fc.record({ data, extensions: fc.oneof(fc.record({ authorization }), fc.jsonValue()) }, { requiredKeys: [] }), fc.jsonValue()),
      },
      { requiredKeys: [] },
    ),
    fc.jsonValue(),
  );
  return fc.oneof(
    { weight: 80, arbitrary: message.map((m) => JSON.stringify(m)) },
    { weight: 20, arbitrary: message.chain((m) => fc.nat().map((n) => JSON.stringify(m).slice(0, n % 40))) },
    { weight: 10, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 10, arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)) },
    { weight: 1, arbitrary: fc.constant(JSON.stringify({ type: 'start', id: 'big', payload: { data: 'x'.repeat(300_000) } })) },
  );
}

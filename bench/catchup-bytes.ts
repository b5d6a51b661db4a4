/**
 * Bytes a reader transfers to catch up 10 small edits on a 1 MB text file held in S3: getFileChanges
 * from its version, against a full download (getFile, the presigned GET of the content, and the
 * changes after the content's version), response bodies counted in the same run.
 * Run: npx tsx bench/catchup-bytes.ts [edits=10] [sizeKB=1024]
 */
import { createHash, randomUUID } from 'node:crypto';
import { api } from '../infra/api.ts';
import { startStack } from '../test/e2e/harness.ts';

const edits = Number(process.argv[2] ?? 10);
const sizeKB = Number(process.argv[3] ?? 1024);
const hex = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');

const stack = await startStack(api);
try {
  const token = await stack.tokenFor('bench@example.com');
  let received = 0;
  const call = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(stack.runtime.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: token }, body: JSON.stringify({ query, variables }) });
    const text = await res.text();
    received += Buffer.byteLength(text);
    const body = JSON.parse(text) as { data?: Record<string, any>; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!;
  };
  const get = async (url: string) => {
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    received += bytes.length;
    return bytes;
  };

  // A ~1 MB text file, uploaded and inserted.
  let text = '';
  for (let i = 0; Buffer.byteLength(text) < sizeKB * 1024; i++) text += `${String(i).padStart(6, '0')} lorem ipsum dolor sit amet, consectetur adipiscing elit\n`;
  const bytes = Buffer.from(text, 'utf8');
  const contentType = 'text/plain; charset=utf-8';
  const session = (
    await call('mutation($i: CreateUploadInput!) { createUpload(input: $i) { uploadId put { url headers { name value } } } }', { i: { size: bytes.length, sha256: hex(bytes), contentType } })
  ).createUpload;
  await fetch(session.put.url, { method: 'PUT', body: new Uint8Array(bytes), headers: Object.fromEntries(session.put.headers.map((h: { name: string; value: string }) => [h.name, h.value])) });
  const id = randomUUID();
  await call('mutation($i: InsertFileInput!) { insertFile(input: $i) { version } }', {
    i: { id, name: 'big.txt', contentType, upload: { uploadId: session.uploadId, length: text.length }, sha256: hex(bytes), requestId: randomUUID() },
  });
  const v1 = text;

  // Small edits by another writer.
  for (let v = 1; v <= edits; v++) {
    const at = Math.floor((v * text.length) / (edits + 1));
    const insert = `edit ${v} `;
    const patch = { v: 1, t: 'text', ops: [at, insert, text.length - at] };
    text = text.slice(0, at) + insert + text.slice(at);
    await call('mutation($i: ModifyFileInput!) { modifyFile(input: $i) { version } }', {
      i: { id, baseVersion: v, patch: JSON.stringify(patch), sha256: hex(text), size: Buffer.byteLength(text), requestId: randomUUID() },
    });
  }
  await stack.runtime.drainStreams();

  const { applyText } = await import('../client/patch/index.ts');
  const CHANGES = 'query($f: ID!, $s: Int!, $n: String) { getFileChanges(fileId: $f, sinceVersion: $s, nextToken: $n) { snapshot { version contentUrl content } items { patch sha256 } nextToken } }';
  const catchUp = async (since: number, local: string) => {
    let out = local;
    let n: string | null = null;
    do {
      const page: any = (await call(CHANGES, { f: id, s: since, n })).getFileChanges;
      if (page.snapshot) out = page.snapshot.content ?? (await get(page.snapshot.contentUrl)).toString('utf8');
      for (const c of page.items) out = applyText(JSON.parse(c.patch), out);
      n = page.nextToken;
    } while (n);
    return out;
  };

  received = 0;
  const incremental = await catchUp(1, v1);
  const incrementalBytes = received;

  received = 0;
  const file = (await call('query($id: ID!) { getFile(id: $id) { contentUrl contentVersion content } }', { id })).getFile;
  const full = await catchUp(file.contentVersion, file.content ?? (await get(file.contentUrl)).toString('utf8'));
  const fullBytes = received;

  if (incremental !== text || full !== text) throw new Error('reconstruction differs');
  const editBytes = edits * Buffer.byteLength('edit 10 ');
  console.log(`file ${bytes.length} bytes, ${edits} edits (${editBytes} bytes inserted)`);
  console.log(`| path | bytes received | × getFileChanges |`);
  console.log(`|---|---|---|`);
  console.log(`| getFileChanges (catch up) | ${incrementalBytes} | 1.0 |`);
  console.log(`| full download (getFile + GET + changes after it) | ${fullBytes} | ${(fullBytes / incrementalBytes).toFixed(1)} |`);
  console.log(`catch-up is ${((100 * incrementalBytes) / fullBytes).toFixed(2)} % of a full download`);
} finally {
  await stack.stop();
}

// The page's own code, run by Chromium from this page's origin: every request below is a
// cross-origin fetch the browser gates with CORS (the GraphQL endpoint and the S3 endpoint each
// listen on other ports than this page).
const CREATE_UPLOAD = 'mutation($input: CreateUploadInput!) { createUpload(input: $input) { uploadId put { url method headers { name value } } } }';
const INSERT = 'mutation($input: InsertFileInput!) { insertFile(input: $input) { fileId version size length sha256 } }';
const GET = 'query($id: ID!) { getFile(id: $id) { id version size sha256 contentUrl } }';

const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (bytes) => hex(await crypto.subtle.digest('SHA-256', bytes));
const xmlCode = (text) => /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? null;

async function gql(cfg, query, variables) {
  const res = await fetch(cfg.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: cfg.token },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
}

/**
 * createUpload → presigned PUT with exactly the signed headers (or a wrong content type when
 * cfg.putContentType is set) → insertFile → getFile's presigned GET, compared byte for byte.
 * Reports what each step saw; never throws.
 */
async function upload(cfg) {
  const report = { steps: [] };
  try {
    const bytes = new TextEncoder().encode(cfg.text);
    const digest = await sha256(bytes);
    report.sha256 = digest;

    const created = await gql(cfg, CREATE_UPLOAD, { input: { size: bytes.length, sha256: digest, contentType: cfg.contentType } });
    report.steps.push('createUpload');
    if (!created.data?.createUpload) return { ...report, createErrors: created.errors ?? null };
    const { uploadId, put } = created.data.createUpload;
    report.uploadId = uploadId;

    const headers = Object.fromEntries(put.headers.map((h) => [h.name, h.value]));
    if (cfg.putContentType) headers['content-type'] = cfg.putContentType;
    const putRes = await fetch(put.url, { method: put.method, headers, body: bytes });
    report.steps.push('put');
    report.put = { status: putRes.status, etag: putRes.headers.get('etag'), code: putRes.ok ? null : xmlCode(await putRes.text()) };

    // Commit even after a refused PUT: the API must refuse an upload that never landed.
    const id = crypto.randomUUID();
    report.fileId = id;
    const inserted = await gql(cfg, INSERT, {
      input: { id, name: cfg.name, contentType: cfg.contentType, upload: { uploadId, length: cfg.text.length }, sha256: digest, requestId: crypto.randomUUID() },
    });
    report.steps.push('insertFile');
    report.insert = inserted.data?.insertFile ?? null;
    report.insertErrors = inserted.errors?.map((e) => ({ errorType: e.errorType, field: e.errorInfo?.field ?? null })) ?? null;
    if (!report.insert) return report;

    const file = (await gql(cfg, GET, { id })).data?.getFile;
    report.steps.push('getFile');
    const got = await fetch(file.contentUrl);
    const back = new Uint8Array(await got.arrayBuffer());
    report.steps.push('download');
    report.download = { status: got.status, size: back.length, sha256: await sha256(back), same: back.length === bytes.length && back.every((b, i) => b === bytes[i]) };
    return report;
  } catch (e) {
    // A CORS refusal surfaces here as a TypeError ("Failed to fetch").
    return { ...report, error: String(e) };
  }
}

const ON_CHANGED = 'subscription($fileId: ID!) { onFileChanged(fileId: $fileId) { fileId version op content } }';
const base64url = (text) => btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/**
 * Subscribes to one file's changes over the AppSync real-time protocol (graphql-ws with the
 * `header-` subprotocol, as Amplify does). Resolves with the connection and start answers; data
 * frames land in `events`.
 */
function subscribe(cfg) {
  const auth = { Authorization: cfg.token, host: new URL(cfg.graphqlUrl).host };
  const ws = new WebSocket(cfg.realtimeUrl, ['graphql-ws', `header-${base64url(JSON.stringify(auth))}`]);
  const frames = [];
  return new Promise((resolve) => {
    ws.onerror = () => resolve({ error: 'websocket error', frames });
    ws.onopen = () => ws.send(JSON.stringify({ type: 'connection_init' }));
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.type !== 'ka') frames.push(msg.type); // keep-alives come at the server's pace
      if (msg.type === 'connection_ack') {
        ws.send(JSON.stringify({ id: 'sub1', type: 'start', payload: { data: JSON.stringify({ query: ON_CHANGED, variables: { fileId: cfg.fileId } }), extensions: { authorization: auth } } }));
      } else if (msg.type === 'start_ack' || msg.type === 'error' || msg.type === 'connection_error') {
        resolve({ frames });
      } else if (msg.type === 'data') {
        events.push(msg.payload.data.onFileChanged);
      }
    };
  });
}
const events = [];

window.craftSync = { upload, subscribe, events };
document.getElementById('status').textContent = 'ready';

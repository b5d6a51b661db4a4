/**
 * The craft-sync browser app: sign in against the configured issuer, list my files, create a text
 * file, and edit one in a textarea kept live by the sync engine. Everything goes through the client
 * SDK and sync engine (their browser entries: Web Crypto, Web Storage, no Node modules); the page
 * only turns their events into DOM updates. Built by build.ts, served by the local runtime with the
 * runtime's Amplify configuration beside it (`config.json`).
 */
import {
  createApi,
  createSession,
  CraftSyncError,
  fromAmplifyConfig,
  IntegrityError,
  memoryStorage,
  NetworkError,
  sha256Hex,
  toCraftSyncError,
  type Api,
  type FileSummary,
  type Session,
} from '../sdk/browser.ts';
import { openFile, webStore, type SyncedFile, type SyncStore } from '../sync/browser.ts';
import { mergeIntoTextarea } from './editor.ts';

/** Typing is handed to the sync engine after this pause (each hand-over is one patch). */
const EDIT_DEBOUNCE_MS = 150;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing`);
  return el as T;
};

const ui = {
  boot: $('boot'),
  me: $('me'),
  meEmail: $('me-email'),
  meSub: $('me-sub'),
  signout: $<HTMLButtonElement>('signout'),
  signin: $<HTMLFormElement>('signin'),
  email: $<HTMLInputElement>('email'),
  password: $<HTMLInputElement>('password'),
  signinError: $('signin-error'),
  workspace: $('workspace'),
  files: $('files'),
  refresh: $<HTMLButtonElement>('refresh'),
  create: $<HTMLFormElement>('create'),
  newName: $<HTMLInputElement>('new-name'),
  editor: $('editor'),
  fileName: $('file-name'),
  version: $('version'),
  author: $('author'),
  connection: $('connection'),
  syncState: $('sync-state'),
  content: $<HTMLTextAreaElement>('content'),
  share: $<HTMLFormElement>('share'),
  shareUser: $<HTMLInputElement>('share-user'),
  shareRole: $<HTMLSelectElement>('share-role'),
  message: $('message'),
};

let session: Session | undefined;
let api: Api | undefined;
let me: { sub: string; email: string } | undefined;
let store: SyncStore | undefined;
let open: OpenEditor | undefined;

/** Shows an error: typed SDK errors by their errorType, anything else by its message. */
function showError(e: unknown, context?: string): void {
  const err = e instanceof CraftSyncError ? e : toCraftSyncError(e);
  ui.message.textContent = `${context ? `${context}: ` : ''}${err.errorType}: ${err.message}`;
  ui.message.dataset.errorType = err.errorType;
}

function clearMessage(): void {
  ui.message.textContent = '';
  delete ui.message.dataset.errorType;
}

const who = (sub: string | null | undefined): string => (!sub ? '—' : sub === me?.sub ? 'you' : sub);

// --- sign-in ------------------------------------------------------------------------------------

ui.signin.addEventListener('submit', (ev) => {
  ev.preventDefault();
  ui.signinError.textContent = '';
  void signIn(ui.email.value.trim(), ui.password.value).catch((e: unknown) => {
    const err = toCraftSyncError(e);
    ui.signinError.textContent = `${err.errorType}: ${err.message}`;
  });
});

async function signIn(email: string, password: string): Promise<void> {
  if (!session) throw new CraftSyncError('Unknown', 'not configured');
  await session.signIn(email, password);
  const user = await session.currentUser();
  me = { sub: user.sub, email };
  // Replicas persist per user in this browser: reopening a file pulls only what changed since.
  store = webStore(localStorage, `craft-sync:${user.sub}:file:`);
  api = createApi(session);
  ui.meEmail.textContent = email;
  ui.meSub.textContent = user.sub;
  ui.me.hidden = false;
  ui.signin.hidden = true;
  ui.workspace.hidden = false;
  ui.password.value = '';
  await listFiles();
}

ui.signout.addEventListener('click', () => {
  void (async () => {
    await closeEditor();
    await session?.signOut().catch(() => undefined);
    api = undefined;
    me = undefined;
    ui.me.hidden = true;
    ui.workspace.hidden = true;
    ui.signin.hidden = false;
    ui.files.replaceChildren();
    clearMessage();
  })();
});

// --- files --------------------------------------------------------------------------------------

async function listFiles(): Promise<void> {
  if (!api) return;
  const items: FileSummary[] = [];
  let nextToken: string | null | undefined;
  do {
    const page = await api.listFiles({ limit: 100, nextToken });
    items.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  ui.files.replaceChildren(
    ...items.map((f) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.id = f.id;
      b.dataset.name = f.name;
      b.textContent = `${f.name} (v${f.version}, ${f.myRole?.toLowerCase() ?? ''})`;
      if (open?.file.fileId === f.id) b.setAttribute('aria-current', 'true');
      b.addEventListener('click', () => void openEditor(f.id, f.updatedBy).catch((e: unknown) => showError(e, 'open')));
      li.append(b);
      return li;
    }),
  );
}

ui.refresh.addEventListener('click', () => void listFiles().catch((e: unknown) => showError(e, 'list')));

ui.create.addEventListener('submit', (ev) => {
  ev.preventDefault();
  void (async () => {
    if (!api) return;
    clearMessage();
    const name = ui.newName.value.trim();
    const change = await api.insertFile({ name, contentType: 'text/plain; charset=utf-8', encoding: 'TEXT', content: '', sha256: await sha256Hex('') });
    ui.newName.value = '';
    await listFiles();
    await openEditor(change.fileId, change.author);
  })().catch((e: unknown) => showError(e, 'create'));
});

ui.share.addEventListener('submit', (ev) => {
  ev.preventDefault();
  void (async () => {
    if (!api || !open) return;
    clearMessage();
    const userId = ui.shareUser.value.trim();
    await api.shareFile({ fileId: open.file.fileId, userId, role: ui.shareRole.value as 'EDITOR' | 'VIEWER' });
    ui.shareUser.value = '';
    ui.message.textContent = `shared with ${userId} as ${ui.shareRole.value.toLowerCase()}`;
  })().catch((e: unknown) => showError(e, 'share'));
});

// --- the editor ---------------------------------------------------------------------------------

interface OpenEditor {
  file: SyncedFile;
  /** The content the textarea was last in step with (what the engine holds as `content`). */
  base: string;
  timer: ReturnType<typeof setTimeout> | undefined;
  stop(): void;
}

async function closeEditor(): Promise<void> {
  const o = open;
  open = undefined;
  if (!o) return;
  handOver(o);
  o.stop();
  await o.file.close();
  ui.editor.hidden = true;
}

async function openEditor(fileId: string, lastAuthor?: string | null): Promise<void> {
  if (!api) return;
  await closeEditor();
  clearMessage();
  ui.connection.textContent = 'connecting';
  const file = await openFile(api, fileId, { store });
  const o: OpenEditor = { file, base: file.content, timer: undefined, stop: () => undefined };
  open = o;
  ui.fileName.textContent = file.name;
  ui.content.value = file.content;
  ui.content.readOnly = false;
  ui.version.textContent = String(file.version);
  ui.author.textContent = who(lastAuthor);
  showConnection(file);
  ui.editor.hidden = false;
  showSyncState(o);
  for (const b of Array.from(ui.files.querySelectorAll('button'))) b.setAttribute('aria-current', String(b.dataset.id === fileId));

  const offs = [
    file.on('change', (e) => {
      if (open !== o) return;
      ui.version.textContent = String(e.version);
      if (e.author) ui.author.textContent = who(e.author);
      if (e.remote) applyToTextarea(o, file.content);
      showSyncState(o);
    }),
    file.on('synced', () => open === o && showSyncState(o)),
    file.on('live', () => open === o && showConnection(file)),
    file.on('online', () => open === o && showConnection(file)),
    file.on('offline', (e) => {
      if (open === o) ui.connection.textContent = `offline (${e.error.message})`;
    }),
    file.on('resync', (e) => {
      if (open !== o) return;
      ui.version.textContent = String(e.version);
      applyToTextarea(o, file.content);
    }),
    file.on('deleted', () => {
      if (open !== o) return;
      ui.content.readOnly = true;
      ui.message.textContent = 'This file was deleted.';
    }),
    file.on('conflict', (e) => {
      if (open !== o) return;
      showError(e);
      resetTextarea(o);
    }),
    file.on('error', (e) => {
      if (open !== o) return;
      showError(e);
      showConnection(file);
      // A refused edit (Forbidden, InvalidInput, ...) is dropped by the engine with every edit
      // queued after it: the textarea goes back to what the server holds. Network trouble and a
      // repaired change drop nothing, so typing not handed over yet stays.
      if (e instanceof NetworkError || e instanceof IntegrityError) return;
      if (ui.content.value !== file.content && file.pendingEdits === 0) resetTextarea(o);
    }),
  ];
  o.stop = () => {
    clearTimeout(o.timer);
    for (const off of offs) off();
  };
}

/** Hands the textarea's typing to the engine (one patch against what it holds). */
function handOver(o: OpenEditor): void {
  clearTimeout(o.timer);
  o.timer = undefined;
  const text = ui.content.value;
  if (text === o.base) return;
  o.base = text;
  // Failures arrive as the engine's `error` / `conflict` events (shown there).
  o.file.edit(text).catch(() => undefined);
  showSyncState(o);
}

/** The engine's content moved (a remote change, a resync): merge it into the textarea, keeping the caret. */
function applyToTextarea(o: OpenEditor, next: string): void {
  const ta = ui.content;
  const merged = mergeIntoTextarea(o.base, next, { text: ta.value, selectionStart: ta.selectionStart, selectionEnd: ta.selectionEnd });
  o.base = next;
  if (merged.text !== ta.value) {
    const focused = document.activeElement === ta;
    ta.value = merged.text;
    if (focused) ta.setSelectionRange(merged.selectionStart, merged.selectionEnd);
  }
}

function resetTextarea(o: OpenEditor): void {
  clearTimeout(o.timer);
  o.timer = undefined;
  o.base = o.file.content;
  ui.content.value = o.file.content;
  showSyncState(o);
}

/** live: changes arrive as they happen; online: requests work but the subscription is not (yet) up. */
function showConnection(file: SyncedFile): void {
  ui.connection.textContent = !file.isOnline ? 'offline' : file.isLive ? 'live' : 'connecting';
}

function showSyncState(o: OpenEditor): void {
  const waiting = o.file.pendingEdits + (ui.content.value !== o.base ? 1 : 0);
  ui.syncState.textContent = waiting ? `saving… (${waiting})` : 'saved';
  ui.syncState.dataset.state = waiting ? 'saving' : 'saved';
}

ui.content.addEventListener('input', () => {
  const o = open;
  if (!o) return;
  clearTimeout(o.timer);
  o.timer = setTimeout(() => handOver(o), EDIT_DEBOUNCE_MS);
  showSyncState(o);
});
ui.content.addEventListener('blur', () => open && handOver(open));

// --- start --------------------------------------------------------------------------------------

async function boot(): Promise<void> {
  const res = await fetch('config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const config = fromAmplifyConfig((await res.json()) as Record<string, unknown>);
  // Tokens stay in this tab's memory: a reload asks to sign in again.
  session = createSession(config, { storage: memoryStorage() });
  ui.boot.hidden = true;
  ui.signin.hidden = false;
  document.body.dataset.ready = 'true';
}

boot().catch((e: unknown) => {
  ui.boot.textContent = `Could not start: ${(e as Error).message}`;
  ui.boot.classList.add('error');
});

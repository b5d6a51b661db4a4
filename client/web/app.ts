/**
 * The craft-sync browser app: sign in against the configured issuer (and stay signed in across
 * reloads: Amplify keeps its tokens in localStorage and refreshes them), a file list that follows
 * changes, creating and uploading files, and an editor kept live by the sync engine with presence,
 * history, members and delete. Everything goes through the client SDK and sync engine (their browser
 * entries: Web Crypto, Web Storage, no Node modules); the page only turns their events into DOM
 * updates. Built by build.ts, served by the local runtime with its Amplify configuration beside it
 * (`config.json`).
 */
import { createApi, createSession, CraftSyncError, fromAmplifyConfig, sha256Hex, toCraftSyncError, webStorage, type FileSummary, type KeyValueStorage, type Session } from '../sdk/browser.ts';
import { webStore, type SyncStore } from '../sync/browser.ts';
import { closeEditor, current, openEditor, wireEditorControls, type AppContext, type EditorHooks, type OpenEditor } from './editor-panel.ts';
import { LiveFileList } from './file-list.ts';
import { historyPlugin } from './history.ts';
import { presencePlugin } from './presence-view.ts';
import { wireTransfers } from './transfers.ts';
import { clearMessage, showError, ui } from './ui.ts';

/** Where Amplify keeps the signed-in user's tokens (and refresh token) in this browser. */
const AUTH_PREFIX = 'craft-sync:auth:';

let session: Session | undefined;
let tokens: KeyValueStorage | undefined;
let app: AppContext | undefined;
let list: LiveFileList | undefined;
/** Presence, history, ...: each gets every opened editor. */
const plugins: Array<(o: OpenEditor) => EditorHooks> = [presencePlugin(() => app), historyPlugin(() => app)];

const replicaPrefix = (sub: string) => `craft-sync:${sub}:file:`;

/** Replicas larger than this are not kept in localStorage (its quota is a few MB per origin): they are downloaded again on open. */
const MAX_STORED_CHARS = 1_000_000;

function bounded(store: SyncStore): SyncStore {
  return {
    load: (id) => store.load(id),
    // Over the budget, or over the browser's quota: the replica lives in memory only.
    save: (s) => (s.content.length > MAX_STORED_CHARS ? store.remove(s.fileId) : store.save(s).catch(() => store.remove(s.fileId))),
    remove: (id) => store.remove(id),
  };
}

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
  ui.password.value = '';
  await enter();
}

/** Shows the workspace of whoever the session holds (after sign-in, or a reload with stored tokens). */
async function enter(): Promise<void> {
  const user = await session!.currentUser();
  const email = user.email ?? user.username;
  const api = createApi(session!);
  // Replicas persist per user in this browser: reopening a file pulls only what changed since.
  app = { api, me: { sub: user.sub, email }, store: bounded(webStore(localStorage, replicaPrefix(user.sub))), note: (id, p) => list?.note(id, p) };
  ui.meEmail.textContent = email;
  ui.meSub.textContent = user.sub;
  ui.me.hidden = false;
  ui.signin.hidden = true;
  ui.workspace.hidden = false;
  list = new LiveFileList(api, renderFiles, (e) => showError(e, 'list'));
  await list.start();
}

ui.signout.addEventListener('click', () => {
  void (async () => {
    const sub = app?.me.sub;
    list?.stop();
    list = undefined;
    await closeEditor();
    await session?.signOut().catch(() => undefined);
    // Amplify removed its tokens; nothing of this user stays in the browser either.
    await tokens?.clear();
    if (sub) await webStorage(localStorage, replicaPrefix(sub)).clear();
    app = undefined;
    ui.me.hidden = true;
    ui.workspace.hidden = true;
    ui.signin.hidden = false;
    ui.files.replaceChildren();
    clearMessage();
  })();
});

// --- files --------------------------------------------------------------------------------------

function renderFiles(files: FileSummary[]): void {
  const openId = current()?.file.fileId;
  ui.files.replaceChildren(
    ...files.map((f) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.id = f.id;
      b.dataset.name = f.name;
      b.dataset.version = String(f.version);
      b.textContent = `${f.name} (v${f.version}, ${f.myRole?.toLowerCase() ?? ''})`;
      const small = document.createElement('small');
      // A binary file's size is fixed by its upload; a text file's in the list may lag its edits.
      small.textContent = f.encoding === 'BASE64' ? `binary, ${f.size} bytes` : 'text';
      b.append(small);
      if (openId === f.id) b.setAttribute('aria-current', 'true');
      b.addEventListener('click', () => void open(f.id).catch((e: unknown) => showError(e, 'open')));
      li.append(b);
      return li;
    }),
  );
}

/** Opens a file of the list (or one just created: then the caller is its owner). */
async function open(fileId: string, owner = false): Promise<void> {
  if (!app) return;
  const f = list?.get(fileId);
  await openEditor(app, fileId, owner ? 'OWNER' : (f?.myRole ?? 'VIEWER'), f?.updatedBy ?? (owner ? app.me.sub : null), plugins);
}

ui.refresh.addEventListener('click', () => void list?.refresh().catch((e: unknown) => showError(e, 'list')));

ui.create.addEventListener('submit', (ev) => {
  ev.preventDefault();
  void (async () => {
    if (!app) return;
    clearMessage();
    const name = ui.newName.value.trim();
    const change = await app.api.insertFile({ name, contentType: 'text/plain; charset=utf-8', encoding: 'TEXT', content: '', sha256: await sha256Hex('') });
    ui.newName.value = '';
    await list?.refresh();
    await open(change.fileId, true);
  })().catch((e: unknown) => showError(e, 'create'));
});

wireEditorControls(() => app);
wireTransfers(
  () => app,
  async (fileId) => {
    await list?.refresh();
    await open(fileId, true);
  },
);

// --- start --------------------------------------------------------------------------------------

async function boot(): Promise<void> {
  const res = await fetch('config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const config = fromAmplifyConfig((await res.json()) as Record<string, unknown>);
  // Amplify's own token store, in localStorage: a reload finds the user signed in (Amplify
  // refreshes expired tokens with the refresh token); sign-out removes them.
  tokens = webStorage(localStorage, AUTH_PREFIX);
  session = createSession(config, { storage: tokens });
  const signedIn = await session.currentUser().then(
    () => true,
    () => false,
  );
  ui.boot.hidden = true;
  if (signedIn) await enter().catch((e: unknown) => showError(e, 'sign-in'));
  else ui.signin.hidden = false;
  document.body.dataset.ready = 'true';
}

boot().catch((e: unknown) => {
  ui.boot.textContent = `Could not start: ${(e as Error).message}`;
  ui.boot.classList.add('error');
});

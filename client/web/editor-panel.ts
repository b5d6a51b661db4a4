/**
 * The open file: a textarea kept live by the sync engine (typing handed over as patches, remote
 * changes merged in while typing), the controls the caller's role allows (viewers get none), the
 * member list with roles (the owner shares and unshares), and delete (the owner). Presence and
 * history plug in through `EditorHooks`.
 */
import { IntegrityError, NetworkError, type Api } from '../sdk/browser.ts';
import { openFile, type SyncedFile, type SyncStore } from '../sync/browser.ts';
import { mergeIntoTextarea } from './editor.ts';
import { clearMessage, showError, showMessage, ui } from './ui.ts';

/** Typing is handed to the sync engine after this pause (each hand-over is one patch). */
const EDIT_DEBOUNCE_MS = 150;

export type Role = 'OWNER' | 'EDITOR' | 'VIEWER';

export interface AppContext {
  api: Api;
  me: { sub: string; email: string };
  store: SyncStore;
  /** The file list heard something first-hand. */
  note(fileId: string, patch: { version?: number; deleted?: boolean }): void;
}

/** What other modules (presence, history) do with an open editor. */
export interface EditorHooks {
  /** The textarea's text moved from `before` to `after` (typing, a remote change, a reset). */
  textChanged?(before: string, after: string): void;
  /** The caret or selection moved (or the text changed under it). */
  caretMoved?(): void;
  /** The engine holds a new version (its content is `file.content`). */
  versionChanged?(version: number): void;
  close?(): void | Promise<void>;
}

export interface OpenEditor {
  file: SyncedFile;
  role: Role;
  /** The content the textarea was last in step with (what the engine holds as `content`). */
  base: string;
  timer: ReturnType<typeof setTimeout> | undefined;
  hooks: EditorHooks[];
  stop(): void;
}

let open: OpenEditor | undefined;

export const current = (): OpenEditor | undefined => open;
const canWrite = (role: Role) => role === 'OWNER' || role === 'EDITOR';
export const who = (app: AppContext, sub: string | null | undefined): string => (!sub ? '—' : sub === app.me.sub ? 'you' : sub);

export async function closeEditor(): Promise<void> {
  const o = open;
  open = undefined;
  if (!o) return;
  handOver(o);
  o.stop();
  for (const h of o.hooks) await h.close?.();
  await o.file.close();
  ui.editor.hidden = true;
}

export async function openEditor(app: AppContext, fileId: string, role: Role, lastAuthor: string | null | undefined, plugins: Array<(o: OpenEditor) => EditorHooks>): Promise<void> {
  await closeEditor();
  clearMessage();
  ui.connection.textContent = 'connecting';
  const file = await openFile(app.api, fileId, { store: app.store });
  const o: OpenEditor = { file, role, base: file.content, timer: undefined, hooks: [], stop: () => undefined };
  open = o;
  ui.fileName.textContent = file.name;
  ui.myRole.textContent = role.toLowerCase();
  const binary = file.encoding === 'BASE64';
  ui.textPad.hidden = binary;
  ui.binary.hidden = !binary;
  ui.binarySize.textContent = String(Math.floor((file.content.length * 3) / 4) - (file.content.endsWith('==') ? 2 : file.content.endsWith('=') ? 1 : 0));
  ui.content.value = binary ? '' : file.content;
  // A viewer gets no editing controls: a read-only text, no share, delete or restore.
  ui.content.readOnly = binary || !canWrite(role);
  for (const el of Array.from(ui.editor.querySelectorAll<HTMLElement>('.owner-only'))) el.hidden = role !== 'OWNER';
  for (const el of Array.from(ui.editor.querySelectorAll<HTMLElement>('.writer-only'))) el.hidden = !canWrite(role);
  ui.version.textContent = String(file.version);
  ui.author.textContent = who(app, lastAuthor);
  showConnection(file);
  ui.editor.hidden = false;
  showSyncState(o);
  for (const b of Array.from(ui.files.querySelectorAll('button'))) b.setAttribute('aria-current', String(b.dataset.id === fileId));
  void showMembers(app, o).catch((e: unknown) => showError(e, 'members'));

  const offs = [
    file.on('change', (e) => {
      if (open !== o) return;
      ui.version.textContent = String(e.version);
      if (e.author) ui.author.textContent = who(app, e.author);
      if (e.remote) applyToTextarea(o, file.content);
      app.note(fileId, { version: e.version });
      for (const h of o.hooks) h.versionChanged?.(e.version);
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
      app.note(fileId, { deleted: true });
      showMessage('This file was deleted.');
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
  o.hooks = plugins.map((p) => p(o));
}

/** The member list with roles; the owner may remove anyone but themself. */
async function showMembers(app: AppContext, o: OpenEditor): Promise<void> {
  const members = await app.api.fileMembers(o.file.fileId);
  if (open !== o) return;
  ui.members.replaceChildren(
    ...members.map((m) => {
      const li = document.createElement('li');
      li.dataset.user = m.userId;
      li.dataset.role = m.role;
      li.append(`${who(app, m.userId)} (${m.role.toLowerCase()})`);
      if (o.role === 'OWNER' && m.role !== 'OWNER') {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'unshare';
        b.textContent = 'Remove';
        b.addEventListener('click', () => {
          void app.api
            .unshareFile({ fileId: o.file.fileId, userId: m.userId })
            .then(() => {
              showMessage(`removed ${m.userId}`);
              return showMembers(app, o);
            })
            .catch((e: unknown) => showError(e, 'unshare'));
        });
        li.append(' ', b);
      }
      return li;
    }),
  );
}

export function wireEditorControls(app: () => AppContext | undefined): void {
  ui.share.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const a = app();
    const o = open;
    if (!a || !o) return;
    void (async () => {
      clearMessage();
      const userId = ui.shareUser.value.trim();
      await a.api.shareFile({ fileId: o.file.fileId, userId, role: ui.shareRole.value as 'EDITOR' | 'VIEWER' });
      ui.shareUser.value = '';
      showMessage(`shared with ${userId} as ${ui.shareRole.value.toLowerCase()}`);
      await showMembers(a, o);
    })().catch((e: unknown) => showError(e, 'share'));
  });

  ui.deleteFile.addEventListener('click', () => {
    const a = app();
    const o = open;
    if (!a || !o || !confirm(`Delete ${o.file.name} for everyone?`)) return;
    void (async () => {
      await a.api.deleteFile({ id: o.file.fileId });
      a.note(o.file.fileId, { deleted: true });
      await closeEditor();
      showMessage(`deleted ${o.file.name}`);
    })().catch((e: unknown) => showError(e, 'delete'));
  });

  ui.content.addEventListener('input', () => {
    const o = open;
    if (!o) return;
    clearTimeout(o.timer);
    o.timer = setTimeout(() => handOver(o), EDIT_DEBOUNCE_MS);
    showSyncState(o);
    for (const h of o.hooks) h.caretMoved?.();
  });
  ui.content.addEventListener('blur', () => open && handOver(open));
  for (const ev of ['select', 'keyup', 'mouseup', 'focus'] as const) ui.content.addEventListener(ev, () => open?.hooks.forEach((h) => h.caretMoved?.()));
  ui.content.addEventListener('beforeinput', () => {
    // The text before this keystroke, so presence can map remote carets over it.
    const o = open;
    if (o) lastText.set(o, ui.content.value);
  });
  ui.content.addEventListener('input', () => {
    const o = open;
    const before = o && lastText.get(o);
    if (o && before !== undefined) for (const h of o.hooks) h.textChanged?.(before, ui.content.value);
  });
}

const lastText = new WeakMap<OpenEditor, string>();

/** Hands the textarea's typing to the engine (one patch against what it holds). */
function handOver(o: OpenEditor): void {
  clearTimeout(o.timer);
  o.timer = undefined;
  if (ui.content.readOnly) return;
  const text = ui.content.value;
  if (text === o.base) return;
  o.base = text;
  // Failures arrive as the engine's `error` / `conflict` events (shown there).
  o.file.edit(text).catch(() => undefined);
  showSyncState(o);
}

/** Puts new text in the textarea, telling the hooks (remote carets follow the text). */
function setText(o: OpenEditor, text: string): void {
  const before = ui.content.value;
  if (text === before) return;
  ui.content.value = text;
  for (const h of o.hooks) h.textChanged?.(before, text);
}

/** The engine's content moved (a remote change, a resync): merge it into the textarea, keeping the caret. */
function applyToTextarea(o: OpenEditor, next: string): void {
  if (o.file.encoding === 'BASE64') return;
  const ta = ui.content;
  const merged = mergeIntoTextarea(o.base, next, { text: ta.value, selectionStart: ta.selectionStart, selectionEnd: ta.selectionEnd });
  o.base = next;
  if (merged.text !== ta.value) {
    const focused = document.activeElement === ta;
    setText(o, merged.text);
    if (focused) ta.setSelectionRange(merged.selectionStart, merged.selectionEnd);
    for (const h of o.hooks) h.caretMoved?.();
  }
}

function resetTextarea(o: OpenEditor): void {
  clearTimeout(o.timer);
  o.timer = undefined;
  o.base = o.file.content;
  if (o.file.encoding !== 'BASE64') setText(o, o.file.content);
  showSyncState(o);
}

/** live: changes arrive as they happen; online: requests work but the subscription is not (yet) up. */
function showConnection(file: SyncedFile): void {
  ui.connection.textContent = !file.isOnline ? 'offline' : file.isLive ? 'live' : 'connecting';
}

function showSyncState(o: OpenEditor): void {
  const waiting = o.file.pendingEdits + (ui.content.value !== o.base && !ui.content.readOnly ? 1 : 0);
  ui.syncState.textContent = waiting ? `saving… (${waiting})` : 'saved';
  ui.syncState.dataset.state = waiting ? 'saving' : 'saved';
}

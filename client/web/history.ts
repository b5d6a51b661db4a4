/**
 * The open file's history: every version with its author and time (getFileChanges from the insert),
 * any version's text (rebuilt from the log, each step checked against its sha256), and restoring one
 * as a new version (modifyFile with the whole content; the versions in between stay in the log).
 */
import { ConflictError, download, fitsInline, IntegrityError, sha256Hex, upload, type FileChange } from '../sdk/browser.ts';
import { reconstruct } from '../sync/reconstruct.ts';
import { current, who, type AppContext, type EditorHooks, type OpenEditor } from './editor-panel.ts';
import { showError, showMessage, ui } from './ui.ts';

/** Whole-content writes at a stale base are refused (Conflict): retried on the new head this often. */
const RESTORE_ATTEMPTS = 4;

export function historyPlugin(app: () => AppContext | undefined): (o: OpenEditor) => EditorHooks {
  return (o) => {
    const a = app()!;
    const changes: FileChange[] = [];
    let selected: number | undefined;
    let loading: Promise<void> | undefined;
    ui.historyList.replaceChildren();
    ui.historySelected.hidden = true;

    /** Reads the log after what is listed. A nextToken from the start skips the snapshot a long log would begin with. */
    const load = (): Promise<void> =>
      (loading ??= (async () => {
        for (;;) {
          const since = changes.at(-1)?.version ?? 0;
          const page = await a.api.getFileChanges(o.file.fileId, since, { limit: 100, nextToken: String(since) });
          if (current() !== o) return;
          changes.push(...page.items.filter((c) => c.version > since));
          if (!page.nextToken) break;
        }
        render();
      })().finally(() => (loading = undefined)));

    const render = () => {
      ui.historyList.replaceChildren(
        ...[...changes].reverse().map((c) => {
          const li = document.createElement('li');
          li.dataset.version = String(c.version);
          li.dataset.author = c.author;
          const b = document.createElement('button');
          b.type = 'button';
          b.className = 'view';
          b.textContent = `v${c.version}`;
          b.disabled = o.file.encoding !== 'TEXT';
          b.addEventListener('click', () => void view(c.version).catch((e: unknown) => showError(e, 'history')));
          const what = document.createElement('span');
          what.textContent = `${c.op.toLowerCase()} by ${who(a, c.author)}, ${new Date(c.at).toLocaleString()}`;
          li.append(b, what);
          return li;
        }),
      );
    };

    /** The text at `version`: the insert's content, then each change applied in order. */
    const textAt = async (version: number): Promise<string> => {
      let text = '';
      for (const c of changes) {
        if (c.version > version) break;
        const r = await reconstruct(c, text, 'TEXT', async (url, sha256, size) => new TextDecoder().decode(await download(url, { sha256, size })));
        if ('failure' in r) throw new IntegrityError('Integrity', `version ${c.version}: ${r.failure}: ${r.detail}`);
        text = r.content;
      }
      return text;
    };

    const view = async (version: number) => {
      const text = await textAt(version);
      if (current() !== o) return;
      selected = version;
      ui.historyVersion.textContent = String(version);
      ui.historyView.textContent = text;
      ui.historySelected.hidden = false;
    };

    const onToggle = () => {
      if (ui.history.open) void load().catch((e: unknown) => showError(e, 'history'));
    };
    ui.history.addEventListener('toggle', onToggle);
    onToggle();

    const onRestore = () => {
      if (selected === undefined || current() !== o) return;
      const version = selected;
      void (async () => {
        const text = await textAt(version);
        const bytes = new TextEncoder().encode(text);
        const sha256 = await sha256Hex(bytes);
        // Large text goes through S3 like any upload; the server never reads it back.
        const body = fitsInline(text, 'TEXT') ? { content: text } : { upload: { uploadId: (await upload(a.api, bytes, { contentType: o.file.contentType, sha256 })).uploadId, length: text.length } };
        let base = Math.max(o.file.version, changes.at(-1)?.version ?? 0);
        for (let attempt = 1; ; attempt++) {
          try {
            const change = await a.api.modifyFile({ id: o.file.fileId, baseVersion: base, ...body, sha256, requestId: globalThis.crypto.randomUUID() });
            showMessage(`restored version ${version} as version ${change.version}`);
            break;
          } catch (e) {
            // Someone wrote in between: restore on top of their version (a new request).
            if (!(e instanceof ConflictError) || e.headVersion === undefined || attempt >= RESTORE_ATTEMPTS) throw e;
            base = e.headVersion;
          }
        }
      })().catch((e: unknown) => showError(e, 'restore'));
    };
    ui.restore.addEventListener('click', onRestore);

    return {
      versionChanged: () => {
        if (ui.history.open) void load().catch((e: unknown) => showError(e, 'history'));
      },
      close: () => {
        ui.history.removeEventListener('toggle', onToggle);
        ui.restore.removeEventListener('click', onRestore);
      },
    };
  };
}

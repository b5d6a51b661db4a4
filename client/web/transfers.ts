/**
 * Files from disk and back: an upload goes through the S3 path (createUpload, the presigned PUT or
 * parts, completeUpload: sdk/transfer.ts) with progress, then insertFile names it; text that decodes
 * as UTF-8 becomes a TEXT file (editable), anything else a BASE64 (binary) one. Download saves the
 * open file's bytes: a text file's from the editor's replica, a binary one's from S3 (presigned GET,
 * streamed with progress, checked against its sha256) or inline.
 */
import { decodeBase64 } from '../patch/index.ts';
import { download, IntegrityError, sha256Hex, upload, type TransferProgress } from '../sdk/browser.ts';
import { current, type AppContext } from './editor-panel.ts';
import { showError, showMessage, ui } from './ui.ts';

const TEXT_TYPES = /^(text\/[^;]+|application\/(json|xml|javascript|x-yaml|yaml|toml|x-sh))$/;

/** The file's MIME type as the API takes it (`type/subtype`, text with its charset). */
function contentTypeOf(file: File, isText: boolean): string {
  const type = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+\/[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(file.type) ? file.type.toLowerCase() : isText ? 'text/plain' : 'application/octet-stream';
  return isText ? `${type}; charset=utf-8` : type;
}

/** The text, when the bytes are UTF-8 of a text type (or of no declared type). */
function asText(file: File, bytes: Uint8Array): string | undefined {
  if (file.type && !TEXT_TYPES.test(file.type)) return undefined;
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    // No declared type: NUL bytes say binary even when they decode.
    return !file.type && text.includes('\u0000') ? undefined : text;
  } catch {
    return undefined;
  }
}

function showProgress(bar: HTMLProgressElement, p: TransferProgress, label?: HTMLElement, verb = 'uploading'): void {
  bar.hidden = false;
  bar.max = Math.max(1, p.total);
  bar.value = p.loaded;
  if (label) label.textContent = `${verb} ${p.total ? Math.floor((100 * p.loaded) / p.total) : 100}%`;
}

export function wireTransfers(app: () => AppContext | undefined, uploaded: (fileId: string) => Promise<void>): void {
  ui.upload.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const a = app();
    const file = ui.uploadFile.files?.[0];
    if (!a || !file) return;
    void (async () => {
      ui.uploadState.textContent = 'reading…';
      const bytes = new Uint8Array(await file.arrayBuffer());
      const text = asText(file, bytes);
      const contentType = contentTypeOf(file, text !== undefined);
      const sha256 = await sha256Hex(bytes);
      const { uploadId } = await upload(a.api, bytes, { contentType, sha256, onProgress: (p) => showProgress(ui.uploadProgress, p, ui.uploadState) });
      const change = await a.api.insertFile({
        name: file.name,
        contentType,
        encoding: text === undefined ? 'BASE64' : 'TEXT',
        upload: { uploadId, length: text?.length },
        sha256,
      });
      ui.uploadState.textContent = `uploaded ${file.name} (${bytes.byteLength} bytes)`;
      ui.uploadFile.value = '';
      await uploaded(change.fileId);
    })().catch((e: unknown) => {
      ui.uploadState.textContent = 'upload failed';
      showError(e, 'upload');
    });
  });

  ui.download.addEventListener('click', () => {
    const a = app();
    const o = current();
    if (!a || !o) return;
    void (async () => {
      let bytes: Uint8Array;
      if (o.file.encoding === 'TEXT') {
        bytes = new TextEncoder().encode(o.file.content);
      } else {
        const f = await a.api.getFile(o.file.fileId);
        if (f.content != null) {
          const decoded = decodeBase64(f.content);
          if (!decoded) throw new IntegrityError('Integrity', `file ${f.id}: inline content is not base64`);
          bytes = decoded;
        } else if (f.contentUrl) {
          bytes = await download(f.contentUrl, { sha256: f.sha256, size: f.size, onProgress: (p) => showProgress(ui.downloadProgress, p) });
        } else throw new IntegrityError('Integrity', `file ${f.id} has neither content nor contentUrl`);
      }
      save(bytes, o.file.name, o.file.contentType);
      showMessage(`downloaded ${o.file.name} (${bytes.byteLength} bytes)`);
    })().catch((e: unknown) => showError(e, 'download'));
  });
}

/** Hands the bytes to the browser's own download (a temporary object URL). */
function save(bytes: Uint8Array, name: string, contentType: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: contentType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The page's elements (index.html), found once, and how messages are shown. */
import { CraftSyncError, toCraftSyncError } from '../sdk/browser.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing`);
  return el as T;
};

export const ui = {
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
  upload: $<HTMLFormElement>('upload'),
  uploadFile: $<HTMLInputElement>('upload-file'),
  uploadProgress: $<HTMLProgressElement>('upload-progress'),
  uploadState: $('upload-state'),
  editor: $('editor'),
  fileName: $('file-name'),
  version: $('version'),
  author: $('author'),
  myRole: $('my-role'),
  connection: $('connection'),
  syncState: $('sync-state'),
  presence: $('presence'),
  textPad: $('text-pad'),
  content: $<HTMLTextAreaElement>('content'),
  carets: $('carets'),
  binary: $('binary'),
  binarySize: $('binary-size'),
  download: $<HTMLButtonElement>('download'),
  downloadProgress: $<HTMLProgressElement>('download-progress'),
  deleteFile: $<HTMLButtonElement>('delete'),
  members: $('members'),
  share: $<HTMLFormElement>('share'),
  shareUser: $<HTMLInputElement>('share-user'),
  shareRole: $<HTMLSelectElement>('share-role'),
  history: $<HTMLDetailsElement>('history'),
  historyList: $('history-list'),
  historySelected: $('history-selected'),
  historyVersion: $('history-version'),
  historyView: $('history-view'),
  restore: $<HTMLButtonElement>('restore'),
  message: $('message'),
};

/** Shows an error: typed SDK errors by their errorType, anything else by its message. */
export function showError(e: unknown, context?: string): void {
  const err = e instanceof CraftSyncError ? e : toCraftSyncError(e);
  ui.message.textContent = `${context ? `${context}: ` : ''}${err.errorType}: ${err.message}`;
  ui.message.dataset.errorType = err.errorType;
}

export function showMessage(text: string): void {
  ui.message.textContent = text;
  delete ui.message.dataset.errorType;
}

export function clearMessage(): void {
  showMessage('');
}

/** A stable colour per user, for their caret and their dot in the presence list. */
export function colorFor(id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) % 360;
  return `hsl(${h} 70% 42%)`;
}

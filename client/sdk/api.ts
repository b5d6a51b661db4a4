/**
 * The typed API: one method per operation of schema/schema.graphql, each sending the document that
 * graphql-codegen generated from client/documents/ through aws-amplify v6 `generateClient`, each
 * failing with a typed error (errors.ts). Writes always carry a requestId, so `Busy` is retried here
 * with the same id (the schema's advice); everything else is the caller's to decide.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { generateClient } from 'aws-amplify/api';
import { Hub } from 'aws-amplify/utils';
import { print } from 'graphql';
import {
  AbortUploadDocument,
  AnnouncePresenceDocument,
  FileMembersDocument,
  OnPresenceDocument,
  type FileMembersQuery,
  type PresenceFieldsFragment,
  type PresenceInput,
  type OnPresenceSubscription,
  CompleteUploadDocument,
  CreateUploadDocument,
  DeleteFileDocument,
  GetFileChangesDocument,
  GetFileDocument,
  InsertFileDocument,
  ListFilesDocument,
  ModifyFileDocument,
  OnFileChangedDocument,
  RenameFileDocument,
  ShareFileDocument,
  SyncFilesDocument,
  UnshareFileDocument,
  SetFileNotificationsDocument,
  type CreateUploadInput,
  type CreateUploadMutation,
  type DeleteFileInput,
  type FileChangeFieldsFragment,
  type GetFileQuery,
  type GetFileChangesQuery,
  type InsertFileInput,
  type ListFilesQuery,
  type ModifyFileInput,
  type OnFileChangedSubscription,
  type RenameFileInput,
  type ShareFileInput,
  type ShareFileMutation,
  type SyncFilesQuery,
  type UnshareFileInput,
  type SetFileNotificationsInput,
  type SetFileNotificationsMutation,
} from '../generated/graphql.ts';
import { BusyError, NotFoundError, toCraftSyncError, type CraftSyncError } from './errors.ts';
import { utf8Length } from './hash.ts';
import { browserProbe, missingWebSocket, realtimeError, realtimeUrlFor, type RealtimeProbe } from './realtime.ts';
import type { Session } from './session.ts';

export type FileChange = FileChangeFieldsFragment;
export type FileWithContent = NonNullable<GetFileQuery['getFile']>;
export type FileChangePage = NonNullable<GetFileChangesQuery['getFileChanges']>;
export type FilePage = NonNullable<ListFilesQuery['listFiles']>;
export type FileSummary = FilePage['items'][number];
export type FileSyncPage = NonNullable<SyncFilesQuery['syncFiles']>;
export type FileShare = NonNullable<ShareFileMutation['shareFile']>;
export type FileNotifications = NonNullable<SetFileNotificationsMutation['setFileNotifications']>;
export type UploadSession = NonNullable<CreateUploadMutation['createUpload']>;
export type PresignedRequest = NonNullable<UploadSession['put']>;
export type FileMember = NonNullable<FileMembersQuery['fileMembers']>[number];
export type Presence = PresenceFieldsFragment;

/** What the API cost so far: requests, payload bytes (UTF-8 JSON of variables / of the answer), events. */
export interface ApiStats {
  requests: number;
  bytesOut: number;
  bytesIn: number;
  byOperation: Record<string, { requests: number; bytesIn: number }>;
  events: number;
  eventBytes: number;
}

export interface SubscriptionHandlers {
  next(change: FileChange): void;
  /**
   * The subscription ended with this error (nothing follows; subscribe again to retry). A real-time
   * connection that cannot come up is a NetworkError whose `errorInfo.reason` names the cause
   * (realtime.ts: NO_WEBSOCKET, CERT_UNTRUSTED, REFUSED, UNREACHABLE, NO_ACK) and whose message says
   * what to do.
   */
  error?(e: CraftSyncError): void;
  /** The server acknowledged the subscription (also after every reconnect): events flow from now on. */
  ready?(): void;
  /** The real-time connection was lost; Amplify reconnects by itself and `ready` follows. */
  disrupted?(): void;
}

export interface Api {
  readonly session: Session;
  readonly stats: ApiStats;
  resetStats(): void;
  getFile(id: string): Promise<FileWithContent>;
  getFileChanges(fileId: string, sinceVersion: number, opts?: { limit?: number; nextToken?: string | null }): Promise<FileChangePage>;
  listFiles(opts?: { limit?: number; nextToken?: string | null; includeDeleted?: boolean }): Promise<FilePage>;
  syncFiles(cursor?: string | null, limit?: number): Promise<FileSyncPage>;
  insertFile(input: InsertFileInput): Promise<FileChange>;
  modifyFile(input: ModifyFileInput): Promise<FileChange>;
  deleteFile(input: DeleteFileInput): Promise<FileChange>;
  /** Renames a file (owners and editors): the next version, same content, same id, members and history. */
  renameFile(input: RenameFileInput): Promise<FileChange>;
  shareFile(input: ShareFileInput): Promise<FileShare>;
  unshareFile(input: UnshareFileInput): Promise<FileShare>;
  /** Mutes (or unmutes) a file's change notifications for the caller (e-mail / SMS / push, queue, webhooks). */
  setFileNotifications(input: SetFileNotificationsInput): Promise<FileNotifications>;
  /** Starts an upload (the S3 flow); see sdk/transfer.ts for the whole flow. */
  createUpload(input: CreateUploadInput): Promise<UploadSession>;
  completeUpload(uploadId: string): Promise<{ uploadId: string }>;
  abortUpload(uploadId: string): Promise<boolean>;
  /** The file's active members with their roles, the owner first (schema/members.graphql). */
  fileMembers(fileId: string): Promise<FileMember[]>;
  /** Tells the file's other editors where the caller's caret is (schema/presence.graphql); stores nothing. */
  announcePresence(input: PresenceInput): Promise<Presence>;
  /**
   * Presence announcements in one file (own ones included). No probing of the real-time host as for
   * onFileChanged: it rides the same connection, whose failures onFileChanged reports.
   */
  onPresence(fileId: string, handlers: { next(p: Presence): void; error?(e: CraftSyncError): void; ready?(): void }): () => void;
  /** Live changes of one file. Returns the unsubscribe function. */
  onFileChanged(fileId: string, handlers: SubscriptionHandlers): () => void;
  /**
   * Ends every subscription of this Api (their handlers hear nothing more); Amplify then closes the
   * real-time connection, so nothing of the SDK keeps Node running. The session stays signed in
   * (`session.signOut()` also closes every Api of the session).
   */
  close(): Promise<void>;
}

export interface ApiOptions {
  /** Attempts for a write answered `Busy` (default 5), with a short jittered backoff. */
  busyAttempts?: number;
  /** How a real-time connection that does not come up is diagnosed (default: what a browser can tell; Node: realtime-node.ts). */
  probe?: RealtimeProbe;
  /** How long a subscription may wait for its ack before the real-time host is probed, ms (default 3000). */
  realtimeCheckMs?: number;
}

const bytes = (v: unknown): number => (v === undefined ? 0 : utf8Length(JSON.stringify(v)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Amplify's Hub events for the real-time connection (CONTROL_MSG.SUBSCRIPTION_ACK, CONNECTION_STATE_CHANGE).
const SUBSCRIPTION_ACK = 'Subscription ack';
const CONNECTION_STATE_CHANGE = 'ConnectionStateChange';
// A socket that closed before or after its ack: Amplify retries it silently, so probe at once.
const DOWN_STATES = new Set(['ConnectionDisrupted', 'ConnectionDisruptedPendingNetwork', 'Disconnected']);
// Probes that find the host healthy before giving up: a first ack that never comes is NO_ACK; after a
// disruption of a live subscription Amplify's own reconnect (every minute) is left to it.
const PROBES = 3;

export function createApi(session: Session, opts: ApiOptions = {}): Api {
  const client = generateClient(session.ctx);
  const stats: ApiStats = { requests: 0, bytesOut: 0, bytesIn: 0, byOperation: {}, events: 0, eventBytes: 0 };
  const busyAttempts = opts.busyAttempts ?? 5;
  const probe = opts.probe ?? browserProbe;
  const checkMs = opts.realtimeCheckMs ?? 3_000;

  // Amplify takes GraphQL text (its own graphql 15 parses it); codegen's typed documents carry the
  // result and variable types, so print each document once and keep the types at this boundary.
  const printed = new WeakMap<object, string>();
  const text = (doc: TypedDocumentNode<unknown, unknown>): string => {
    let t = printed.get(doc);
    if (t === undefined) printed.set(doc, (t = print(doc)));
    return t;
  };
  function send<TData, TVars>(doc: TypedDocumentNode<TData, TVars>, variables: TVars): () => Promise<{ data: TData }> {
    return () => client.graphql({ query: text(doc as TypedDocumentNode<unknown, unknown>), variables: variables as Record<string, never> }) as unknown as Promise<{ data: TData }>;
  }

  async function call<T>(operation: string, run: () => Promise<{ data: T }>, variables: unknown, retryBusy = false): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      stats.requests += 1;
      stats.bytesOut += bytes(variables);
      const op = (stats.byOperation[operation] ??= { requests: 0, bytesIn: 0 });
      op.requests += 1;
      try {
        const res = await run();
        const n = bytes(res.data);
        stats.bytesIn += n;
        op.bytesIn += n;
        return res.data;
      } catch (e) {
        const err = toCraftSyncError(e);
        if (retryBusy && err instanceof BusyError && attempt < busyAttempts) {
          await sleep(20 * 2 ** attempt * (0.5 + Math.random()));
          continue;
        }
        throw err;
      }
    }
  }

  /** A query's nullable root field: null means the resolver returned nothing, which the schema reserves for errors. */
  function must<T>(value: T | null | undefined, what: string): T {
    if (value === null || value === undefined) throw new NotFoundError('NotFound', `${what}: no result`);
    return value;
  }

  const live = new Set<() => void>();

  const api: Api = {
    session,
    stats,
    resetStats() {
      Object.assign(stats, { requests: 0, bytesOut: 0, bytesIn: 0, byOperation: {}, events: 0, eventBytes: 0 });
    },
    async getFile(id) {
      const variables = { id };
      const data = await call('getFile', send(GetFileDocument, variables), variables);
      return must(data.getFile, `getFile ${id}`);
    },
    async getFileChanges(fileId, sinceVersion, o = {}) {
      const variables = { fileId, sinceVersion, limit: o.limit, nextToken: o.nextToken ?? undefined };
      const data = await call('getFileChanges', send(GetFileChangesDocument, variables), variables);
      return must(data.getFileChanges, `getFileChanges ${fileId}`);
    },
    async listFiles(o = {}) {
      const variables = { limit: o.limit, nextToken: o.nextToken ?? undefined, includeDeleted: o.includeDeleted };
      const data = await call('listFiles', send(ListFilesDocument, variables), variables);
      return must(data.listFiles, 'listFiles');
    },
    async syncFiles(cursor, limit) {
      const variables = { cursor: cursor ?? undefined, limit };
      const data = await call('syncFiles', send(SyncFilesDocument, variables), variables);
      return must(data.syncFiles, 'syncFiles');
    },
    async insertFile(input) {
      const variables = { input: { ...input, requestId: input.requestId ?? globalThis.crypto.randomUUID() } };
      const data = await call('insertFile', send(InsertFileDocument, variables), variables, true);
      return must(data.insertFile, 'insertFile');
    },
    async modifyFile(input) {
      const variables = { input };
      const data = await call('modifyFile', send(ModifyFileDocument, variables), variables, true);
      return must(data.modifyFile, 'modifyFile');
    },
    async deleteFile(input) {
      const variables = { input: { ...input, requestId: input.requestId ?? globalThis.crypto.randomUUID() } };
      const data = await call('deleteFile', send(DeleteFileDocument, variables), variables, true);
      return must(data.deleteFile, 'deleteFile');
    },
    async renameFile(input) {
      const variables = { input: { ...input, requestId: input.requestId ?? globalThis.crypto.randomUUID() } };
      const data = await call('renameFile', send(RenameFileDocument, variables), variables, true);
      return must(data.renameFile, 'renameFile');
    },
    async shareFile(input) {
      const variables = { input };
      const data = await call('shareFile', send(ShareFileDocument, variables), variables, true);
      return must(data.shareFile, 'shareFile');
    },
    async unshareFile(input) {
      const variables = { input };
      const data = await call('unshareFile', send(UnshareFileDocument, variables), variables, true);
      return must(data.unshareFile, 'unshareFile');
    },
    async setFileNotifications(input) {
      const variables = { input };
      const data = await call('setFileNotifications', send(SetFileNotificationsDocument, variables), variables, true);
      return must(data.setFileNotifications, 'setFileNotifications');
    },
    async createUpload(input) {
      const variables = { input };
      const data = await call('createUpload', send(CreateUploadDocument, variables), variables);
      return must(data.createUpload, 'createUpload');
    },
    async completeUpload(uploadId) {
      const variables = { uploadId };
      const data = await call('completeUpload', send(CompleteUploadDocument, variables), variables);
      return must(data.completeUpload, 'completeUpload');
    },
    async abortUpload(uploadId) {
      const variables = { uploadId };
      const data = await call('abortUpload', send(AbortUploadDocument, variables), variables);
      return data.abortUpload === true;
    },
    async fileMembers(fileId) {
      const variables = { fileId };
      const data = await call('fileMembers', send(FileMembersDocument, variables), variables);
      return must(data.fileMembers, `fileMembers ${fileId}`);
    },
    async announcePresence(input) {
      const variables = { input };
      const data = await call('announcePresence', send(AnnouncePresenceDocument, variables), variables);
      return must(data.announcePresence, 'announcePresence');
    },
    onPresence(fileId, handlers) {
      let ended = false;
      const stopHub = Hub.listen('api', ({ payload }) => {
        const data = payload.data as { query?: string; variables?: { fileId?: string } } | undefined;
        if (!ended && payload.event === SUBSCRIPTION_ACK && data?.variables?.fileId === fileId && data.query?.includes('onPresence')) handlers.ready?.();
      });
      type Events = { subscribe(o: { next(v: { data?: OnPresenceSubscription }): void; error(e: unknown): void }): { unsubscribe(): void } };
      const events = client.graphql({ query: text(OnPresenceDocument as TypedDocumentNode<unknown, unknown>), variables: { fileId } }) as unknown as Events;
      const held: { sub?: { unsubscribe(): void } } = {};
      const stop = () => {
        if (ended) return;
        ended = true;
        live.delete(stop);
        stopHub();
        held.sub?.unsubscribe();
      };
      held.sub = events.subscribe({
        next: ({ data }) => {
          stats.events += 1;
          stats.eventBytes += bytes(data);
          if (!ended && data?.onPresence) handlers.next(data.onPresence);
        },
        error: (e: unknown) => {
          if (ended) return;
          stop();
          handlers.error?.(toCraftSyncError(e));
        },
      });
      if (ended) held.sub.unsubscribe();
      else live.add(stop);
      return stop;
    },
    onFileChanged(fileId, handlers) {
      const url = realtimeUrlFor(session.config.amplify.API!.GraphQL!.endpoint);
      const noSocket = missingWebSocket(url);
      if (noSocket) {
        // Amplify would throw a ReferenceError inside its retry loop and retry it forever, silently.
        let stopped = false;
        queueMicrotask(() => !stopped && handlers.error?.(noSocket));
        return () => void (stopped = true);
      }
      let acked = false; // acknowledged and not disrupted since
      let everAcked = false;
      let ended = false;
      let probing = false;
      let healthyProbes = 0;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const arm = (ms: number) => {
        clearTimeout(timer);
        timer = setTimeout(() => void check(), ms);
      };
      const end = (e: CraftSyncError) => {
        if (ended) return;
        stop();
        handlers.error?.(e);
      };
      /** No ack yet: find out why from the host itself (Amplify does not say). */
      const check = async () => {
        if (acked || ended || probing) return;
        probing = true;
        const cause = await probe(url, { caCertPath: session.config.caCertPath }).catch(() => undefined);
        probing = false;
        if (acked || ended) return;
        if (cause) return end(cause);
        healthyProbes += 1;
        if (healthyProbes < PROBES) return arm(checkMs);
        if (!everAcked) end(realtimeError('NO_ACK', url, `the host answers, but acknowledged no subscription within ${PROBES * checkMs} ms (see the server's log)`));
      };
      // Amplify reports acks and connection changes on its Hub only (not per subscription), so match
      // the ack by the subscription's variables. Another subscription to the same file in this
      // process may trigger `ready` early; callers treat `ready` as "catch up now", which is harmless.
      const stopHub = Hub.listen('api', ({ payload }) => {
        const data = payload.data as { variables?: { fileId?: string }; connectionState?: string } | undefined;
        if (ended) return;
        if (payload.event === SUBSCRIPTION_ACK && data?.variables?.fileId === fileId) {
          acked = everAcked = true;
          healthyProbes = 0;
          clearTimeout(timer);
          handlers.ready?.();
        }
        if (payload.event === CONNECTION_STATE_CHANGE && DOWN_STATES.has(data?.connectionState ?? '')) {
          if (acked && data?.connectionState === 'ConnectionDisrupted') {
            acked = false;
            healthyProbes = 0;
            handlers.disrupted?.();
          }
          if (!acked) arm(0);
        }
      });
      type Events = { subscribe(o: { next(v: { data?: OnFileChangedSubscription }): void; error(e: unknown): void }): { unsubscribe(): void } };
      const events = client.graphql({ query: text(OnFileChangedDocument as TypedDocumentNode<unknown, unknown>), variables: { fileId } }) as unknown as Events;
      // Held in an object: Amplify may call `error` synchronously, before subscribe() returns.
      const held: { sub?: { unsubscribe(): void } } = {};
      held.sub = events.subscribe({
        next: ({ data }) => {
          stats.events += 1;
          stats.eventBytes += bytes(data);
          if (data?.onFileChanged) handlers.next(data.onFileChanged);
        },
        error: (e: unknown) => end(toCraftSyncError(e)),
      });
      if (ended)
        held.sub.unsubscribe(); // it failed while subscribing
      else arm(checkMs);
      function stop() {
        ended = true;
        live.delete(stop);
        clearTimeout(timer);
        stopHub();
        held.sub?.unsubscribe();
      }
      live.add(stop);
      return () => {
        if (!ended) stop();
      };
    },
    async close() {
      for (const stop of [...live]) stop();
    },
  };
  session.onSignOut(() => api.close());
  return api;
}

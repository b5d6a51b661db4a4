/**
 * The file list, following changes: the caller's files from syncFiles (the API's change feed, from
 * the beginning), then the feed again every few seconds from its cursor. New files shared with me
 * appear, versions move, deleted files and files I lost access to disappear. One small query per
 * poll however many files there are (a subscription per file would not hear of new shares).
 */
import type { Api, FileSummary } from '../sdk/browser.ts';

const POLL_MS = 2_000;

export class LiveFileList {
  private readonly files = new Map<string, FileSummary>();
  private cursor: string | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private pulling: Promise<void> | undefined;

  constructor(
    private readonly api: Api,
    private readonly onChange: (files: FileSummary[]) => void,
    private readonly onError: (e: unknown) => void,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
  }

  /** Pulls what changed now (also what the poll does). */
  refresh(): Promise<void> {
    clearTimeout(this.timer);
    this.pulling ??= this.pull().finally(() => {
      this.pulling = undefined;
      if (!this.stopped) this.timer = setTimeout(() => void this.refresh().catch(this.onError), POLL_MS);
    });
    return this.pulling;
  }

  /** What an open editor learned first-hand (its live subscription is ahead of the member index). */
  note(fileId: string, patch: Partial<FileSummary>): void {
    const f = this.files.get(fileId);
    if (!f) return;
    if (patch.deleted) this.files.delete(fileId);
    else if ((patch.version ?? 0) >= f.version) this.files.set(fileId, { ...f, ...patch });
    else return;
    this.render();
  }

  get(fileId: string): FileSummary | undefined {
    return this.files.get(fileId);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async pull(): Promise<void> {
    let changed = false;
    for (;;) {
      const page = await this.api.syncFiles(this.cursor, 100);
      if (this.stopped) return;
      for (const f of page.items) {
        const known = this.files.get(f.id);
        if (f.deleted || !f.myRole) {
          changed = this.files.delete(f.id) || changed;
        } else if (!known || f.version > known.version || f.myRole !== known.myRole || f.name !== known.name) {
          // The feed may repeat a version (its overlap window), and lags an open editor's own news.
          this.files.set(f.id, known && known.version > f.version ? { ...f, version: known.version } : f);
          changed = true;
        }
      }
      this.cursor = page.cursor;
      if (!page.hasMore) break;
    }
    if (changed || this.files.size === 0) this.render();
  }

  private render(): void {
    this.onChange([...this.files.values()].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.name.localeCompare(b.name)));
  }
}

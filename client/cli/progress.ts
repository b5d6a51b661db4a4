/**
 * A progress bar on stderr for long transfers: only when stderr is a terminal and output is not
 * --json, so scripts and pipes never see carriage-return noise.
 */
export interface ProgressBar {
  update(p: { loaded: number; total: number }): void;
  done(): void;
}

const WIDTH = 30;
const mb = (n: number) => (n / 1048576).toFixed(1);

export function progressBar(label: string, o: { json: boolean; stream?: NodeJS.WriteStream }): ProgressBar {
  const stream = o.stream ?? process.stderr;
  if (o.json || !stream.isTTY) return { update() {}, done() {} };
  let shown = -1;
  let drawn = false;
  return {
    update({ loaded, total }) {
      const pct = total > 0 ? Math.min(100, Math.floor((loaded / total) * 100)) : 0;
      if (pct === shown) return; // redraw only when the figure changes
      shown = pct;
      drawn = true;
      const fill = Math.round((pct / 100) * WIDTH);
      stream.write(`\r${label} [${'#'.repeat(fill)}${'-'.repeat(WIDTH - fill)}] ${String(pct).padStart(3)}% ${mb(loaded)}/${mb(total)} MB`);
    },
    done() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

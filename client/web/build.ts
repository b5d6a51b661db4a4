/**
 * Builds the browser app into a folder (index.html + app.js): one esbuild bundle of app.ts for
 * browsers, using the SDK's and sync engine's browser entries. Fast (well under a second warm) and
 * offline; `npm start` runs it while the runtime's services start.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildWebApp(outDir: string, opts: { minify?: boolean } = {}): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(here, 'app.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: opts.minify ?? true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'silent',
  });
  copyFileSync(join(here, 'index.html'), join(outDir, 'index.html'));
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? 'dist/web';
  const started = Date.now();
  await buildWebApp(out);
  console.log(`built ${out} in ${Date.now() - started} ms`);
}

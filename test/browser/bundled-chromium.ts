/**
 * The Chromium that ships inside the `@sparticuz/chromium` npm package (brotli-packed in its tarball,
 * installed by `npm ci`): nothing downloads. Unpacked once per package version into a directory under
 * os.tmpdir() — the binary, Open Sans with a fontconfig file naming it, and the NSS/NSPR libraries the
 * binary links against (a machine without Debian's chromium may lack libnss3). The package's own
 * `executablePath()` is not used: it unpacks into the bare temp dir, reuses whatever `chromium` it finds
 * there (another version, or a half-written file) and races when two test workers call it at once.
 * Here each run unpacks into a fresh staging directory renamed into place, so the final directory
 * exists only when complete and concurrent callers cannot see a partial one.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';

export interface BundledChromium {
  executablePath: string;
  /** Environment the binary needs: its libraries first on LD_LIBRARY_PATH, the bundled fonts. */
  env: Record<string, string>;
}

const PACKAGE = '@sparticuz/chromium';

function packageDir(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  let main: string;
  try {
    main = require.resolve(PACKAGE);
  } catch {
    throw new Error(`${PACKAGE} is not installed: run npm ci (it is a devDependency that carries the test browser)`);
  }
  // build/index.js → the package root, which holds bin/*.br and package.json.
  const dir = dirname(dirname(main));
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  return { dir, version };
}

/** Writes the regular files and directories of a ustar archive under `dest` (all this package's archives hold). */
function untar(archive: Buffer, dest: string): void {
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const name = field(345, 155) ? `${field(345, 155)}/${field(0, 100)}` : field(0, 100);
    if (!name) break;
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const target = normalize(join(dest, name));
    if (!target.startsWith(dest + sep)) throw new Error(`${PACKAGE}: archive entry ${name} leaves its directory`);
    if (type === '5') mkdirSync(target, { recursive: true });
    else if (type === '0') {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, archive.subarray(offset + 512, offset + 512 + size));
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
}

function unpack(pkg: string, staging: string): void {
  const bin = join(pkg, 'bin');
  writeFileSync(join(staging, 'chromium'), brotliDecompressSync(readFileSync(join(bin, 'chromium.br'))), { mode: 0o700 });
  untar(brotliDecompressSync(readFileSync(join(bin, 'al2023.tar.br'))), staging);
  untar(brotliDecompressSync(readFileSync(join(bin, 'fonts.tar.br'))), staging);
  // The archive's fonts.conf names Lambda's directories; this one names where the fonts are now.
  writeFileSync(
    join(staging, 'fonts.conf'),
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(staging, 'fonts')}</dir>\n  <cachedir>${join(staging, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
  );
}

/** The unpacked browser, unpacking it first if this package version has not been unpacked yet. */
export function bundledChromium(): BundledChromium {
  const { dir: pkg, version } = packageDir();
  const root = join(tmpdir(), `craft-sync-chromium-${version}-${userInfo().uid}`);
  if (!existsSync(root)) {
    const staging = mkdtempSync(`${root}.staging-`);
    try {
      unpack(pkg, staging);
      // fonts.conf names its own directory: write it for the final path before the rename.
      writeFileSync(join(staging, 'fonts.conf'), readFileSync(join(staging, 'fonts.conf'), 'utf8').replaceAll(staging, root));
      renameSync(staging, root);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      // Another worker renamed its copy into place first: use that one.
      if (!existsSync(root)) throw e;
    }
  }
  return {
    executablePath: join(root, 'chromium'),
    env: {
      LD_LIBRARY_PATH: [join(root, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_FILE: join(root, 'fonts.conf'),
    },
  };
}

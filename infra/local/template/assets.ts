/**
 * The files behind a template's S3 locations: `cdk synth` writes each asset next to the template
 * (`asset.<hash>[.ext]`, a file or a folder) and maps its S3 object key to that path in
 * `<stack>.assets.json`. Locally the asset is read from there; nothing is fetched from S3.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TemplateError } from './intrinsics.ts';

interface AssetManifest {
  files?: Record<string, { source?: { path?: string }; destinations?: Record<string, { objectKey?: string }> }>;
}

export class Assets {
  /** Object key → absolute path of the asset. */
  private readonly byKey = new Map<string, string>();

  constructor(private readonly dir: string) {
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.assets.json')) continue;
      const manifest = JSON.parse(readFileSync(join(dir, f), 'utf8')) as AssetManifest;
      for (const asset of Object.values(manifest.files ?? {})) {
        const path = asset.source?.path;
        if (!path) continue;
        for (const d of Object.values(asset.destinations ?? {})) if (d.objectKey) this.byKey.set(d.objectKey, resolve(dir, path));
      }
    }
  }

  /** The local path of the object `key` (of any bucket: assets live in the CDK bootstrap bucket). */
  path(key: string, where: string): string {
    const known = this.byKey.get(key);
    if (known && existsSync(known)) return known;
    // Without a manifest, cdk.out's own naming: asset.<hash>.<ext> or the folder asset.<hash>.
    const hash = key.replace(/\.[^.]*$/, '');
    for (const candidate of [join(this.dir, `asset.${key}`), join(this.dir, `asset.${hash}`)]) if (existsSync(candidate)) return candidate;
    throw new TemplateError(`${where}: the asset s3 object "${key}" is not in ${this.dir} (no *.assets.json entry and no asset.${hash}); synthesize again with \`cdk synth\``);
  }

  /** The local path behind an `s3://bucket/key` URL. */
  pathOfUrl(url: string, where: string): string {
    const m = /^s3:\/\/[^/]+\/(.+)$/.exec(url);
    if (!m) throw new TemplateError(`${where}: expected an s3://bucket/key location, found "${url}"`);
    return this.path(m[1]!, where);
  }
}

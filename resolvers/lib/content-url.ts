import { runtime, type Context } from '@aws-appsync/utils';
import { contentResult, invokeContent } from './content.ts';

/**
 * The `contentUrl` field of File, FileChange and FileSnapshot: a presigned GET for content held in
 * S3 (the parent carries its key, which is not a schema field); null, with no Lambda call, for
 * inline content.
 */
export function request(ctx: Context) {
  const key = ctx.source ? (ctx.source.contentKey as string | null | undefined) : null;
  if (!key) return runtime.earlyReturn(null);
  return invokeContent({ action: 'presignDownload', key });
}

export function response(ctx: Context) {
  const out = contentResult(ctx) as { url: string } | null;
  return out ? out.url : null;
}

import type { Context } from '@aws-appsync/utils';

/**
 * getFile: 1.authorize (head, members and body in one Query), 2.content (the log's patches after the
 * body's version, when it is behind the head: one more Query). The content comes back inline.
 */
export function request() {
  return {};
}

export function response(ctx: Context) {
  return ctx.prev.result;
}

/** Builds AppSync's `ctx` for one handler call, and derives util.authType() from the identity. */
import type { Identity, Invocation } from './types.ts';

export function authTypeOf(identity: Identity): string {
  if (!identity) return 'API Key Authorization';
  if ('userArn' in identity || 'accountId' in identity) return 'IAM Authorization';
  return 'User Pool Authorization';
}

export interface CtxParts {
  stash: Record<string, unknown>;
  prevResult?: unknown;
  result?: unknown;
  error?: { message: string; type: string };
}

export function buildCtx(inv: Invocation, parts: CtxParts): Record<string, unknown> {
  const ctx: Record<string, unknown> = {
    arguments: inv.arguments,
    args: inv.arguments,
    identity: inv.identity,
    source: inv.source,
    stash: parts.stash,
    prev: { result: parts.prevResult ?? null },
    info: inv.info,
    request: inv.request,
    env: inv.env,
  };
  if ('result' in parts) ctx.result = parts.result ?? null;
  if (parts.error) ctx.error = parts.error;
  return ctx;
}

/**
 * Code for a pipeline folder without `pipeline.ts`: nothing before the functions, the last
 * function's result after. The CDK stack deploys exactly this and the local runtime runs it, so a
 * first function sees the same `ctx.prev.result` ({}) in both.
 */
export const DEFAULT_PIPELINE_CODE = `export function request(ctx) {
  return {};
}
export function response(ctx) {
  return ctx.prev.result;
}
`;

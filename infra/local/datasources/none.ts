import type { DataSource } from '../appsync-js/types.ts';
import { isObject } from './request-shape.ts';

/** NONE: AppSync passes the request's `payload` through as `ctx.result`, calling nothing. */
export function createNoneDataSource(name: string): DataSource {
  return {
    name,
    kind: 'NONE',
    async invoke(request) {
      return { result: isObject(request) && request.payload !== undefined ? request.payload : null };
    },
  };
}

import { toSdkMap, type Item } from './attribute-values.ts';
import { isObject, MalformedRequest, stringField } from './request-shape.ts';

/**
 * AppSync's `{ expression, expressionNames, expressionValues }` blocks (condition, update, query,
 * filter, projection). One request may hold several; DynamoDB takes a single map of names and one
 * of values, so they are merged, and omitted when empty (DynamoDB rejects empty maps).
 */
export class Expressions {
  private names: Record<string, string> = {};
  private values: Item = {};

  /** Adds the block at `path` (if present) and returns its expression. */
  add(block: unknown, path: string): string;
  add(block: unknown, path: string, optional: true): string | undefined;
  add(block: unknown, path: string, optional = false): string | undefined {
    if (block === undefined || block === null) {
      if (optional) return undefined;
      throw new MalformedRequest(`Value for field '$${path}' not found.`);
    }
    if (!isObject(block)) throw new MalformedRequest(`Expected JSON object for field '$${path}'.`);
    const expression = stringField(block, 'expression', path);
    const names = block.expressionNames;
    if (names !== undefined && names !== null) {
      if (!isObject(names) || !Object.values(names).every((n) => typeof n === 'string')) {
        throw new MalformedRequest(`Expected a map of strings for field '$${path}[expressionNames]'.`);
      }
      Object.assign(this.names, names);
    }
    if (block.expressionValues !== undefined && block.expressionValues !== null) {
      Object.assign(this.values, toSdkMap(block.expressionValues, `${path}.expressionValues`));
    }
    return expression;
  }

  input(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Item } {
    return {
      ...(Object.keys(this.names).length ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

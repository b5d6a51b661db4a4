import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { isObject, MalformedRequest } from './request-shape.ts';

/**
 * DynamoDB typed values between the three forms that meet here:
 *  - the request form resolvers build with util.dynamodb (`{ S: 'x' }`, `{ N: 1 }`, `{ B: base64 }`),
 *  - the SDK form (`N` as a string, `B` as bytes),
 *  - the plain JSON AppSync hands to `ctx.result` (numbers, base64 strings, sets as lists).
 */
export type Item = Record<string, AttributeValue>;

const TYPES = new Set(['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL']);

export function toSdkValue(v: unknown, path: string): AttributeValue {
  if (!isObject(v)) throw new MalformedRequest(`Expected a typed value (e.g. { "S": ... }) at '${path}'.`);
  const keys = Object.keys(v);
  const type = keys[0];
  if (keys.length !== 1 || !type || !TYPES.has(type)) {
    throw new MalformedRequest(`Invalid typed value at '${path}': expected exactly one of ${[...TYPES].join(', ')}.`);
  }
  const x = v[type];
  const bad = (what: string) => new MalformedRequest(`Invalid ${type} value at '${path}': expected ${what}.`);
  switch (type) {
    case 'S':
      if (typeof x !== 'string') throw bad('a string');
      return { S: x };
    case 'N':
      if (typeof x !== 'string' && typeof x !== 'number') throw bad('a number');
      return { N: String(x) };
    case 'B':
      return { B: bytes(x, bad) };
    case 'BOOL':
      if (typeof x !== 'boolean') throw bad('a boolean');
      return { BOOL: x };
    case 'NULL':
      // AppSync's own helpers (util.dynamodb.toNull, toDynamoDB(null), toMapValues) write `{ NULL: null }`;
      // DynamoDB's wire form is `{ NULL: true }`. AppSync takes both.
      if (x !== true && x !== null) throw bad('true or null');
      return { NULL: true };
    case 'SS':
      if (!Array.isArray(x) || !x.every((s) => typeof s === 'string')) throw bad('a list of strings');
      return { SS: x as string[] };
    case 'NS':
      if (!Array.isArray(x) || !x.every((n) => typeof n === 'string' || typeof n === 'number')) throw bad('a list of numbers');
      return { NS: x.map(String) };
    case 'BS':
      if (!Array.isArray(x)) throw bad('a list of base64 strings');
      return { BS: x.map((b) => bytes(b, bad)) };
    case 'L':
      if (!Array.isArray(x)) throw bad('a list');
      return { L: x.map((e, i) => toSdkValue(e, `${path}[${i}]`)) };
    default:
      if (!isObject(x)) throw bad('a map');
      return { M: toSdkMap(x, path) };
  }
}

function bytes(x: unknown, bad: (what: string) => Error): Uint8Array {
  if (x instanceof Uint8Array) return x;
  if (typeof x !== 'string') throw bad('a base64 string');
  return Buffer.from(x, 'base64');
}

export function toSdkMap(m: unknown, path: string): Item {
  if (!isObject(m)) throw new MalformedRequest(`Expected a map of typed values at '${path}'.`);
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, toSdkValue(v, `${path}.${k}`)]));
}

/** The plain JSON AppSync puts in ctx.result. */
export function toPlain(v: AttributeValue): unknown {
  if (v.S !== undefined) return v.S;
  if (v.N !== undefined) return Number(v.N);
  if (v.BOOL !== undefined) return v.BOOL;
  if (v.NULL !== undefined) return null;
  if (v.B !== undefined) return Buffer.from(v.B).toString('base64');
  if (v.SS !== undefined) return [...v.SS];
  if (v.NS !== undefined) return v.NS.map(Number);
  if (v.BS !== undefined) return v.BS.map((b) => Buffer.from(b).toString('base64'));
  if (v.L !== undefined) return v.L.map(toPlain);
  if (v.M !== undefined) return toPlainMap(v.M);
  return null;
}

export function toPlainMap(m: Item): Record<string, unknown> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, toPlain(v)]));
}

/** The request form (B as base64), for values that travel inside an opaque token. */
export function toTyped(m: Item): Record<string, unknown> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v.B !== undefined ? { B: Buffer.from(v.B).toString('base64') } : v]));
}

/** Value equality as DynamoDB means it: numbers by value, sets regardless of order. */
export function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (!a || !b) return a === b;
  const pa = toPlain(a);
  const pb = toPlain(b);
  if (a.SS || a.NS || a.BS) return Array.isArray(pb) && sameSet(pa as unknown[], pb) && !!(b.SS || b.NS || b.BS);
  if (a.M && b.M) return sameItem(a.M, b.M);
  if (a.L && b.L) return a.L.length === b.L.length && a.L.every((x, i) => sameValue(x, b.L?.[i]));
  return Object.keys(a)[0] === Object.keys(b)[0] && JSON.stringify(pa) === JSON.stringify(pb);
}

function sameSet(a: unknown[], b: unknown[]): boolean {
  const sa = new Set(a.map((x) => JSON.stringify(x)));
  return a.length === b.length && b.every((x) => sa.has(JSON.stringify(x)));
}

export function sameItem(a: Item, b: Item, ignore: string[] = []): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => !ignore.includes(k)));
  return [...keys].every((k) => sameValue(a[k], b[k]));
}

/**
 * The one place a request body is checked: every operation reads its members through these, so a
 * member of the wrong type or size answers InvalidParameterException instead of reaching the logic.
 */
import { invalidParameter, missingMember } from './errors.ts';

export type Body = Record<string, unknown>;

const MAX_STRING = 20_000;

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

export function optionalString(body: Body, member: string): string | undefined {
  const v = body[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidParameter(`1 validation error detected: Value at '${lowerFirst(member)}' failed to satisfy constraint: Member must be a string`);
  if (v.length > MAX_STRING)
    throw invalidParameter(`1 validation error detected: Value at '${lowerFirst(member)}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_STRING}`);
  return v;
}

export function requiredString(body: Body, member: string): string {
  const v = optionalString(body, member);
  if (v === undefined) throw missingMember(lowerFirst(member));
  if (v === '') throw invalidParameter(`1 validation error detected: Value at '${lowerFirst(member)}' failed to satisfy constraint: Member must have length greater than or equal to 1`);
  return v;
}

export function optionalBoolean(body: Body, member: string): boolean | undefined {
  const v = body[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalidParameter(`1 validation error detected: Value at '${lowerFirst(member)}' failed to satisfy constraint: Member must be a boolean`);
  return v;
}

export function optionalNumber(body: Body, member: string): number | undefined {
  const v = body[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw invalidParameter(`1 validation error detected: Value at '${lowerFirst(member)}' failed to satisfy constraint: Member must be a non-negative integer`);
  return v;
}

/** A string → string map (AuthParameters, ChallengeResponses, ClientMetadata). */
export function stringMap(body: Body, member: string): Record<string, string> {
  const v = body[member];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidParameter(`1 validation error detected: Value at '${lowerFirst(member)}' failed to satisfy constraint: Member must be a map`);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
    if (typeof value !== 'string' || value.length > MAX_STRING) throw invalidParameter(`Value at '${lowerFirst(member)}.${key}' must be a string of at most ${MAX_STRING} characters`);
    out[key] = value;
  }
  return out;
}

export function stringList(body: Body, member: string): string[] | undefined {
  const v = body[member];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw invalidParameter(`1 validation error detected: Value at '${lowerFirst(member)}' failed to satisfy constraint: Member must be a list of strings`);
  return v as string[];
}

/** `[{ Name, Value }]` as Cognito's attribute lists are sent. */
export function attributeList(body: Body, member: string): Array<{ name: string; value: string }> {
  const v = body[member];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalidParameter(`1 validation error detected: Value at '${lowerFirst(member)}' failed to satisfy constraint: Member must be a list`);
  return v.map((a: unknown, i) => {
    const o = a as { Name?: unknown; Value?: unknown } | null;
    if (!o || typeof o !== 'object' || typeof o.Name !== 'string' || !o.Name || (o.Value !== undefined && typeof o.Value !== 'string')) {
      throw invalidParameter(`1 validation error detected: Value at '${lowerFirst(member)}.${i + 1}.member' failed to satisfy constraint: Member must have a Name and a string Value`);
    }
    return { name: o.Name, value: String(o.Value ?? '') };
  });
}

/** A name that becomes a key of the stored state (a username, a group): `__proto__` would not be a key but a prototype. */
export function storableName(name: string, member: string): string {
  if (name === '__proto__') throw invalidParameter(`1 validation error detected: Value at '${lowerFirst(member)}' failed to satisfy constraint: Member must not be __proto__`);
  return name;
}

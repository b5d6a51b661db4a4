/**
 * util.dynamodb: plain values to DynamoDB attribute values. As documented, lists (not sets) are
 * used for arrays; shapes follow the @aws-appsync/utils types (N as a string, NULL as null).
 */

export type AttributeValue = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets made by toStringSet/toNumberSet/toBinarySet: kept as sets when nested in an item. */
const madeSets = new WeakSet<object>();
export function markSet<T extends object>(v: T): T {
  madeSets.add(v);
  return v;
}

export function toDynamoDB(value: unknown): AttributeValue | null {
  if (value === undefined) return null;
  if (typeof value === 'object' && value !== null && madeSets.has(value)) return value as AttributeValue;
  if (value === null) return { NULL: null };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map((v) => toDynamoDB(v) ?? { NULL: null }) };
  if (isPlainObject(value)) return { M: toMapValues(value) };
  return { S: String(value) };
}

export function toMapValues(obj: unknown): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (!isPlainObject(obj)) return out;
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    out[k] = toDynamoDB(v)!;
  }
  return out;
}

const orNull = <T>(v: unknown, f: () => T): T | null => (v === null || v === undefined ? null : f());

export function createDynamodbUtils() {
  return {
    toDynamoDB,
    toString: (s: string | null | undefined) => orNull(s, () => ({ S: String(s) })),
    toStringSet: (l: string[] | null | undefined) => orNull(l, () => markSet({ SS: [...(l as string[])].map(String) })),
    toNumber: (n: number | null | undefined) => orNull(n, () => ({ N: String(n) })),
    toNumberSet: (l: number[] | null | undefined) => orNull(l, () => markSet({ NS: [...(l as number[])].map(String) })),
    toBinary: (b: string | null | undefined) => orNull(b, () => ({ B: String(b) })),
    toBinarySet: (l: string[] | null | undefined) => orNull(l, () => markSet({ BS: [...(l as string[])].map(String) })),
    toBoolean: (b: boolean | null | undefined) => orNull(b, () => ({ BOOL: Boolean(b) })),
    toNull: () => ({ NULL: null }),
    toList: (l: unknown) => (Array.isArray(l) ? toDynamoDB(l) : null),
    toMap: (m: unknown) => (isPlainObject(m) ? toDynamoDB(m) : null),
    toMapValues: (m: unknown) => (isPlainObject(m) ? toMapValues(m) : null),
    toS3Object: (key: string, bucket: string, region: string, version?: string) => {
      const s3: Record<string, string> = { key, bucket, region };
      if (version !== undefined) s3.version = version;
      return { S: JSON.stringify({ s3 }) };
    },
    fromS3ObjectJson: (json: string): unknown => {
      const parsed = JSON.parse(json) as { s3?: unknown };
      return parsed.s3 ?? null;
    },
  };
}

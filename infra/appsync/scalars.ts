import { GraphQLError, GraphQLScalarType, Kind, type GraphQLSchema, type ValueNode } from 'graphql';
import { isIP } from 'node:net';

/**
 * AppSync's scalars, validated the way AppSync documents them ("Scalar types in AWS AppSync").
 * Each check returns null when the value is fine, else the reason.
 */
const OFFSET = '(Z|[+-]\\d{2}:\\d{2}(:\\d{2})?)';
const DATE = '\\d{4}-\\d{2}-\\d{2}';
const TIME = '\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?';
const RE = {
  AWSDate: new RegExp(`^${DATE}${OFFSET}?$`),
  AWSTime: new RegExp(`^${TIME}${OFFSET}?$`),
  AWSDateTime: new RegExp(`^${DATE}T${TIME}${OFFSET}$`),
  AWSEmail: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  AWSURL: /^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/,
  AWSPhone: /^\+?[0-9][0-9 ()-]{3,30}$/,
};

function validDateParts(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const dt = new Date(Date.UTC(y, mo - 1, d));
    if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return false;
  }
  const t = /(?:^|T)(\d{2}):(\d{2})(?::(\d{2}))?/.exec(s.includes('T') ? s.slice(s.indexOf('T')) : s);
  if (t && (s.includes('T') || !m)) {
    if (Number(t[1]) > 23 || Number(t[2]) > 59 || Number(t[3] ?? 0) > 59) return false;
  }
  return true;
}

/** RFC 1738 as AppSync applies it: a scheme, a non-empty authority after `//`, no `//` in the path. */
function validUrlParts(s: string): boolean {
  const rest = s.slice(s.indexOf(':') + 1);
  if (!rest.startsWith('//')) return !rest.split(/[?#]/)[0]!.includes('//');
  const afterSlashes = rest.slice(2);
  const authority = afterSlashes.split(/[/?#]/)[0]!;
  if (authority === '') return false;
  return !afterSlashes.slice(authority.length).split(/[?#]/)[0]!.includes('//');
}

type Check = (value: unknown) => string | null;

const stringCheck =
  (name: keyof typeof RE, extra?: (s: string) => boolean): Check =>
  (value) => {
    if (typeof value !== 'string') return `${name} must be a string`;
    if (!RE[name].test(value) || (extra && !extra(value))) return `'${value}' is not a valid ${name}`;
    return null;
  };

export const SCALAR_CHECKS: Record<string, Check> = {
  AWSDate: stringCheck('AWSDate', validDateParts),
  AWSTime: stringCheck('AWSTime', validDateParts),
  AWSDateTime: stringCheck('AWSDateTime', validDateParts),
  AWSEmail: stringCheck('AWSEmail'),
  AWSURL: stringCheck('AWSURL', validUrlParts),
  AWSPhone: stringCheck('AWSPhone'),
  AWSTimestamp: (v) => (typeof v === 'number' && Number.isInteger(v) ? null : 'AWSTimestamp must be an integer number of seconds'),
  AWSIPAddress: (v) => {
    if (typeof v !== 'string') return 'AWSIPAddress must be a string';
    const [ip, prefix, ...rest] = v.split('/');
    const family = isIP(ip ?? '');
    if (!family || rest.length) return `'${v}' is not a valid AWSIPAddress`;
    if (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))) {
      return `'${v}' is not a valid AWSIPAddress`;
    }
    return null;
  },
  AWSJSON: (v) => {
    if (typeof v !== 'string') return null; // objects in variables are accepted and kept as values
    try {
      JSON.parse(v);
      return null;
    } catch {
      return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}' is not a valid AWSJSON`;
    }
  },
};

function literalValue(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.ENUM:
      return ast.value;
    case Kind.INT:
      return Number.parseInt(ast.value, 10);
    case Kind.FLOAT:
      return Number.parseFloat(ast.value);
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.NULL:
      return null;
    default:
      return undefined; // objects, lists and variables are not valid literals of these scalars
  }
}

function parseInput(name: string, value: unknown): unknown {
  const reason = SCALAR_CHECKS[name]!(value);
  if (reason) throw new GraphQLError(reason);
  // AppSync hands AWSJSON inputs to resolvers parsed (as maps, lists or scalars).
  if (name === 'AWSJSON' && typeof value === 'string') return JSON.parse(value);
  return value;
}

function serialize(name: string, value: unknown): unknown {
  if (name === 'AWSJSON') return typeof value === 'string' ? value : JSON.stringify(value);
  if (name === 'AWSTimestamp') {
    const n = typeof value === 'string' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new GraphQLError(`Can't serialize value: '${String(value)}' is not an AWSTimestamp`);
    return n;
  }
  const reason = SCALAR_CHECKS[name]!(value);
  if (reason) throw new GraphQLError(`Can't serialize value: ${reason}`);
  return value;
}

/** Gives the schema's AppSync scalars AppSync's parsing and serialization. */
export function installAppSyncScalars(schema: GraphQLSchema): void {
  for (const name of Object.keys(SCALAR_CHECKS)) {
    const type = schema.getType(name);
    if (!(type instanceof GraphQLScalarType)) continue;
    type.parseValue = (value) => parseInput(name, value);
    type.parseLiteral = (ast) => {
      const v = name === 'AWSJSON' && ast.kind !== Kind.STRING ? undefined : literalValue(ast);
      if (v === undefined) throw new GraphQLError(`'${ast.kind}' literal is not a valid ${name}`);
      return parseInput(name, v);
    };
    type.serialize = (value) => serialize(name, value);
  }
}

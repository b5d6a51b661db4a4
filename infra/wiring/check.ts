import { existsSync, statSync } from 'node:fs';
import type { GraphQLSchema } from 'graphql';
import { resolve } from 'node:path';
import { WiringError } from './discover.ts';
import { loadSchema, validateWiring, type LoadedSchema } from './schema.ts';
import type { ApiDefinition, EnvValue, ResolverWiring } from './types.ts';

/** Functions per pipeline resolver, AppSync's quota. */
export const MAX_PIPELINE_FUNCTIONS = 10;

/** AppSync's rules for environment variable keys and count. */
const ENV_KEY = /^[A-Za-z][A-Za-z0-9_]{1,63}$/;
const MAX_ENV = 50;

const isFile = (path: string) => existsSync(path) && statSync(path).isFile();

/**
 * Everything AppSync or CloudFormation would only reject at deploy time (or never, and fail at
 * run time), checked at synth: every wired field exists in the schema, every data source, table,
 * bucket, bus and file a declaration names exists. Errors name the offending declaration.
 */
export function checkDefinition(def: ApiDefinition, wiring: ResolverWiring[]): LoadedSchema {
  const loaded = loadSchema(def);
  checkWiring(def, loaded.schema, wiring);

  const has = (kind: 'tables' | 'buckets' | 'buses', name: string) => Object.hasOwn(def[kind] ?? {}, name);
  const requireRef = (where: string, kind: 'tables' | 'buckets' | 'buses', name: string) => {
    if (!has(kind, name)) {
      const declared = Object.keys(def[kind] ?? {}).join(', ') || 'none';
      throw new WiringError(`${where}: ${KIND_NAME[kind]} "${name}" is not declared in the API definition (declared: ${declared})`);
    }
  };
  const checkEnv = (where: string, env: Record<string, EnvValue> | undefined) => {
    for (const [name, value] of Object.entries(env ?? {})) {
      if (typeof value === 'string') continue;
      if ('tableName' in value) requireRef(`${where} ${name}`, 'tables', value.tableName);
      else if ('bucketName' in value) requireRef(`${where} ${name}`, 'buckets', value.bucketName);
      else requireRef(`${where} ${name}`, 'buses', value.busName);
    }
  };

  for (const [name, ds] of Object.entries(def.dataSources)) {
    const where = `data source "${name}"`;
    if (ds.kind === 'DYNAMODB') requireRef(where, 'tables', ds.table);
    if (ds.kind === 'EVENTBRIDGE') requireRef(where, 'buses', ds.bus);
    if (ds.kind === 'HTTP' && !/^https?:\/\/[^/?#]+\/?$/.test(ds.endpoint)) throw new WiringError(`${where}: endpoint "${ds.endpoint}" is not http(s)://host[:port] (requests add their resourcePath)`);
    if (ds.kind === 'LAMBDA') {
      const handler = resolve(def.root, ds.handler);
      if (!isFile(handler)) throw new WiringError(`${where}: Lambda handler file not found: ${handler}`);
      checkEnv(`${where} environment`, ds.environment);
      for (const t of [...(ds.grants?.tables ?? []), ...(ds.grants?.items ?? []).map((g) => g.table)]) requireRef(`${where} grants`, 'tables', t);
      for (const b of ds.grants?.buckets ?? []) requireRef(`${where} grants`, 'buckets', b);
      for (const b of ds.grants?.buses ?? []) requireRef(`${where} grants`, 'buses', b);
      for (const o of ds.grants?.objects ?? []) requireRef(`${where} grants`, 'buckets', o.bucket);
    }
  }

  for (const h of def.streamHandlers ?? []) {
    const where = `stream handler ${h.handler}`;
    requireRef(where, 'tables', h.table);
    if (!isFile(resolve(def.root, h.handler))) throw new WiringError(`${where}: handler file not found: ${resolve(def.root, h.handler)}`);
    checkEnv(`${where} environment`, h.environment);
    for (const t of [...(h.grants?.tables ?? []), ...(h.grants?.readTables ?? []), ...(h.grants?.items ?? []).map((g) => g.table)]) requireRef(`${where} grants`, 'tables', t);
    for (const b of h.grants?.buckets ?? []) requireRef(`${where} grants`, 'buckets', b);
    for (const b of h.grants?.buses ?? []) requireRef(`${where} grants`, 'buses', b);
    for (const o of h.grants?.objects ?? []) requireRef(`${where} grants`, 'buckets', o.bucket);
  }

  for (const [busKey, bus] of Object.entries(def.buses ?? {})) {
    for (const [ruleKey, rule] of Object.entries(bus.rules ?? {})) {
      const where = `bus "${busKey}" rule "${ruleKey}"`;
      if (rule.targets.length === 0) throw new WiringError(`${where}: no targets`);
      for (const t of rule.targets) {
        if ('topic' in t && !Object.hasOwn(def.topics ?? {}, t.topic)) throw new WiringError(`${where}: topic "${t.topic}" is not declared in the API definition`);
        if ('queue' in t && !Object.hasOwn(def.queues ?? {}, t.queue)) throw new WiringError(`${where}: queue "${t.queue}" is not declared in the API definition`);
      }
    }
  }

  const targetsWebhooks = Object.values(def.buses ?? {}).some((b) => Object.values(b.rules ?? {}).some((r) => r.targets.some((t) => 'webhooks' in t)));
  if (targetsWebhooks && !def.webhookDelivery) throw new WiringError('a bus rule targets webhooks, but the definition declares no webhookDelivery handler');
  if (def.webhookDelivery) {
    const handler = resolve(def.root, def.webhookDelivery.handler);
    if (!isFile(handler)) throw new WiringError(`webhookDelivery: handler file not found: ${handler}`);
    if (!Number.isInteger(def.webhookDelivery.maxReceives) || def.webhookDelivery.maxReceives < 1) throw new WiringError('webhookDelivery: maxReceives must be a positive integer');
  }

  if (def.webApp && !isFile(resolve(def.root, def.webApp.build))) throw new WiringError(`webApp: build module not found: ${resolve(def.root, def.webApp.build)}`);

  const env = Object.keys(def.environment ?? {});
  if (env.length > MAX_ENV) throw new WiringError(`environment: ${env.length} variables; AppSync allows ${MAX_ENV}`);
  for (const name of env) {
    if (!ENV_KEY.test(name)) throw new WiringError(`environment variable "${name}": AppSync keys start with a letter and hold 2-64 letters, digits or _`);
  }
  checkEnv('environment', def.environment);
  return loaded;
}

/**
 * What a wiring can get wrong against its schema and declaration: a field the schema lacks, a data
 * source not declared, a file that is gone, a pipeline over AppSync's quota. Part of checkDefinition;
 * the AppSync construct runs it on the wiring it is handed (it needs no schema load).
 */
export function checkWiring(def: ApiDefinition, schema: GraphQLSchema, wiring: ResolverWiring[]): void {
  validateWiring(schema, wiring);
  for (const r of wiring) {
    const key = `${r.typeName}.${r.fieldName}`;
    if (r.kind === 'UNIT') {
      if (r.dataSource === undefined) throw new WiringError(`${key}: a unit resolver names no data source`);
      requireDataSource(def, key, r.dataSource);
      if (r.file === undefined || !isFile(r.file)) throw new WiringError(`${key}: resolver file not found: ${r.file ?? '(none)'}`);
    } else {
      if (r.functions.length === 0) throw new WiringError(`${key}: a pipeline resolver has no functions`);
      // AppSync's quota: a pipeline resolver runs at most 10 functions (CloudFormation refuses more at deploy).
      if (r.functions.length > MAX_PIPELINE_FUNCTIONS) throw new WiringError(`${key}: a pipeline resolver has ${r.functions.length} functions; AppSync allows at most ${MAX_PIPELINE_FUNCTIONS}`);
      if (r.file !== undefined && !isFile(r.file)) throw new WiringError(`${key}: pipeline file not found: ${r.file}`);
      for (const f of r.functions) {
        requireDataSource(def, `${key} function ${f.name}`, f.dataSource);
        if (!isFile(f.file)) throw new WiringError(`${key}: pipeline function file not found: ${f.file}`);
      }
    }
  }
}

const KIND_NAME = { tables: 'table', buckets: 'bucket', buses: 'event bus' } as const;

function requireDataSource(def: ApiDefinition, where: string, name: string): void {
  if (!Object.hasOwn(def.dataSources, name)) {
    const declared = Object.keys(def.dataSources).join(', ') || 'none';
    throw new WiringError(`${where}: data source "${name}" is not declared in the API definition (declared: ${declared})`);
  }
}

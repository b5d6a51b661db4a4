/**
 * Loads an AppSync API from a synthesized CloudFormation template (what `cdk synth` writes into
 * cdk.out) into the ApiDefinition the local runtime runs: the schema and every resolver's code are
 * written under `outDir` in the file-tree wiring (infra/wiring/discover.ts), data sources, tables,
 * buckets, buses and stream-triggered functions become declarations. What the template holds but
 * the runtime does not emulate is listed in `notes`; what cannot run at all is a TemplateError.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ApiDefinition, AuthMode, DataSourceDef, EnvValue, StreamHandlerDef, TableDef } from '../../wiring/types.ts';
import { Assets } from './assets.ts';
import { Intrinsics, isObject, LOCAL_ACCOUNT, LOCAL_REGION, TemplateError, type CfnResource, type CfnTemplate } from './intrinsics.ts';
import { loadFunction, standIn, type LoadedFunction } from './lambda.ts';
import { tableFromTemplate } from './tables.ts';
import { loopbackEndpoint } from '../datasources/http.ts';
import { writeResolvers } from './resolvers.ts';

export { TemplateError } from './intrinsics.ts';

export interface LoadedTemplate {
  api: ApiDefinition;
  /** What the template declares that runs differently or not at all locally, one line each. */
  notes: string[];
}

export interface LoadTemplateOptions {
  /** Where the schema, resolver code and function shims are written (emptied of earlier loads). */
  outDir: string;
  /** Logical id of the AWS::AppSync::GraphQLApi, when the template has several. */
  graphqlApi?: string;
  /** AWS::StackName for Fn::Sub (default: the template's file name without `.template.json`). */
  stackName?: string;
}

const AUTH_MODES: AuthMode[] = ['AMAZON_COGNITO_USER_POOLS', 'API_KEY', 'AWS_IAM'];

/** Resource types the loader reads; everything else is listed once in the notes. */
const READ = new Set([
  'AWS::AppSync::GraphQLApi',
  'AWS::AppSync::GraphQLSchema',
  'AWS::AppSync::DataSource',
  'AWS::AppSync::Resolver',
  'AWS::AppSync::FunctionConfiguration',
  'AWS::DynamoDB::Table',
  'AWS::S3::Bucket',
  'AWS::Events::EventBus',
  'AWS::Lambda::Function',
  'AWS::Lambda::EventSourceMapping',
]);

/** A cdk.out folder: the stack named (or the only one with an AppSync API), through manifest.json. */
export function loadCloudAssembly(dir: string, opts: Omit<LoadTemplateOptions, 'stackName'> & { stack?: string }): LoadedTemplate {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new TemplateError(`${dir} has no manifest.json: not a cloud assembly (run \`cdk synth\`, or pass the template file)`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { artifacts?: Record<string, { type?: string; properties?: { templateFile?: string }; displayName?: string }> };
  const stacks = Object.entries(manifest.artifacts ?? {}).filter(([, a]) => a.type === 'aws:cloudformation:stack' && a.properties?.templateFile);
  const withApi = stacks.filter(([, a]) => readFileSync(join(dir, a.properties!.templateFile!), 'utf8').includes('"AWS::AppSync::GraphQLApi"'));
  const chosen = opts.stack ? stacks.filter(([name, a]) => name === opts.stack || a.displayName === opts.stack) : withApi;
  if (chosen.length !== 1) {
    const names = (opts.stack ? stacks : withApi).map(([n]) => n).join(', ') || 'none';
    throw new TemplateError(opts.stack ? `${dir}: no stack "${opts.stack}" (stacks: ${names})` : `${dir}: ${chosen.length} stacks have an AppSync API (${names}); name one with --stack`);
  }
  const [name, artifact] = chosen[0]!;
  return loadTemplate(join(dir, artifact.properties!.templateFile!), { ...opts, stackName: name });
}

/** A CDK app synthesized in process (`app.synth()` writes its cloud assembly), then loaded as above. */
export function loadCdkApp(app: { synth(): { directory: string } }, opts: Omit<LoadTemplateOptions, 'stackName'> & { stack?: string }): LoadedTemplate {
  return loadCloudAssembly(app.synth().directory, opts);
}

export function loadTemplate(templatePath: string, opts: LoadTemplateOptions): LoadedTemplate {
  const path = resolve(templatePath);
  let template: CfnTemplate;
  try {
    template = JSON.parse(readFileSync(path, 'utf8')) as CfnTemplate;
  } catch (e) {
    throw new TemplateError(`${path}: not a JSON CloudFormation template (${(e as Error).message}); YAML templates are not read`);
  }
  const resources = template.Resources ?? {};
  const byType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const props = (r: CfnResource) => (isObject(r.Properties) ? r.Properties : {});
  const notes: string[] = [];
  const stackName = opts.stackName ?? basename(path).replace(/\.template\.json$|\.json$/, '');

  const apis = byType('AWS::AppSync::GraphQLApi');
  const picked = opts.graphqlApi ? apis.filter(([id]) => id === opts.graphqlApi) : apis;
  if (picked.length !== 1) {
    const ids = apis.map(([id]) => id).join(', ') || 'none';
    throw new TemplateError(
      opts.graphqlApi ? `${path}: no AWS::AppSync::GraphQLApi "${opts.graphqlApi}" (found: ${ids})` : `${path}: ${apis.length} AWS::AppSync::GraphQLApi resources (${ids}); name one`,
    );
  }
  const [apiId, apiResource] = picked[0]!;
  const ofThisApi = (p: Record<string, unknown>) => {
    const t = intrinsics.target(p.ApiId);
    return !t || t.id === apiId;
  };

  const tables = Object.fromEntries(byType('AWS::DynamoDB::Table').map(([id, r]): [string, TableDef] => [id, tableFromTemplate(id, props(r), notes)]));
  const buckets = Object.fromEntries(byType('AWS::S3::Bucket').map(([id]) => [id, {}]));
  const busName = (id: string): string => {
    const n = props(resources[id]!).Name;
    return n === undefined ? id : intrinsics.str(n, `AWS::Events::EventBus ${id} Name`);
  };

  const attributeOf = (id: string, attribute: string | undefined, where: string): string => {
    const r = resources[id]!;
    const p = props(r);
    const service = r.Type.split('::')[1]!.toLowerCase();
    if (attribute === undefined) return r.Type === 'AWS::Events::EventBus' ? busName(id) : id;
    if (attribute === 'Name' && typeof p.Name === 'string') return p.Name;
    if (attribute === 'ApiId' || attribute === 'FunctionId') return id;
    if (attribute === 'Arn' || attribute.endsWith('Arn')) return `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${id}`;
    throw new TemplateError(`${where}: Fn::GetAtt ${id}.${attribute} (${r.Type}) has no local value`);
  };
  const intrinsics = new Intrinsics(template, stackName, attributeOf);
  const buses = Object.fromEntries(
    byType('AWS::Events::EventBus').map(([id, r]) => [busName(id), { description: typeof props(r).Description === 'string' ? (props(r).Description as string) : undefined }]),
  );
  const envRef = (v: unknown): EnvValue | undefined => {
    const t = intrinsics.target(v);
    if (!t || t.attribute) return undefined;
    const type = resources[t.id]!.Type;
    if (type === 'AWS::DynamoDB::Table') return { tableName: t.id };
    if (type === 'AWS::S3::Bucket') return { bucketName: t.id };
    if (type === 'AWS::Events::EventBus') return { busName: busName(t.id) };
    return undefined;
  };

  mkdirSync(opts.outDir, { recursive: true });
  const outDir = resolve(opts.outDir);
  for (const sub of ['resolvers', 'lambda']) rmSync(join(outDir, sub), { recursive: true, force: true });
  const assets = new Assets(dirname(path));
  const functions = new Map<string, LoadedFunction>();
  const fn = (id: string): LoadedFunction => {
    let f = functions.get(id);
    if (!f) {
      f = loadFunction(id, props(resources[id]!), { outDir, assets, intrinsics, envRef, notes });
      functions.set(id, f);
    }
    return f;
  };

  // Auth modes.
  const ap = props(apiResource);
  const mode = (v: unknown, where: string): AuthMode | undefined => {
    const m = intrinsics.str(v, where);
    if ((AUTH_MODES as string[]).includes(m)) return m as AuthMode;
    return undefined;
  };
  const defaultMode = mode(ap.AuthenticationType, `${apiId} AuthenticationType`);
  if (!defaultMode) throw new TemplateError(`${apiId}: default authentication ${JSON.stringify(ap.AuthenticationType)} is not emulated (local: ${AUTH_MODES.join(', ')})`);
  const additional: AuthMode[] = [];
  for (const [i, p] of (Array.isArray(ap.AdditionalAuthenticationProviders) ? ap.AdditionalAuthenticationProviders : []).entries()) {
    const m = isObject(p) ? mode(p.AuthenticationType, `${apiId} AdditionalAuthenticationProviders[${i}]`) : undefined;
    if (m) additional.push(m);
    else notes.push(`${apiId}: additional authentication ${JSON.stringify(isObject(p) ? p.AuthenticationType : p)} is not emulated; requests using it are refused`);
  }
  if ([defaultMode, ...additional].includes('API_KEY')) notes.push("API keys: the runtime's own key (printed at start, `Runtime.apiKey`) stands in for the template's");
  if ([defaultMode, ...additional].includes('AMAZON_COGNITO_USER_POOLS'))
    notes.push("Cognito user pools: the local issuer stands in for the template's (its users, groups and app clients are not loaded; add dev users with `user add`)");

  // Schema.
  const schemas = byType('AWS::AppSync::GraphQLSchema').filter(([, r]) => ofThisApi(props(r)));
  if (schemas.length !== 1) throw new TemplateError(`${path}: ${apiId} has ${schemas.length} AWS::AppSync::GraphQLSchema resources; expected one`);
  const [schemaId, schemaResource] = schemas[0]!;
  const sp = props(schemaResource);
  const sdl =
    sp.Definition !== undefined
      ? intrinsics.str(sp.Definition, `${schemaId} Definition`)
      : sp.DefinitionS3Location !== undefined
        ? readFileSync(assets.pathOfUrl(intrinsics.str(sp.DefinitionS3Location, `${schemaId} DefinitionS3Location`), `${schemaId} DefinitionS3Location`), 'utf8')
        : undefined;
  if (sdl === undefined) throw new TemplateError(`${schemaId}: neither Definition nor DefinitionS3Location`);
  writeFileSync(join(outDir, 'schema.graphql'), sdl);

  // Data sources.
  const dataSources: Record<string, DataSourceDef> = {};
  const dsNameById = new Map<string, string>();
  for (const [id, r] of byType('AWS::AppSync::DataSource')) {
    const p = props(r);
    if (!ofThisApi(p)) continue;
    const name = intrinsics.str(p.Name, `${id} Name`);
    dsNameById.set(id, name);
    const description = typeof p.Description === 'string' ? p.Description : undefined;
    const type = intrinsics.str(p.Type, `${id} Type`);
    const where = `data source ${name} (${id})`;
    const notEmulated = (why: string): DataSourceDef => {
      notes.push(why);
      return { kind: 'LAMBDA', handler: standIn(join(outDir, 'lambda', `datasource-${name}`), why), description };
    };
    if (type === 'NONE') dataSources[name] = { kind: 'NONE', description };
    else if (type === 'AMAZON_DYNAMODB') {
      const cfg = isObject(p.DynamoDBConfig) ? p.DynamoDBConfig : {};
      const t = intrinsics.target(cfg.TableName);
      let table = t && !t.attribute && resources[t.id]!.Type === 'AWS::DynamoDB::Table' ? t.id : undefined;
      if (!table) {
        const literal = intrinsics.str(cfg.TableName, `${where} DynamoDBConfig.TableName`);
        table = Object.keys(tables).find((k) => tables[k]!.deployedName === literal);
        if (!table) throw new TemplateError(`${where}: table "${literal}" is not an AWS::DynamoDB::Table of this template, so its keys are unknown locally`);
      }
      if (isObject(cfg.DeltaSyncConfig) || cfg.Versioned) notes.push(`${where}: Delta Sync / versioning (conflict detection) is not emulated`);
      dataSources[name] = { kind: 'DYNAMODB', table, description };
    } else if (type === 'AWS_LAMBDA') {
      const cfg = isObject(p.LambdaConfig) ? p.LambdaConfig : {};
      const t = intrinsics.target(cfg.LambdaFunctionArn);
      if (t && resources[t.id]!.Type === 'AWS::Lambda::Function') {
        const f = fn(t.id);
        dataSources[name] = { kind: 'LAMBDA', handler: f.handler, environment: f.environment, description };
      } else dataSources[name] = notEmulated(`${where}: its function ${JSON.stringify(cfg.LambdaFunctionArn).slice(0, 120)} is not an AWS::Lambda::Function of this template; calls fail locally`);
    } else if (type === 'AMAZON_EVENTBRIDGE') {
      const cfg = isObject(p.EventBridgeConfig) ? p.EventBridgeConfig : {};
      const t = intrinsics.target(cfg.EventBusArn);
      let bus = t && resources[t.id]!.Type === 'AWS::Events::EventBus' ? busName(t.id) : undefined;
      if (!bus) {
        // Another account's or the default bus: a local bus of that name.
        bus = intrinsics.str(cfg.EventBusArn, `${where} EventBridgeConfig.EventBusArn`).replace(/^.*:event-bus\//, '');
        buses[bus] ??= { description: undefined };
      }
      dataSources[name] = { kind: 'EVENTBRIDGE', bus, description };
    } else if (type === 'HTTP') {
      const cfg = isObject(p.HttpConfig) ? p.HttpConfig : {};
      const endpoint = intrinsics.str(cfg.Endpoint, `${where} HttpConfig.Endpoint`);
      if (cfg.AuthorizationConfig !== undefined) notes.push(`${where}: AuthorizationConfig (SigV4 signing of the calls) is not emulated; requests go unsigned`);
      if (!loopbackEndpoint(endpoint))
        notes.push(`${where}: ${endpoint} is not a loopback endpoint; locally its calls fail until --http-endpoint ${name}=http://127.0.0.1:PORT points it at a stand-in`);
      dataSources[name] = { kind: 'HTTP', endpoint, description };
    } else dataSources[name] = notEmulated(`${where}: data source type ${type} is not emulated; calls fail locally`);
  }

  // Resolvers and pipeline functions, written as the file tree the runtime discovers.
  const dsName = (v: unknown, where: string): string => {
    const t = intrinsics.target(v);
    if (t && dsNameById.has(t.id)) return dsNameById.get(t.id)!;
    return intrinsics.str(v, where);
  };
  writeResolvers({
    dir: join(outDir, 'resolvers'),
    resolvers: byType('AWS::AppSync::Resolver')
      .filter(([, r]) => ofThisApi(props(r)))
      .map(([id, r]) => ({ id, props: props(r) })),
    functions: new Map(
      byType('AWS::AppSync::FunctionConfiguration')
        .filter(([, r]) => ofThisApi(props(r)))
        .map(([id, r]) => [id, props(r)]),
    ),
    intrinsics,
    assets,
    dsName,
    notes,
  });

  // Functions on table streams.
  const streamHandlers: StreamHandlerDef[] = [];
  for (const [id, r] of byType('AWS::Lambda::EventSourceMapping')) {
    const p = props(r);
    const source = intrinsics.target(p.EventSourceArn);
    const target = intrinsics.target(p.FunctionName);
    if (!source || source.attribute !== 'StreamArn' || resources[source.id]!.Type !== 'AWS::DynamoDB::Table') {
      notes.push(`AWS::Lambda::EventSourceMapping ${id}: only DynamoDB stream sources run locally (source ${JSON.stringify(p.EventSourceArn).slice(0, 100)})`);
      continue;
    }
    if (!target || resources[target.id]!.Type !== 'AWS::Lambda::Function')
      throw new TemplateError(`AWS::Lambda::EventSourceMapping ${id}: FunctionName must refer to an AWS::Lambda::Function of this template`);
    if (!tables[source.id]!.stream) throw new TemplateError(`AWS::Lambda::EventSourceMapping ${id}: table ${source.id} has no StreamSpecification`);
    const f = fn(target.id);
    const criteria = isObject(p.FilterCriteria) && Array.isArray(p.FilterCriteria.Filters) ? p.FilterCriteria.Filters : [];
    const filters = criteria.map((c, i) => {
      const pattern = isObject(c) ? c.Pattern : undefined;
      if (typeof pattern !== 'string') throw new TemplateError(`AWS::Lambda::EventSourceMapping ${id}: FilterCriteria.Filters[${i}].Pattern must be a JSON string`);
      return JSON.parse(pattern) as Record<string, unknown>;
    });
    streamHandlers.push({
      table: source.id,
      handler: f.handler,
      batchSize: typeof p.BatchSize === 'number' ? p.BatchSize : undefined,
      ...(filters.length ? { filters } : {}),
      environment: f.environment,
      description: f.description,
    });
  }

  const rules = byType('AWS::Events::Rule').map(([id]) => id);
  if (rules.length) notes.push(`EventBridge rules are not loaded (${rules.join(', ')}): events put on a local bus reach no target`);
  const others = new Map<string, number>();
  for (const r of Object.values(resources)) if (!READ.has(r.Type) && r.Type !== 'AWS::Events::Rule') others.set(r.Type, (others.get(r.Type) ?? 0) + 1);
  if (others.size) notes.push(`not loaded (no local counterpart): ${[...others].map(([t, n]) => (n > 1 ? `${t} x${n}` : t)).join(', ')}`);
  const conditional = Object.entries(resources).filter(([, r]) => r.Condition && READ.has(r.Type));
  if (conditional.length) notes.push(`conditions are not evaluated; loaded as if true: ${conditional.map(([id, r]) => `${id} (${r.Condition})`).join(', ')}`);

  const environment: Record<string, EnvValue> = {};
  for (const [k, v] of Object.entries(isObject(ap.EnvironmentVariables) ? ap.EnvironmentVariables : {})) environment[k] = envRef(v) ?? intrinsics.str(v, `${apiId} EnvironmentVariables ${k}`);

  const api: ApiDefinition = {
    name: ap.Name === undefined ? apiId : intrinsics.str(ap.Name, `${apiId} Name`),
    root: outDir,
    schema: ['schema.graphql'],
    resolversDir: 'resolvers',
    authentication: { default: defaultMode, ...(additional.length ? { additional } : {}) },
    tables,
    ...(Object.keys(buckets).length ? { buckets } : {}),
    ...(Object.keys(buses).length ? { buses } : {}),
    dataSources,
    ...(streamHandlers.length ? { streamHandlers } : {}),
    ...(Object.keys(environment).length ? { environment } : {}),
  };
  return { api, notes };
}

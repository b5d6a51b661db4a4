import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildASTSchema, isObjectType, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { APPSYNC_PRELUDE } from '../appsync/prelude.ts';
import { installAppSyncScalars } from '../appsync/scalars.ts';
import { WiringError } from './discover.ts';
import type { ApiDefinition, ResolverWiring } from './types.ts';

export interface LoadedSchema {
  /** The SDL as uploaded to AppSync (the declared files, concatenated). */
  sdl: string;
  document: DocumentNode;
  schema: GraphQLSchema;
  /** mutation field name → subscription fields that fire on it (`@aws_subscribe`). */
  subscriptionsByMutation: Map<string, string[]>;
}

/** Reads the declared schema files and builds the executable schema with AppSync's prelude. */
export function loadSchema(def: ApiDefinition): LoadedSchema {
  const parts = def.schema.map((file) => {
    const path = resolve(def.root, file);
    if (!existsSync(path)) throw new WiringError(`schema file not found: ${file}`);
    return readFileSync(path, 'utf8');
  });
  const sdl = parts.join('\n');
  let document: DocumentNode;
  try {
    document = parse(`${APPSYNC_PRELUDE}\n${sdl}`);
  } catch (e) {
    throw new WiringError(`schema does not parse: ${(e as Error).message}`);
  }
  let schema: GraphQLSchema;
  try {
    schema = buildASTSchema(document);
  } catch (e) {
    throw new WiringError(`schema is invalid: ${(e as Error).message}`);
  }
  installAppSyncScalars(schema);
  const subscriptionsByMutation = new Map<string, string[]>();
  const sub = schema.getSubscriptionType();
  const mutation = schema.getMutationType();
  for (const field of Object.values(sub?.getFields() ?? {})) {
    const directive = field.astNode?.directives?.find((d) => d.name.value === 'aws_subscribe');
    const arg = directive?.arguments?.find((a) => a.name.value === 'mutations');
    if (!arg || arg.value.kind !== 'ListValue') continue;
    for (const v of arg.value.values) {
      if (v.kind !== 'StringValue') continue;
      if (!mutation?.getFields()[v.value]) {
        throw new WiringError(`Subscription.${field.name}: @aws_subscribe names mutation "${v.value}", which the schema does not have`);
      }
      const list = subscriptionsByMutation.get(v.value) ?? [];
      list.push(field.name);
      subscriptionsByMutation.set(v.value, list);
    }
  }
  return { sdl, document, schema, subscriptionsByMutation };
}

/** Every wired resolver must name a field of an object type in the schema. */
export function validateWiring(schema: GraphQLSchema, wiring: ResolverWiring[]): void {
  for (const r of wiring) {
    const type = schema.getType(r.typeName);
    if (!type || !isObjectType(type)) {
      throw new WiringError(`${r.typeName}.${r.fieldName}: the schema has no object type "${r.typeName}" (resolver ${r.file ?? r.functions[0]?.file})`);
    }
    if (!type.getFields()[r.fieldName]) {
      throw new WiringError(`${r.typeName}.${r.fieldName}: type ${r.typeName} has no field "${r.fieldName}" (resolver ${r.file ?? r.functions[0]?.file})`);
    }
  }
}

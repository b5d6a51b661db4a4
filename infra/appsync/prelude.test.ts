import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, isScalarType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { APPSYNC_PRELUDE, APPSYNC_SCALARS, CODEGEN_PRELUDE, CODEGEN_PRELUDE_FILE } from './prelude.ts';

describe('the AppSync prelude', () => {
  it('codegen/appsync-prelude.graphql is the one written from it (npx tsx infra/appsync/write-codegen-prelude.ts)', () => {
    expect(readFileSync(resolve(import.meta.dirname, '../..', CODEGEN_PRELUDE_FILE), 'utf8')).toBe(CODEGEN_PRELUDE);
  });

  it('declares every AppSync scalar and the auth and subscription directives a schema may use', () => {
    const schema = buildSchema(`${APPSYNC_PRELUDE}\ntype Query { a: Int @aws_iam @aws_cognito_user_pools(cognito_groups: ["x"]) }`);
    expect(APPSYNC_SCALARS.filter((s) => !isScalarType(schema.getType(s)))).toEqual([]);
    expect(['aws_subscribe', 'aws_cognito_user_pools', 'aws_api_key', 'aws_iam', 'aws_oidc', 'aws_lambda', 'aws_auth', 'aws_publish'].filter((d) => !schema.getDirective(d))).toEqual([]);
  });
});

import { buildSchema, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { APPSYNC_PRELUDE } from '../../appsync/prelude.ts';
import { effectiveAuthRules, fieldAuthorizerFromDirectives, isFieldAllowed } from './directives.ts';
import type { AuthSuccess } from './types.ts';

const user = (groups: string[] | null): AuthSuccess => ({
  ok: true,
  mode: 'AMAZON_COGNITO_USER_POOLS',
  identity: { sub: 's', issuer: 'i', username: 'u', claims: {}, sourceIp: ['127.0.0.1'], defaultAuthStrategy: 'ALLOW', groups },
});
const apiKey: AuthSuccess = { ok: true, mode: 'API_KEY', identity: null };
const iam: AuthSuccess = {
  ok: true,
  mode: 'AWS_IAM',
  identity: { accountId: '0', cognitoIdentityPoolId: null, cognitoIdentityId: null, sourceIp: [], username: 'b', userArn: 'arn', cognitoIdentityAuthType: null, cognitoIdentityAuthProvider: null },
};

const schema = buildSchema(`${APPSYNC_PRELUDE}
  type Query {
    plain: String
    keyOnly: String @aws_api_key
    keyOrPool: String @aws_api_key @aws_cognito_user_pools
    admins: String @aws_cognito_user_pools(cognito_groups: ["admins"])
    legacyAdmins: String @aws_auth(cognito_groups: ["admins", "owners"])
    oidcOnly: String @aws_oidc
    publicNote: Note
    secretNote: Secret
    both: Both
  }
  type Note @aws_api_key {
    text: String
    author: String @aws_iam
  }
  type Secret @aws_cognito_user_pools(cognito_groups: ["editors"]) {
    body: String
    footer: String @aws_cognito_user_pools
  }
  type Both @aws_api_key { a: String }
  extend type Both @aws_iam { b: String }
`);

const allow = fieldAuthorizerFromDirectives('AMAZON_COGNITO_USER_POOLS');
const can = (typeName: string, fieldName: string, auth: AuthSuccess) => {
  const type = schema.getType(typeName) as GraphQLObjectType;
  return allow(type, type.getFields()[fieldName]!, auth);
};

describe('auth directives', () => {
  it('a field with no directive on a type with none admits only the default mode', () => {
    expect(can('Query', 'plain', user(null))).toBe(true);
    expect(can('Query', 'plain', apiKey)).toBe(false);
    expect(can('Query', 'plain', iam)).toBe(false);
    // The same field under an API whose default is API_KEY.
    const byKey = fieldAuthorizerFromDirectives('API_KEY');
    const query = schema.getQueryType()!;
    expect(byKey(query, query.getFields().plain!, apiKey)).toBe(true);
    expect(byKey(query, query.getFields().plain!, user(null))).toBe(false);
  });

  it('a directive replaces the default mode instead of adding to it', () => {
    expect(can('Query', 'keyOnly', apiKey)).toBe(true);
    expect(can('Query', 'keyOnly', user(['admins']))).toBe(false);
  });

  it('several directives are alternatives', () => {
    expect(can('Query', 'keyOrPool', apiKey)).toBe(true);
    expect(can('Query', 'keyOrPool', user(null))).toBe(true);
    expect(can('Query', 'keyOrPool', iam)).toBe(false);
  });

  it('cognito_groups admits only members of at least one listed group', () => {
    expect(can('Query', 'admins', user(['admins']))).toBe(true);
    expect(can('Query', 'admins', user(['viewers', 'admins']))).toBe(true);
    expect(can('Query', 'admins', user(['viewers']))).toBe(false);
    expect(can('Query', 'admins', user(null))).toBe(false);
    expect(can('Query', 'admins', apiKey)).toBe(false);
  });

  it('the legacy @aws_auth(cognito_groups) is read as a user-pool rule with groups', () => {
    expect(can('Query', 'legacyAdmins', user(['owners']))).toBe(true);
    expect(can('Query', 'legacyAdmins', user(['viewers']))).toBe(false);
    expect(can('Query', 'legacyAdmins', apiKey)).toBe(false);
  });

  it('modes the local runtime does not provide admit no one', () => {
    expect(can('Query', 'oidcOnly', user(['admins']))).toBe(false);
    expect(can('Query', 'oidcOnly', apiKey)).toBe(false);
  });

  it('a directive-less field takes its type directives, and the default mode is not implied', () => {
    expect(can('Note', 'text', apiKey)).toBe(true);
    expect(can('Note', 'text', user(['admins']))).toBe(false);
  });

  it('field directives override the type directives', () => {
    expect(can('Note', 'author', iam)).toBe(true);
    expect(can('Note', 'author', apiKey)).toBe(false);
    // The type asks for the editors group; the field's own directive admits any pool user.
    expect(can('Secret', 'body', user(['editors']))).toBe(true);
    expect(can('Secret', 'body', user(['viewers']))).toBe(false);
    expect(can('Secret', 'footer', user(['viewers']))).toBe(true);
  });

  it('a field the caller may read can return a type whose fields it may not (each checked on its own)', () => {
    expect(can('Query', 'publicNote', user(null))).toBe(true);
    expect(can('Note', 'text', user(null))).toBe(false);
  });

  it('directives of `extend type` count as the type’s', () => {
    expect(can('Both', 'a', iam)).toBe(true);
    expect(can('Both', 'b', apiKey)).toBe(true);
    expect(can('Both', 'a', user(null))).toBe(false);
  });

  it('works on bare AST nodes too', () => {
    expect(effectiveAuthRules(undefined, undefined, 'AWS_IAM')).toEqual([{ mode: 'AWS_IAM' }]);
    const secret = schema.getType('Secret') as GraphQLObjectType;
    expect(effectiveAuthRules(secret.astNode?.directives, secret.getFields().body!.astNode?.directives, 'API_KEY')).toEqual([{ mode: 'AMAZON_COGNITO_USER_POOLS', groups: ['editors'] }]);
    expect(isFieldAllowed({ typeDirectives: secret.astNode?.directives, fieldDirectives: [], defaultMode: 'API_KEY', auth: user(['editors']) })).toBe(true);
  });
});

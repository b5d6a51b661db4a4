/**
 * Field authorization by the schema's AppSync auth directives, decided per (parent type, field).
 *
 * AppSync's rules, as its "Configuring authorization" guide gives them:
 *   - A field's own auth directives, when it has any, replace its type's: field overrides type.
 *   - A field without auth directives takes those of its parent type (object type definition plus
 *     its `extend type` extensions).
 *   - Neither the field nor its type has one: only the API's default mode is allowed.
 *   - Once a type or field names any directive, the default mode is NOT implied: a type marked only
 *     `@aws_api_key` refuses user-pool callers (default mode) on all its directive-less fields; to
 *     keep the default mode allowed, name its directive too.
 *   - Several directives are alternatives: any one of them admits the caller.
 *   - `@aws_cognito_user_pools(cognito_groups: [...])` admits user-pool callers in at least one of
 *     those groups; without `cognito_groups` any user of the pool. `@aws_auth(cognito_groups)` is
 *     the older single-mode form, read here the same way.
 *   - `@aws_oidc` / `@aws_lambda` name modes the local runtime does not provide: they admit no one.
 * Nested types follow naturally: a query field the caller may read can return a type whose fields
 * the caller may not (e.g. a type with no directive under a default user-pool mode, reached with an
 * API key), and those fields are refused one by one.
 */
import { Kind, type ConstDirectiveNode, type DirectiveNode, type GraphQLField, type GraphQLInterfaceType, type GraphQLObjectType } from 'graphql';
import type { AuthMode } from '../../wiring/types.ts';
import type { AuthSuccess } from './types.ts';

export type AuthRuleMode = AuthMode | 'OPENID_CONNECT' | 'AWS_LAMBDA';

/** One way in: a mode, and for user pools optionally the groups of which the caller needs one. */
export interface AuthRule {
  mode: AuthRuleMode;
  groups?: string[];
}

const DIRECTIVE_MODES: Record<string, AuthRuleMode> = {
  aws_cognito_user_pools: 'AMAZON_COGNITO_USER_POOLS',
  aws_auth: 'AMAZON_COGNITO_USER_POOLS',
  aws_api_key: 'API_KEY',
  aws_iam: 'AWS_IAM',
  aws_oidc: 'OPENID_CONNECT',
  aws_lambda: 'AWS_LAMBDA',
};

type Directives = readonly (DirectiveNode | ConstDirectiveNode)[] | undefined;

/** The auth rules one list of directive nodes states (empty when it has no auth directive). */
export function authRulesOf(directives: Directives): AuthRule[] {
  const rules: AuthRule[] = [];
  for (const d of directives ?? []) {
    const mode = DIRECTIVE_MODES[d.name.value];
    if (!mode) continue;
    const groupsArg = d.arguments?.find((a) => a.name.value === 'cognito_groups');
    const groups = groupsArg?.value.kind === Kind.LIST ? groupsArg.value.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])) : undefined;
    rules.push(groups ? { mode, groups } : { mode });
  }
  return rules;
}

/** The rules in force for a field: its own, else its type's, else the default mode alone. */
export function effectiveAuthRules(typeDirectives: Directives, fieldDirectives: Directives, defaultMode: AuthMode): AuthRule[] {
  const own = authRulesOf(fieldDirectives);
  if (own.length) return own;
  const inherited = authRulesOf(typeDirectives);
  if (inherited.length) return inherited;
  return [{ mode: defaultMode }];
}

/** Whether an authenticated caller passes one of the rules. */
export function rulesAllow(rules: AuthRule[], auth: AuthSuccess): boolean {
  return rules.some((rule) => {
    if (rule.mode !== auth.mode) return false;
    if (rule.mode !== 'AMAZON_COGNITO_USER_POOLS' || !rule.groups) return true;
    const groups = auth.identity && 'groups' in auth.identity ? (auth.identity.groups ?? []) : [];
    return groups.some((g) => rule.groups!.includes(g));
  });
}

/** The decision for one field of one type, from the AST directive nodes. */
export function isFieldAllowed(opts: { typeDirectives: Directives; fieldDirectives: Directives; defaultMode: AuthMode; auth: AuthSuccess }): boolean {
  return rulesAllow(effectiveAuthRules(opts.typeDirectives, opts.fieldDirectives, opts.defaultMode), opts.auth);
}

/** Directive nodes of a schema type: its definition's and those of every `extend type`. */
export function typeDirectiveNodes(type: GraphQLObjectType | GraphQLInterfaceType): ConstDirectiveNode[] {
  return [...(type.astNode?.directives ?? []), ...type.extensionASTNodes.flatMap((e) => e.directives ?? [])];
}

/** Field authorization over a built schema: `(parentType, field, auth) => allowed`. */
export function fieldAuthorizerFromDirectives(defaultMode: AuthMode) {
  return (type: GraphQLObjectType | GraphQLInterfaceType, field: GraphQLField<unknown, unknown>, auth: AuthSuccess): boolean =>
    isFieldAllowed({ typeDirectives: typeDirectiveNodes(type), fieldDirectives: field.astNode?.directives, defaultMode, auth });
}

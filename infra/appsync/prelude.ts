/**
 * What AppSync defines itself and a schema may use without declaring: its scalars and directives.
 * graphql-js needs them declared to build the schema (synth's checks and the local runtime); they
 * are never uploaded to AppSync, which refuses a schema that redeclares them. codegen reads the
 * same declarations from codegen/appsync-prelude.graphql, written from here (CODEGEN_PRELUDE).
 */
export const APPSYNC_SCALARS = ['AWSDate', 'AWSTime', 'AWSDateTime', 'AWSTimestamp', 'AWSEmail', 'AWSJSON', 'AWSURL', 'AWSPhone', 'AWSIPAddress'] as const;

/** AppSync's own scalars and directives, one declaration a line. */
export const APPSYNC_DECLARATIONS = `${APPSYNC_SCALARS.map((s) => `scalar ${s}`).join('\n')}
directive @aws_subscribe(mutations: [String!]!) on FIELD_DEFINITION
directive @aws_cognito_user_pools(cognito_groups: [String!]) on OBJECT | FIELD_DEFINITION
directive @aws_api_key on OBJECT | FIELD_DEFINITION
directive @aws_iam on OBJECT | FIELD_DEFINITION
directive @aws_oidc on OBJECT | FIELD_DEFINITION
directive @aws_lambda on OBJECT | FIELD_DEFINITION
directive @aws_auth(cognito_groups: [String!]!) on FIELD_DEFINITION
directive @aws_publish(subscriptions: [String!]!) on FIELD_DEFINITION
`;

/** Prepended to the declared SDL before graphql-js builds it; `@deprecated` as AppSync allows it (also on arguments and input fields). */
export const APPSYNC_PRELUDE = `
${APPSYNC_DECLARATIONS}directive @deprecated(reason: String = "No longer supported") on FIELD_DEFINITION | ENUM_VALUE | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION
`;

/** Where codegen reads AppSync's declarations, relative to the repository root. */
export const CODEGEN_PRELUDE_FILE = 'codegen/appsync-prelude.graphql';

/** The text of CODEGEN_PRELUDE_FILE (codegen has its own @deprecated). */
export const CODEGEN_PRELUDE = `# Generated from infra/appsync/prelude.ts (npx tsx infra/appsync/write-codegen-prelude.ts); do not edit.
# For codegen only: the scalars and directives AppSync defines itself. Never deployed (AppSync refuses
# a schema that redeclares them).
${APPSYNC_DECLARATIONS}`;

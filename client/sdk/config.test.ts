import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAmplifyConfig } from 'aws-amplify/utils';
import { afterAll, describe, expect, it } from 'vitest';
import { amplifyOutputsFromCdk, fromCdkOutputs, loadConfigFile, toAmplifyOutputs, withEndpoint } from './config.ts';

const dir = mkdtempSync(join(tmpdir(), 'craft-sync-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};

/** What `cdk deploy --outputs-file` writes for one stack (output names as in infra/aws/stack.ts). */
const deployed = {
  GraphQLUrl: 'https://abc.appsync-api.eu-west-1.amazonaws.com/graphql',
  RealtimeUrl: 'wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com/graphql',
  Region: 'eu-west-1',
  UserPoolId: 'eu-west-1_AbCdEf',
  UserPoolClientId: '1a2b3c4d5e6f7g8h9i0j',
  BucketContent: 'craftsync-databucketcontent-1',
};

describe('client configuration', () => {
  it('reads CDK outputs (the --outputs-file of `cdk deploy`) into an Amplify configuration for Cognito', () => {
    const config = loadConfigFile(write('outputs.json', { CraftSync: deployed }));
    expect(config).toEqual({
      amplify: {
        Auth: { Cognito: { userPoolId: 'eu-west-1_AbCdEf', userPoolClientId: '1a2b3c4d5e6f7g8h9i0j', loginWith: { email: true } } },
        API: { GraphQL: { endpoint: deployed.GraphQLUrl, region: 'eu-west-1', defaultAuthMode: 'userPool' } },
      },
      local: false, // sign-in goes to Cognito with SRP
    });
    // Amplify itself accepts it.
    const parsed = parseAmplifyConfig(config.amplify);
    expect(parsed.Auth?.Cognito.userPoolId).toBe('eu-west-1_AbCdEf');
    expect(parsed.API?.GraphQL?.endpoint).toBe(deployed.GraphQLUrl);
  });

  it('takes the outputs of one stack as they are, and picks a stack by name when the file holds several', () => {
    expect(loadConfigFile(write('flat.json', deployed)).amplify.API?.GraphQL?.region).toBe('eu-west-1');
    const two = write('two.json', { CraftSync: deployed, CraftSyncStaging: { ...deployed, Region: 'us-east-2' } });
    expect(() => loadConfigFile(two)).toThrow('CDK outputs hold stacks CraftSync, CraftSyncStaging: name one');
    expect(loadConfigFile(two, 'CraftSyncStaging').amplify.API?.GraphQL?.region).toBe('us-east-2');
    expect(() => loadConfigFile(two, 'Prod')).toThrow(/name one/);
  });

  it('names the output a file lacks, and refuses a file that is neither kind', () => {
    const { UserPoolClientId: _gone, ...partial } = deployed;
    expect(() => fromCdkOutputs({ CraftSync: partial })).toThrow('CDK outputs lack UserPoolClientId');
    expect(() => loadConfigFile(write('other.json', { hello: 'world' }))).toThrow('not CDK outputs: no stack with a GraphQLUrl output');
    expect(() => loadConfigFile(write('amplify.json', { API: { GraphQL: {} } }))).toThrow('Amplify configuration has no API.GraphQL.endpoint');
  });

  it("reads the local runtime's amplify-config.json, with the CA named by the runtime.json beside it", () => {
    const amplify = {
      Auth: { Cognito: { userPoolId: 'local_pool', userPoolClientId: 'local-client', userPoolEndpoint: 'http://127.0.0.1:9229', loginWith: { email: true } } },
      API: { GraphQL: { endpoint: 'https://127.0.0.1:4455/graphql', region: 'us-east-1', defaultAuthMode: 'userPool' } },
    };
    const path = join(dir, 'amplify-config.json');
    writeFileSync(path, JSON.stringify(amplify));
    writeFileSync(join(dir, 'runtime.json'), JSON.stringify({ caCertPath: '/data/tls/ca.pem' }));
    const config = loadConfigFile(path);
    expect(config).toEqual({ amplify, caCertPath: '/data/tls/ca.pem', local: true }); // the local issuer's endpoint
    expect(withEndpoint(config, 'http://127.0.0.1:1/graphql').amplify.API?.GraphQL?.endpoint).toBe('http://127.0.0.1:1/graphql');
  });

  it("reads an amplify_outputs.json (Gen 2) with Amplify's own parser, applying the local user-pool endpoint from custom", () => {
    const outputs = toAmplifyOutputs({
      region: 'us-east-1',
      graphqlUrl: 'http://127.0.0.1:4455/graphql',
      userPool: { userPoolId: 'us-east-1_AbCdEfGhI', userPoolClientId: 'local-client' },
      userPoolEndpoint: 'http://127.0.0.1:9229',
      defaultAuthType: 'AMAZON_COGNITO_USER_POOLS',
      additionalAuthTypes: ['API_KEY', 'AWS_IAM'],
      apiKey: 'da2-local',
    });
    const path = join(dir, 'amplify_outputs.json');
    writeFileSync(path, JSON.stringify(outputs));
    writeFileSync(join(dir, 'runtime.json'), JSON.stringify({ caCertPath: '/data/tls/ca.pem' }));
    const config = loadConfigFile(path);
    expect(config.local).toBe(true);
    expect(config.caCertPath).toBe('/data/tls/ca.pem');
    expect(config.amplify.Auth?.Cognito).toMatchObject({ userPoolId: 'us-east-1_AbCdEfGhI', userPoolClientId: 'local-client', userPoolEndpoint: 'http://127.0.0.1:9229', loginWith: { email: true } });
    expect(config.amplify.API?.GraphQL).toMatchObject({ endpoint: 'http://127.0.0.1:4455/graphql', region: 'us-east-1', defaultAuthMode: 'userPool', apiKey: 'da2-local' });
  });

  it('makes amplify_outputs.json from CDK outputs: Cognito itself, so no endpoint override', () => {
    const outputs = amplifyOutputsFromCdk(deployed, { defaultAuthType: 'AMAZON_COGNITO_USER_POOLS', additionalAuthTypes: ['AWS_IAM'] });
    expect(outputs.custom).toBeUndefined();
    const config = loadConfigFile(write('from-cdk.json', outputs));
    expect(config.local).toBe(false);
    expect(config.amplify.Auth?.Cognito).toMatchObject({ userPoolId: deployed.UserPoolId, userPoolClientId: deployed.UserPoolClientId });
    expect(config.amplify.API?.GraphQL).toMatchObject({ endpoint: deployed.GraphQLUrl, region: 'eu-west-1', defaultAuthMode: 'userPool' });
  });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../api.ts';
import { synthStack, type CfnProps, type Synthesized } from './testing.ts';

/** Every policy statement attached to a role, by the role's logical id. */
function statementsOf(s: Synthesized, roleId: string): CfnProps[] {
  return (Object.values(s.resources('AWS::IAM::Policy')) as CfnProps[])
    .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as CfnProps[]);
}
const actionsOf = (statements: CfnProps[], prefix: string) =>
  statements
    .flatMap((st) => [st.Action].flat() as string[])
    .filter((a) => a.startsWith(prefix))
    .sort();
const STREAM_READ = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];

describe('least privilege', () => {
  let s: Synthesized;
  let tableArn: unknown;
  beforeAll(async () => {
    s = await synthStack(api);
    tableArn = { 'Fn::GetAtt': [Object.keys(s.resources('AWS::DynamoDB::Table'))[0], 'Arn'] };
  });
  afterAll(() => s.dispose());

  const roleOfFunction = (prefix: string) => {
    const [, fn] = Object.entries(s.resources('AWS::Lambda::Function')).find(([id]) => id.includes(prefix))!;
    return (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  };

  it('gives each stream handler exactly the DynamoDB actions it calls, on the table only (no Scan, BatchWrite, DeleteItem or index/*)', () => {
    const expected: Record<string, string[]> = {
      // PutItem: a quiet file's BODY moved up to its head (handlers/snapshot/idle.ts).
      StreamHandlerfilessnapshot: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      StreamHandlerfilesmembers: ['dynamodb:Query', 'dynamodb:UpdateItem'],
      StreamHandlerfilesnotify: ['dynamodb:Query'],
    };
    for (const [fn, actions] of Object.entries(expected)) {
      const statements = statementsOf(s, roleOfFunction(fn));
      expect(actionsOf(statements, 'dynamodb:'), fn).toEqual([...actions, ...STREAM_READ].sort());
      const tableStatements = statements.filter((st) => [st.Action].flat().some((a: string) => actions.includes(a)));
      expect(
        tableStatements.map((st) => st.Resource),
        fn,
      ).toEqual([tableArn]);
    }
  });

  it("gives the AppSync files data source GetItem, PutItem, UpdateItem, DeleteItem (a deleted file's BODY) and Query on the table and Query on byMember by name", () => {
    const [ds] = Object.values(s.resources('AWS::AppSync::DataSource')).filter((d) => d.Properties.Type === 'AMAZON_DYNAMODB');
    const roleId = (ds!.Properties.ServiceRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = statementsOf(s, roleId);
    expect(statements).toEqual([
      { Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], Effect: 'Allow', Resource: tableArn },
      { Action: 'dynamodb:Query', Effect: 'Allow', Resource: { 'Fn::Join': ['', [tableArn, '/index/byMember']] } },
    ]);
  });

  it('covers every DynamoDB operation a resolver sends with the data source grant (a new operation fails here first)', () => {
    const ops = new Set<string>();
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) {
          if (!['handlers', 'generated', 'testing'].includes(name)) walk(path);
        } else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) {
          for (const m of readFileSync(path, 'utf8').matchAll(/operation: '([A-Za-z]+)'/g)) ops.add(m[1]!);
        }
      }
    };
    walk(join(api.root, api.resolversDir));
    ops.delete('Invoke');
    // A transaction is authorized by its items' actions; the items are Put and Update (resolvers/lib/tx.ts, commit.ts).
    const needed = [...ops].flatMap((op) => (op === 'TransactWriteItems' ? ['PutItem', 'UpdateItem'] : op === 'TransactGetItems' ? ['GetItem'] : [op]));
    const ds = api.dataSources.files;
    expect(ds?.kind).toBe('DYNAMODB');
    const granted = ds?.kind === 'DYNAMODB' ? (ds.grant?.actions ?? []) : [];
    expect([...new Set(needed)].filter((a) => !granted.includes(a as never))).toEqual([]);
    expect(ops.size).toBeGreaterThan(2);
  });

  it('lets the content function write, delete, abort and tag uploads only under uploads/, read any content key, and only UpdateItem the table (upload quotas)', () => {
    const statements = statementsOf(s, roleOfFunction('Handlercontent'));
    const bucketId = Object.keys(s.resources('AWS::S3::Bucket')).find((k) => k.startsWith('DataBucketcontent'))!;
    const objects = (suffix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, suffix]] });
    expect(statements.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('s3:')))).toEqual([
      { Action: 's3:GetObject', Effect: 'Allow', Resource: objects('/*') },
      { Action: 's3:PutObject', Effect: 'Allow', Resource: objects('/uploads/*') },
      { Action: 's3:DeleteObject', Effect: 'Allow', Resource: objects('/uploads/*') },
      { Action: ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Effect: 'Allow', Resource: objects('/uploads/*') },
      { Action: ['s3:GetObjectTagging', 's3:PutObjectTagging'], Effect: 'Allow', Resource: objects('/uploads/*') },
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] } },
    ]);
    expect(statements.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('dynamodb:')))).toEqual([{ Action: 'dynamodb:UpdateItem', Effect: 'Allow', Resource: tableArn }]);
  });

  it('puts the X-Ray statement of every function in a policy of its own, and acknowledges Resource::* on that policy only', () => {
    const fns = Object.values(s.resources('AWS::Lambda::Function'));
    for (const fn of fns) expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    const xray = Object.entries(s.resources('AWS::IAM::Policy')).filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes('xray:'));
    expect(xray).toHaveLength(fns.length);
    for (const [id, p] of xray) {
      expect(id).toMatch(/XRayPolicy/);
      expect(p.Properties.PolicyDocument.Statement).toEqual([{ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' }]);
    }
    // Where Resource::* is acknowledged: an X-Ray policy, or a stream role's default policy whose only `*` is ListStreams.
    const acks = s.stack.node.findAll().filter((c) => c.node.metadata.some((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && JSON.stringify(m.data).includes('IAM5[Resource::*]')));
    expect(acks.length).toBeGreaterThan(0);
    for (const c of acks) expect(c.node.path).toMatch(/\/XRayPolicy$|^Test\/StreamHandler_[a-z_]+\/Role\/DefaultPolicy$/);
    for (const [id, p] of Object.entries(s.resources('AWS::IAM::Policy')).filter(([pid]) => /^StreamHandler.*RoleDefaultPolicy/.test(pid))) {
      const wild = (p.Properties.PolicyDocument.Statement as CfnProps[]).filter((st) => st.Resource === '*');
      expect(
        wild.map((st) => st.Action),
        id,
      ).toEqual(['dynamodb:ListStreams']);
    }
  });
});

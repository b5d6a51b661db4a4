import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../api.ts';
import { synthStack, type CfnProps, type Synthesized } from './testing.ts';

/** The snapshot handler declared in infra/api.ts, as deployed. */
describe('stream handlers', () => {
  let s: Synthesized;
  beforeAll(async () => {
    s = await synthStack(api);
  });
  afterAll(() => s.dispose());

  const snapshotFunction = (): [string, CfnProps] => {
    const fns = Object.entries(s.template.findResources('AWS::Lambda::Function')).filter(([id]) => id.startsWith('StreamHandlerfilessnapshot'));
    expect(fns).toHaveLength(1);
    return fns[0] as [string, CfnProps];
  };

  it('runs the snapshot handler on the files table stream from the oldest record, retrying then bisecting failed batches', () => {
    const [fnId] = snapshotFunction();
    const tables = Object.keys(s.template.findResources('AWS::DynamoDB::Table'));
    expect(tables).toHaveLength(1);
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      EventSourceArn: { 'Fn::GetAtt': [tables[0], 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
    });
  });

  /** Each stream handler's mapping, by the handler's folder name. */
  const mappings = (): Record<string, CfnProps> => {
    const fns = s.template.findResources('AWS::Lambda::Function');
    const out: Record<string, CfnProps> = {};
    for (const m of Object.values(s.template.findResources('AWS::Lambda::EventSourceMapping')) as CfnProps[]) {
      const fnId = (m.Properties.FunctionName as { Ref: string }).Ref;
      const folder = /^StreamHandlerfiles([a-z]+)/.exec(fnId)?.[1];
      if (folder && fns[fnId] && m.Properties.EventSourceArn['Fn::GetAtt']?.[1] === 'StreamArn') out[folder] = m.Properties;
    }
    return out;
  };

  it('never drops a batch silently: partial batch responses, a maximum record age and an on-failure queue per handler', () => {
    const all = mappings();
    expect(Object.keys(all).sort()).toEqual(['members', 'notify', 'snapshot']);
    const queues = new Set<string>();
    for (const [name, m] of Object.entries(all)) {
      expect(m.FunctionResponseTypes, name).toEqual(['ReportBatchItemFailures']);
      expect(m.MaximumRecordAgeInSeconds, name).toBe(12 * 3600);
      expect(m.BisectBatchOnFunctionError, name).toBe(true);
      const dest = m.DestinationConfig.OnFailure.Destination as { 'Fn::GetAtt': [string, string] };
      expect(dest['Fn::GetAtt'][1]).toBe('Arn');
      const queue = s.template.findResources('AWS::SQS::Queue')[dest['Fn::GetAtt'][0]];
      expect(queue, `${name}'s failure destination is a queue of the stack`).toBeDefined();
      expect(queue!.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
      queues.add(dest['Fn::GetAtt'][0]);
    }
    expect(queues.size, 'one failure queue per handler').toBe(3);
  });

  it('filters the records each handler acts on: notify and members only new change records (members only MODIFYs), snapshot also head updates and expired idempotency records', () => {
    const patterns = (name: string) => (mappings()[name]!.FilterCriteria.Filters as Array<{ Pattern: string }>).map((f) => JSON.parse(f.Pattern) as unknown);
    const changeInserted = { eventName: ['INSERT'], dynamodb: { Keys: { pk: { S: [{ prefix: 'FILE#' }] }, sk: { S: [{ prefix: 'V#' }] } } } };
    expect(patterns('notify')).toEqual([changeInserted]);
    expect(patterns('members')).toEqual([{ eventName: ['INSERT'], dynamodb: { ...changeInserted.dynamodb, NewImage: { op: { S: ['MODIFY'] } } } }]);
    expect(patterns('snapshot')).toEqual([
      changeInserted,
      { eventName: ['MODIFY'], dynamodb: { Keys: { pk: { S: [{ prefix: 'FILE#' }] }, sk: { S: ['HEAD'] } } } },
      { eventName: ['REMOVE'], dynamodb: { Keys: { pk: { S: [{ prefix: 'FILE#' }] }, sk: { S: [{ prefix: 'REQ#' }] } } } },
    ]);
  });

  it('lets each function send only to its own failure queue', () => {
    for (const [name, m] of Object.entries(mappings())) {
      const queueId = (m.DestinationConfig.OnFailure.Destination as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const fn = s.template.findResources('AWS::Lambda::Function')[(m.FunctionName as { Ref: string }).Ref]!;
      const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const sqs = (Object.values(s.template.findResources('AWS::IAM::Policy')) as CfnProps[])
        .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as CfnProps[])
        .filter((st) => [st.Action].flat().some((a: string) => a.startsWith('sqs:')));
      expect(
        sqs.map((st) => st.Resource),
        name,
      ).toEqual([{ 'Fn::GetAtt': [queueId, 'Arn'] }]);
    }
  });

  it('refuses more than five filters on one handler', async () => {
    const handlers = api.streamHandlers!.map((h) => (h.handler.endsWith('notify/handler.ts') ? { ...h, filters: Array.from({ length: 6 }, () => ({ eventName: ['INSERT'] })) } : h));
    await expect(synthStack({ ...api, streamHandlers: handlers })).rejects.toThrow(/notify\/handler.ts declares 6 filters; Lambda allows 5/);
  });

  it('gives it the table and bucket names and only the grants it declares: S3 writes, deletes and lists only under snapshots/', () => {
    const [, fn] = snapshotFunction();
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(env).sort()).toEqual(['CONTENT_BUCKET', 'FILES_TABLE', 'LOG_LEVEL', 'NODE_OPTIONS']);
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const policies = Object.values(s.template.findResources('AWS::IAM::Policy')).filter((p: CfnProps) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId));
    const actions = policies.flatMap((p: CfnProps) => (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap((st) => st.Action));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 's3:GetObject', 's3:PutObject', 'dynamodb:GetRecords']));
    expect(actions).not.toContain('s3:*');
    expect(actions).not.toContain('dynamodb:*');
    // S3: reads any content object (a snapshot's base may be an upload); writes, deletes and lists only snapshots/.
    const bucketId = Object.keys(s.template.findResources('AWS::S3::Bucket')).find((k) => k.startsWith('DataBucketcontent'))!;
    const objects = (suffix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, suffix]] });
    const s3Statements = policies
      .flatMap((p: CfnProps) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>)
      .filter((st) => [st.Action].flat().some((a) => a.startsWith('s3:')));
    expect(s3Statements).toEqual([
      { Action: 's3:GetObject', Effect: 'Allow', Resource: objects('/*') },
      { Action: 's3:PutObject', Effect: 'Allow', Resource: objects('/snapshots/*') },
      { Action: 's3:DeleteObject', Effect: 'Allow', Resource: objects('/snapshots/*') },
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] }, Condition: { StringLike: { 's3:prefix': ['snapshots/*'] } } },
    ]);
    s.template.hasResourceProperties('AWS::Lambda::Function', Match.objectLike({ Runtime: Match.stringLikeRegexp('nodejs') }));
  });

  it('refuses an object grant on a bucket the definition does not declare', async () => {
    const handlers = api.streamHandlers!.map((h) => (h.handler.endsWith('snapshot/handler.ts') ? { ...h, grants: { objects: [{ bucket: 'attic', read: [''] }] } } : h));
    await expect(synthStack({ ...api, streamHandlers: handlers })).rejects.toThrow(/stream handler resolvers\/handlers\/snapshot\/handler.ts grants: bucket "attic" is not declared/);
  });
});

/**
 * A to-do API written in the style of AWS's AppSync samples, as `cdk synth` writes it (a template
 * plus its assets, fixtures/todos), loaded through the template path and run end to end; and the
 * loader refusing, by name, what it cannot run.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverResolvers } from '../../wiring/discover.ts';
import { gql, startStack, type TestStack } from '../../../test/e2e/harness.ts';
import type { BusEvent } from '../services/event-bus.ts';
import { loadTemplate, TemplateError } from './load.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'todos');
const TEMPLATE = join(FIXTURE, 'Todos.template.json');
const temps: string[] = [];
const temp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** The fixture with its template changed by `edit`, in a folder of its own. */
function variant(edit: (resources: Record<string, { Type: string; Properties: Record<string, unknown> }>) => void): string {
  const dir = temp('craft-sync-template-variant-');
  cpSync(FIXTURE, dir, { recursive: true });
  const t = JSON.parse(readFileSync(TEMPLATE, 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  edit(t.Resources);
  writeFileSync(join(dir, 'Todos.template.json'), JSON.stringify(t));
  return join(dir, 'Todos.template.json');
}

const loadError = (path: string): Error => {
  try {
    loadTemplate(path, { outDir: temp('craft-sync-template-out-') });
  } catch (e) {
    return e as Error;
  }
  throw new Error('loaded');
};

describe('a template in the style of the AWS samples', () => {
  it('loads auth, schema, data sources, resolvers and the table into a definition', () => {
    const { api, notes } = loadTemplate(TEMPLATE, { outDir: temp('craft-sync-template-out-') });
    expect(api.name).toBe('todos-prod');
    expect(api.authentication).toEqual({ default: 'API_KEY' });
    expect(api.tables).toEqual({
      TodosTable: {
        partitionKey: { name: 'owner', type: 'S' },
        sortKey: { name: 'id', type: 'S' },
        globalSecondaryIndexes: [{ indexName: 'byId', partitionKey: { name: 'id', type: 'S' } }],
        localSecondaryIndexes: [{ indexName: 'byTitle', partitionKey: { name: 'owner', type: 'S' }, sortKey: { name: 'title', type: 'S' } }],
        stream: 'NEW_IMAGE',
        timeToLiveAttribute: 'expiresAt',
        deployedName: 'todos-prod',
      },
    });
    expect(api.dataSources).toEqual({
      todos: { kind: 'DYNAMODB', table: 'TodosTable' },
      none: { kind: 'NONE' },
      bus: { kind: 'EVENTBRIDGE', bus: 'Todos-prod-bus' },
      weather: { kind: 'HTTP', endpoint: 'https://weather.example.com' },
    });
    expect(api.environment).toEqual({ TODOS_TABLE: { tableName: 'TodosTable' }, STAGE: 'prod' });
    const wiring = discoverResolvers(api).map((r) => [`${r.typeName}.${r.fieldName}`, r.kind, r.dataSource ?? r.functions.map((f) => `${f.name}:${f.dataSource}`).join(',')]);
    expect(wiring).toEqual([
      ['Mutation.announce', 'UNIT', 'bus'],
      ['Mutation.batchPutTodos', 'UNIT', 'todos'],
      ['Mutation.putTodo', 'PIPELINE', 'Mutation_putTodo_1_validate:none,Mutation_putTodo_2_put:todos'],
      ['Mutation.transactPutTodo', 'UNIT', 'todos'],
      ['Query.batchGetTodos', 'UNIT', 'todos'],
      ['Query.getTodo', 'UNIT', 'todos'],
      ['Query.todosByTitle', 'UNIT', 'todos'],
      ['Query.transactGetTodos', 'UNIT', 'todos'],
      ['Query.weather', 'UNIT', 'weather'],
    ]);
    const said = notes.join('\n');
    expect(said).toMatch(/additional authentication "OPENID_CONNECT" is not emulated/);
    expect(said).toMatch(/byId\): projection KEYS_ONLY is created as ALL locally/);
    expect(said).toMatch(/data source weather \(WeatherDataSource\): https:\/\/weather\.example\.com is not a loopback endpoint; locally its calls fail until --http-endpoint weather=/);
    expect(said).toMatch(/not loaded \(no local counterpart\): AWS::AppSync::ApiKey, AWS::IAM::Role/);
  });

  describe('running', () => {
    let stack: TestStack;
    let key: Record<string, string>;
    const events: BusEvent[] = [];
    beforeAll(async () => {
      stack = await startStack(loadTemplate(TEMPLATE, { outDir: temp('craft-sync-template-out-') }).api);
      key = { 'x-api-key': stack.runtime.apiKey! };
      stack.runtime.bus.addRule({ name: 'seen', bus: 'Todos-prod-bus', eventPattern: { source: ['todos'] }, targets: [{ handler: (e) => void events.push(e) }] });
    }, 120_000);
    afterAll(async () => stack?.stop());
    const call = async (query: string, variables: Record<string, unknown> = {}) => (await gql(stack.runtime.graphqlUrl, query, variables, key)).body;
    const PUT = 'mutation($input: PutTodoInput!) { putTodo(input: $input) { owner id title description done } }';

    it('writes through the pipeline, a missing optional field as null (toMapValues)', async () => {
      const put = await call(PUT, { input: { owner: 'ann', id: 't1', title: 'water plants' } });
      expect(put).toEqual({ data: { putTodo: { owner: 'ann', id: 't1', title: 'water plants', description: null, done: false } } });
      const got = await call('query { getTodo(owner: "ann", id: "t1") { title description done } }');
      expect(got).toEqual({ data: { getTodo: { title: 'water plants', description: null, done: false } } });
    });

    it('runs the pipeline function that refuses input', async () => {
      const bad = await call(PUT, { input: { owner: 'ann', id: 't2', title: '  ' } });
      expect(bad.data).toEqual({ putTodo: null });
      expect(bad.errors?.[0]).toMatchObject({ message: 'title must not be blank', errorType: 'InvalidInput' });
    });

    it('queries the local secondary index (code joined with Fn::Join)', async () => {
      await call(PUT, { input: { owner: 'bob', id: 'b1', title: 'c-third', description: 'x' } });
      await call(PUT, { input: { owner: 'bob', id: 'b2', title: 'a-first' } });
      await call(PUT, { input: { owner: 'bob', id: 'b3', title: 'b-second', done: true } });
      const listed = await call('query { todosByTitle(owner: "bob") { id title } }');
      expect(listed).toEqual({ data: { todosByTitle: ['a-first', 'b-second', 'c-third'].map((title, i) => ({ id: ['b2', 'b3', 'b1'][i], title })) } });
    });

    it('puts events on the bus named by Fn::Sub', async () => {
      const out = await call('mutation { announce(id: "t1") }');
      expect(out).toEqual({ data: { announce: true } });
      await stack.runtime.bus.flush();
      expect(events.map((e) => [e.source, e['detail-type'], e.detail])).toEqual([['todos', 'TodoAnnounced', { id: 't1' }]]);
    });
  });

  describe('batch and transaction requests name a table by its deployed name or by its key', () => {
    let stack: TestStack;
    let key: Record<string, string>;
    beforeAll(async () => {
      stack = await startStack(loadTemplate(TEMPLATE, { outDir: temp('craft-sync-template-out-') }).api);
      key = { 'x-api-key': stack.runtime.apiKey! };
    }, 120_000);
    afterAll(async () => stack?.stop());
    const call = async (query: string, variables: Record<string, unknown> = {}) => (await gql(stack.runtime.graphqlUrl, query, variables, key)).body;

    for (const table of ['todos-prod', 'TodosTable']) {
      it(`BatchPutItem, BatchGetItem, TransactWriteItems, TransactGetItems on "${table}"`, async () => {
        const owner = `owner-${table}`;
        const put = await call('mutation($t: String!, $o: String!) { batchPutTodos(table: $t, owner: $o, ids: ["1", "2"]) { id title description } }', { t: table, o: owner });
        expect(put).toEqual({
          data: {
            batchPutTodos: [
              { id: '1', title: 'batch 1', description: null },
              { id: '2', title: 'batch 2', description: null },
            ],
          },
        });
        const tx = await call('mutation($t: String!, $o: String!) { transactPutTodo(table: $t, owner: $o, id: "3") }', { t: table, o: owner });
        expect(tx).toEqual({ data: { transactPutTodo: true } });
        // Read back under the other name: both reach the one local table.
        const other = table === 'todos-prod' ? 'TodosTable' : 'todos-prod';
        const got = await call('query($t: String!, $o: String!) { batchGetTodos(table: $t, owner: $o, ids: ["1", "3", "9"]) { id title } }', { t: other, o: owner });
        expect(got).toEqual({ data: { batchGetTodos: [{ id: '1', title: 'batch 1' }, { id: '3', title: 'transact 3' }, null] } });
        const txGot = await call('query($t: String!, $o: String!) { transactGetTodos(table: $t, owner: $o, ids: ["2", "3"]) { id title } }', { t: table, o: owner });
        expect(txGot).toEqual({
          data: {
            transactGetTodos: [
              { id: '2', title: 'batch 2' },
              { id: '3', title: 'transact 3' },
            ],
          },
        });
      });
    }

    it('a table name that is neither fails as DynamoDB does', async () => {
      const out = await call('query { batchGetTodos(table: "todos-staging", owner: "x", ids: ["1"]) { id } }');
      expect(out.data).toEqual({ batchGetTodos: null });
      expect(out.errors?.[0]?.errorType).toMatch(/^DynamoDB:ResourceNotFoundException$/);
    });
  });

  describe('refuses what it cannot run, by name', () => {
    it('a VTL resolver', () => {
      const path = variant((r) => {
        const p = r.GetTodoResolver!.Properties;
        delete p.Code;
        delete p.Runtime;
        p.RequestMappingTemplate = '{"version": "2018-05-29", "operation": "GetItem"}';
      });
      const e = loadError(path);
      expect(e).toBeInstanceOf(TemplateError);
      expect(e.message).toMatch(/resolver Query\.getTodo \(GetTodoResolver\): VTL mapping templates \(RequestMappingTemplate\) are not emulated/);
    });

    it('an intrinsic function it does not resolve', () => {
      const e = loadError(variant((r) => void (r.TodosDataSource!.Properties.Name = { 'Fn::ImportValue': 'shared-name' })));
      expect(e.message).toMatch(/TodosDataSource Name: Fn::ImportValue is not supported by the local template loader/);
    });

    it('a missing asset', () => {
      const e = loadError(variant((r) => void (r.PutFunction!.Properties.CodeS3Location = 's3://cdk-assets/gone.js')));
      expect(e.message).toMatch(/function PutFunction \(in Mutation\.putTodo\) CodeS3Location: the asset s3 object "gone\.js" is not in/);
    });

    it('a default auth mode the runtime does not have', () => {
      const e = loadError(variant((r) => void (r.TodoApi!.Properties.AuthenticationType = 'AWS_LAMBDA')));
      expect(e.message).toMatch(/TodoApi: default authentication "AWS_LAMBDA" is not emulated/);
    });

    it('a table that is not in the template', () => {
      const e = loadError(variant((r) => void (r.TodosDataSource!.Properties.DynamoDBConfig = { TableName: 'elsewhere' })));
      expect(e.message).toMatch(/data source todos \(TodosDataSource\): table "elsewhere" is not an AWS::DynamoDB::Table of this template/);
    });

    it('an unsupported data source type runs as a stand-in that says so on every call', () => {
      const { api, notes } = loadTemplate(
        variant((r) => void (r.NoneDataSource!.Properties.Type = 'AMAZON_OPENSEARCH_SERVICE')),
        { outDir: temp('craft-sync-template-out-') },
      );
      expect(api.dataSources.none?.kind).toBe('LAMBDA');
      expect(notes.join('\n')).toMatch(/data source none \(NoneDataSource\): data source type AMAZON_OPENSEARCH_SERVICE is not emulated; calls fail locally/);
    });
  });
});

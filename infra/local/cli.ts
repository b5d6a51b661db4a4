/**
 * `npm start` — runs the local stack for an API declaration (`infra/api.ts` by default) and prints
 * how to reach it. Also: `user add <email> <password> [--group G]...` and `token <email> <password>`
 * against the issuer of a running (or stopped) stack in the same data directory, and
 * `amplify-outputs` (a deployed stack's amplify_outputs.json from its CDK outputs).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ApiDefinition } from '../wiring/types.ts';
import { pickStack } from '../../client/sdk/amplify-config.ts';
import { amplifyOutputsFromCdk, type AppSyncAuthType } from '../../client/sdk/amplify-outputs.ts';
import { startRuntime } from './runtime.ts';
import { startCognito } from './services/cognito.ts';
import { LocalQueue } from './services/queue.ts';
import { installLastResort } from './net/harden.ts';
import { loadOrCreateSecrets } from './secrets.ts';
import { defaultDataDir, RUNTIME_NAME } from './names.ts';
import { NOTIFICATIONS_VARIABLE } from './services/notifications-config.ts';
import { loadCloudAssembly, loadTemplate } from './template/load.ts';

// The project pins Node 20 and SDK versions that support it (see README); the SDK's notice that
// later releases will need Node 22 is not for users of the local stack.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = `usage:
  start [--port 4455] [--data-dir .<api name>] [--api infra/api.ts] [--in-memory]   # --in-memory without --data-dir: nothing outlives the run
  start --template cdk.out/Stack.template.json | --cdk-out cdk.out [--stack NAME] [--graphql-api LOGICAL_ID] [...]   # an AppSync API from a synthesized CloudFormation template
        [--http-endpoint DATASOURCE=http://127.0.0.1:PORT]...   # an HTTP data source's calls go to a loopback stand-in
  user add <email> <password> [--group NAME]... [--data-dir .<api name>]
  token <email> <password> [--data-dir .<api name>]
  queue receive [name] [--max 10] [--delete] [--data-dir .<api name>]   # local notification queue, one JSON message per line
The data directory defaults to \`.<name>\` of the API \`--api\` names (a template's API: ${defaultDataDir()}).
  amplify-outputs <cdk-outputs.json> [--stack NAME] [--api infra/api.ts] [--out amplify_outputs.json]   # Gen 2 config of a deployed stack`;

async function loadApi(path: string): Promise<ApiDefinition> {
  const mod = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  const api = (mod.api ?? mod.default ?? Object.values(mod).find((v) => v && typeof v === 'object' && 'resolversDir' in v)) as ApiDefinition | undefined;
  if (!api) throw new Error(`${path} exports no ApiDefinition (export const api = {...})`);
  return api;
}

/**
 * The API to start: a declaration module (`--api`), or one loaded from a synthesized template
 * (`--template` file or `--cdk-out` folder), its code written under `<data dir>/template`. What
 * the template holds that does not run locally is printed, one line each.
 */
async function apiToStart(values: { api?: string; template?: string; 'cdk-out'?: string; stack?: string; 'graphql-api'?: string }, dataDir: string): Promise<ApiDefinition> {
  if (values.template && values['cdk-out']) throw new UsageError('give --template or --cdk-out, not both');
  if (!values.template && !values['cdk-out']) return loadApi(values.api!);
  const opts = { outDir: join(dataDir, 'template'), graphqlApi: values['graphql-api'] };
  const { api, notes } = values.template ? loadTemplate(values.template, opts) : loadCloudAssembly(values['cdk-out']!, { ...opts, stack: values.stack });
  for (const n of notes) console.log(`template: ${n}`);
  return api;
}

/** The issuer of the data directory: the running stack's, or one started just for this command. */
async function withCognito<T>(dataDir: string, fn: (c: Awaited<ReturnType<typeof startCognito>>) => Promise<T>): Promise<T> {
  // Admin calls are signed with the data directory's dev credentials, which the running issuer accepts.
  const { iam } = loadOrCreateSecrets(join(dataDir, 'secrets.json'), ['AMAZON_COGNITO_USER_POOLS']);
  const cognito = await startCognito({ dataDir: join(dataDir, 'cognito'), adminCredentials: iam!, ...runningCognitoPort(dataDir) });
  try {
    return await fn(cognito);
  } finally {
    await cognito.stop();
  }
}

function runningCognitoPort(dataDir: string): { attachTo?: string } {
  const file = join(dataDir, 'runtime.json');
  if (!existsSync(file)) return {};
  const info = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; cognito?: { endpoint: string } };
  try {
    process.kill(info.pid, 0);
    return info.cognito ? { attachTo: info.cognito.endpoint } : {};
  } catch {
    return {};
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      api: { type: 'string', default: 'infra/api.ts' },
      template: { type: 'string' },
      'cdk-out': { type: 'string' },
      'graphql-api': { type: 'string' },
      'http-endpoint': { type: 'string', multiple: true },
      'in-memory': { type: 'boolean', default: false },
      group: { type: 'string', multiple: true },
      max: { type: 'string', default: '10' },
      stack: { type: 'string' },
      out: { type: 'string', default: 'amplify_outputs.json' },
      delete: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  // `start --in-memory` without a data directory keeps nothing: the files the stack still needs
  // while it runs (TLS CA, issuer state, dev secrets, config files) go to a temporary directory
  // removed when it stops.
  const ephemeral = command === 'start' && values['in-memory'] && values['data-dir'] === undefined;
  const fromTemplate = Boolean(values.template || values['cdk-out']);
  const defaultDir = await defaultDataDirFor(fromTemplate ? undefined : values.api);
  const dataDir = ephemeral ? mkdtempSync(join(tmpdir(), `${RUNTIME_NAME}-in-memory-`)) : resolve(values['data-dir'] ?? defaultDir);
  const removeEphemeral = () => {
    if (ephemeral) rmSync(dataDir, { recursive: true, force: true });
  };
  if (command === 'start') {
    const started = Date.now();
    // Every server guards its own requests; this catches what slips past them, so no request ends the stack.
    installLastResort((l) => process.stderr.write(`${l}\n`));
    // A declared browser app is bundled afresh on every start (esbuild, offline), alongside the
    // services starting rather than before them; the runtime serves the folder once both are done.
    const api = await apiToStart(values, dataDir).catch((e: unknown) => {
      removeEphemeral();
      throw e;
    });
    const webAppDir = api.webApp ? join(dataDir, 'web') : undefined;
    const starting = Promise.all([
      startRuntime({
        api,
        dataDir,
        inMemory: values['in-memory'],
        httpEndpoints: httpEndpoints(values['http-endpoint'] ?? []),
        port: values.port ? Number(values.port) : 4455,
        webAppDir,
      }),
      webAppDir ? buildDeclaredWebApp(api, webAppDir) : undefined,
    ]);
    const [runtime] = await starting.catch((e: unknown) => {
      removeEphemeral();
      throw e;
    });
    const ms = Date.now() - started;
    const webApp = runtime.webAppUrl
      ? `\n  Browser app:         ${runtime.webAppUrl}  (live editing needs wss://: trust ${runtime.caCertPath} in the browser, or open ${runtime.webAppUrl.replace('http://', 'https://')} once and accept its certificate)`
      : '';
    console.log(`local AppSync runtime ready in ${ms} ms, serving the API "${api.name}"${webApp}
  GraphQL (HTTP):      ${runtime.graphqlUrl}
  Real-time (wss):     ${runtime.realtimeUrl}
  Amplify config:      ${runtime.amplifyConfigPath}
  Amplify Gen 2:       ${runtime.amplifyOutputsPath}  (the issuer's endpoint in its custom section)
  TLS CA (Node):       NODE_EXTRA_CA_CERTS=${runtime.caCertPath}
  DynamoDB Local:      ${runtime.dynamodb.endpoint}${runtime.cognito ? `\n  Cognito issuer:      ${runtime.cognito.endpoint} (pool ${runtime.cognito.userPoolId}, client ${runtime.cognito.clientId})` : ''}${runtime.apiKey ? `\n  API key:             ${runtime.apiKey}` : ''}
  Data directory:      ${runtime.dataDir}${notificationsBanner(runtime)}
Dev users and tokens (in another terminal):
  npm run local-stack -- user add alice@example.com 'Passw0rd!'${dataDirFlag(dataDir, defaultDir)}
  npm run local-stack -- token alice@example.com 'Passw0rd!'${dataDirFlag(dataDir, defaultDir)}   # prints an access token for the authorization header`);
    const shutdown = () => {
      runtime.stop().then(
        () => {
          removeEphemeral();
          process.exit(0);
        },
        () => {
          removeEphemeral();
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    return -1; // keep running
  }
  if (command === 'user' && sub === 'add') {
    const [email, password] = rest;
    if (!email || !password) throw new UsageError('user add needs <email> <password>');
    const user = await withCognito(dataDir, (c) => c.createUser({ email, password, groups: values.group ?? [] }));
    console.log(JSON.stringify({ email, sub: user.sub, groups: values.group ?? [] }));
    return 0;
  }
  if (command === 'token') {
    const [email, password] = [sub, ...rest];
    if (!email || !password) throw new UsageError('token needs <email> <password>');
    const tokens = await withCognito(dataDir, (c) => c.signIn(email, password));
    console.log(tokens.accessToken);
    return 0;
  }
  if (command === 'amplify-outputs') {
    if (!sub) throw new UsageError('amplify-outputs needs the file `cdk deploy --outputs-file` wrote');
    const stack = pickStack(JSON.parse(readFileSync(sub, 'utf8')) as Record<string, unknown>, values.stack);
    const { authentication } = await loadApi(values.api!);
    const outputs = amplifyOutputsFromCdk(stack, { defaultAuthType: authentication.default as AppSyncAuthType, additionalAuthTypes: authentication.additional as AppSyncAuthType[] | undefined });
    writeFileSync(values.out!, `${JSON.stringify(outputs, null, 2)}\n`);
    console.log(resolve(values.out!));
    return 0;
  }
  if (command === 'queue' && sub === 'receive') {
    const name = rest[0] ?? 'notifications';
    const dir = join(dataDir, 'queues', name);
    if (!existsSync(dir)) throw new UsageError(`no local queue "${name}" in ${dataDir}`);
    const queue = new LocalQueue(name, dir);
    for (const m of queue.receive(Number(values.max))) {
      console.log(JSON.stringify(m));
      if (values.delete) queue.delete(m.ReceiptHandle);
    }
    return 0;
  }
  throw new UsageError(`unknown command: ${positionals.join(' ')}`);
}

class UsageError extends Error {}

/**
 * `.<api name>`: of the declaration module (the dev-user commands load it for its name, so they
 * find the same directory `start` used), or the neutral name for a template's API.
 */
async function defaultDataDirFor(apiModule: string | undefined): Promise<string> {
  if (!apiModule) return defaultDataDir();
  return defaultDataDir((await loadApi(apiModule)).name);
}

/** Runs the `buildWebApp(outDir)` of the module the declaration names. */
async function buildDeclaredWebApp(api: ApiDefinition, outDir: string): Promise<void> {
  const module = resolve(api.root, api.webApp!.build);
  const mod = (await import(pathToFileURL(module).href)) as { buildWebApp?: (dir: string) => Promise<unknown> };
  if (typeof mod.buildWebApp !== 'function') throw new Error(`webApp.build: ${module} exports no buildWebApp(outDir)`);
  await mod.buildWebApp(outDir);
}

/** `--http-endpoint name=http://127.0.0.1:PORT`: where an HTTP data source's calls go locally. */
function httpEndpoints(given: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const g of given) {
    const eq = g.indexOf('=');
    if (eq <= 0) throw new UsageError(`--http-endpoint takes <data source>=<url>, not "${g}"`);
    out[g.slice(0, eq)] = g.slice(eq + 1);
  }
  return out;
}

/**
 * The `--data-dir` a printed hint must carry: the dev-user commands find the stack (its issuer and
 * pool) by data directory only, so a hint without it lands in the default pool. The port needs no
 * flag: they read it from `<data dir>/runtime.json`.
 */
function dataDirFlag(dataDir: string, defaultDir: string): string {
  if (dataDir === resolve(defaultDir)) return '';
  return ` --data-dir ${/^[\w@%+=:,./-]+$/.test(dataDir) ? dataDir : `'${dataDir.replace(/'/g, `'\\''`)}'`}`;
}

/** Where FileChanged events go locally (README "Notifications"). */
function notificationsBanner(runtime: Awaited<ReturnType<typeof startRuntime>>): string {
  const n = runtime.notifications;
  if (!n) return '';
  const lines = [`\n  EventBridge (local): ${n.eventsEndpoint} (PutEvents only)`];
  for (const [key, t] of Object.entries(n.topics)) lines.push(`  Topic ${key}:`.padEnd(23) + t.outboxDir);
  for (const [key, q] of Object.entries(n.queues)) lines.push(`  Queue ${key}:`.padEnd(23) + q.dir);
  lines.push('  Dead-letter queue:'.padEnd(23) + n.deadLetterQueue.dir);
  lines.push(`  Webhooks:            ${n.webhooks.length ? n.webhooks.join(', ') : `none (set them in the file ${NOTIFICATIONS_VARIABLE} names or <data dir>/notifications.json)`}`);
  return lines.join('\n');
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: unknown) => {
    console.error(e instanceof UsageError ? `${e.message}\n${USAGE}` : `error: ${(e as Error).message}`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);

/**
 * `craft-sync` — the command-line client. Run it with `npm run craft-sync -- <command>` (or the
 * `craft-sync` bin). Sign in once with `login`; every other command uses the stored profile.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createSession, fileStorage, loadConfigFile, toCraftSyncError } from '../sdk/index.ts';
import * as cmd from './commands.ts';
import { syncDir } from './dirsync.ts';
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from './exit-codes.ts';
import { flushAndExit, watchStdout } from './exit.ts';
import { output } from './output.ts';
import { openProfile, profileDir } from './profile.ts';

// Node 20 has no WebSocket; Amplify's real-time client needs one.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const USAGE = `usage: craft-sync <command> [options]
  dev [--data-dir .craft-sync] [--port 4455]      start the local stack (npm start)
  user add <email> --password P [--data-dir D]     create a dev user on the local issuer
  login <email> --password P [--config FILE]       sign in; FILE = amplify-config.json (default
        [--stack NAME]                             <data-dir>/amplify-config.json) or CDK outputs JSON
                                                   (--stack: which stack, when it holds several)
  put <path> [--name N] [--type MIME]              insert a file, prints its id
  get <id> [--version N] [--out PATH]              print (or save) the latest or an older version
  push <id> <path>                                 replace a file's content (merged on conflict)
  rm <id>                                          delete a file (owner only)
  ls [--all]                                       the files you can see (--all: with deleted)
  whoami                                           your user id (the \`sub\` others share with)
  share <id> <user-sub> --as editor|viewer         grant a role (owner only; they learn their
                                                   <user-sub> with \`craft-sync whoami\`)
  mute <id> / unmute <id>                          stop / resume notifications of a file's changes to you
  history <id>                                     the file's changes
  watch <id>                                       print live changes until Ctrl-C
  sync <dir> [--interval MS] [--create]            keep a folder and the server in step, both ways
                                                   (its regular files; symlinks, devices, sockets and
                                                   FIFOs skipped, never followed; --create: make <dir>)
options: --profile DIR (default ~/.craft-sync or $CRAFT_SYNC_HOME), --json (machine output), -h
The password may come from $CRAFT_SYNC_PASSWORD instead of --password.
${EXIT_CODES_HELP}`;

class UsageError extends Error {}

const COMMANDS = ['dev', 'user', 'login', 'whoami', 'put', 'get', 'push', 'rm', 'ls', 'share', 'mute', 'unmute', 'history', 'watch', 'sync'];

async function main(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      profile: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
      password: { type: 'string' },
      config: { type: 'string' },
      stack: { type: 'string' },
      'data-dir': { type: 'string', default: '.craft-sync' },
      port: { type: 'string' },
      name: { type: 'string' },
      type: { type: 'string' },
      version: { type: 'string' },
      out: { type: 'string' },
      as: { type: 'string' },
      all: { type: 'boolean' },
      interval: { type: 'string' },
      create: { type: 'boolean' },
    },
  });
  const [command, ...args] = positionals;
  if (v.help || !command) {
    console.log(USAGE);
    return v.help ? EXIT.OK : EXIT.USAGE;
  }
  if (!COMMANDS.includes(command)) throw new UsageError(`unknown command: ${command}`);
  const out = output(v.json!);
  const profile = openProfile(profileDir(v.profile));
  const need = (n: number, what: string) => {
    if (args.length < n) throw new UsageError(`${command} needs ${what}`);
    return args;
  };
  const password = () => {
    const p = v.password ?? process.env.CRAFT_SYNC_PASSWORD;
    if (!p) throw new UsageError('a password is needed: --password or $CRAFT_SYNC_PASSWORD');
    return p;
  };

  // dev and user add run the local runtime, which only a checkout of the repository has (not the package).
  const localCli = join(ROOT, 'infra/local/cli.ts');
  if ((command === 'dev' || command === 'user') && !existsSync(localCli)) {
    throw new UsageError(`${command} runs the local stack, which is not part of the installed client: run it from a craft-sync checkout (npm start, npm run cli -- user add)`);
  }
  if (command === 'dev') {
    const extra = ['--data-dir', v['data-dir']!, ...(v.port ? ['--port', v.port] : [])];
    return run(['--import', 'tsx', localCli, 'start', ...extra]);
  }
  if (command === 'user') {
    const [sub, email] = need(2, 'add <email>');
    if (sub !== 'add' || !email) throw new UsageError('usage: user add <email> --password P');
    return run(['--import', 'tsx', localCli, 'user', 'add', email, password(), '--data-dir', v['data-dir']!]);
  }
  if (command === 'login') {
    const [email] = need(1, '<email>');
    const config = loadConfigFile(resolve(v.config ?? join(v['data-dir']!, 'amplify-config.json')), v.stack);
    const session = await profile.login(config, email!, password());
    const user = await session.currentUser();
    out.result({ sub: user.sub, username: user.username, profile: profile.dir }, `signed in as ${user.username} (${user.sub}); profile ${profile.dir}`);
    return EXIT.OK;
  }
  if (command === 'whoami') {
    // The id others pass to `share`: the Cognito `sub` of the stored sign-in (needs no wss://).
    const user = await createSession(profile.config(), { storage: fileStorage(join(profile.dir, 'auth')) }).currentUser();
    out.result({ sub: user.sub, username: user.username }, user.sub);
    return EXIT.OK;
  }

  if (command === 'sync') {
    // A typo'd path must not become a new folder with every file downloaded into it.
    const dir = resolve(need(1, '<dir>')[0]!);
    const st = statSync(dir, { throwIfNoEntry: false });
    if (!st && v.create) mkdirSync(dir, { recursive: true });
    else if (!st) return refuse(`sync: there is no folder ${dir} (check the path, or add --create to create it)`);
    else if (!st.isDirectory()) return refuse(`sync: ${dir} is not a folder`);
  }

  // Everything below talks to the API; wss:// to the local runtime needs its CA trusted at start-up.
  const ca = profile.config().caCertPath;
  if (ca && process.env.NODE_EXTRA_CA_CERTS !== ca && !process.env.CRAFT_SYNC_REEXEC) {
    return run([...process.execArgv, ...process.argv.slice(1)], { NODE_EXTRA_CA_CERTS: ca, CRAFT_SYNC_REEXEC: '1' });
  }
  const api = await profile.api();
  switch (command) {
    case 'put':
      await cmd.put(api, out, need(1, '<path>')[0]!, { name: v.name, type: v.type });
      break;
    case 'get':
      return cmd.get(api, out, need(1, '<id>')[0]!, { version: v.version === undefined ? undefined : intArg(v.version, '--version'), out: v.out });
      break;
    case 'push': {
      const [id, path] = need(2, '<id> <path>');
      await cmd.push(api, out, profile.store(), id!, path!);
      break;
    }
    case 'rm':
      await cmd.rm(api, out, need(1, '<id>')[0]!);
      break;
    case 'ls':
      await cmd.ls(api, out, { all: v.all });
      break;
    case 'share': {
      const [id, user] = need(2, '<id> <user-sub>');
      if (!v.as) throw new UsageError('share needs --as editor|viewer');
      await cmd.share(api, out, id!, user!, v.as);
      break;
    }
    case 'mute':
    case 'unmute':
      await cmd.notifications(api, out, need(1, '<id>')[0]!, command === 'mute');
      break;
    case 'history':
      await cmd.history(api, out, need(1, '<id>')[0]!);
      break;
    case 'watch':
      await cmd.watchFile(api, out, profile.store(), need(1, '<id>')[0]!);
      break;
    case 'sync': {
      const dir = resolve(need(1, '<dir>')[0]!);
      const sync = await syncDir(api, dir, { intervalMs: v.interval ? intArg(v.interval, '--interval') : undefined, log: (l) => out.json ? out.result({ event: l }, '') : out.note(l) });
      out.note(`syncing ${dir} (Ctrl-C to stop)`);
      await new Promise<void>((r) => {
        process.once('SIGINT', r);
        process.once('SIGTERM', r);
      });
      await sync.stop();
      break;
    }
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
  return EXIT.OK;
}

/** A usage error with a message of its own (no usage dump): exit 2. */
function refuse(message: string): number {
  console.error(`craft-sync: ${message}`);
  return EXIT.USAGE;
}

function intArg(s: string, name: string): number {
  const n = Number(s);
  if (!Number.isInteger(n)) throw new UsageError(`${name} must be an integer`);
  return n;
}

/** Runs node with `args` (inheriting stdio and signals) and returns its exit code. */
function run(args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolveCode) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    const forward = (s: NodeJS.Signals) => child.kill(s);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => resolveCode(code ?? (signal ? EXIT.OK : EXIT.ERROR)));
  });
}

watchStdout();
main(process.argv.slice(2)).then(
  (code) => flushAndExit(code),
  (e: unknown) => {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(e as Error).message}\n${USAGE}`);
      return flushAndExit(EXIT.USAGE);
    }
    const err = toCraftSyncError(e);
    console.error(`craft-sync: ${err.errorType === 'Unknown' ? '' : `${err.errorType}: `}${err.message}`);
    return flushAndExit(exitCodeFor(err));
  },
);

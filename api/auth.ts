/**
 * Login for the seeded users and bearer-token sessions. Tokens are stored only as hashes.
 *
 * Against guessing (issue 10 §6): failed logins are counted per username and per client address, and
 * past a few free attempts each further one is refused for a time that doubles (429 too_many_attempts,
 * Retry-After). An unknown username costs the same scrypt as a known one (a dummy hash), so neither the
 * answer nor its timing tells which usernames exist. Sessions expire when idle, and a user can list
 * theirs and end them all.
 *
 * Besides these local sessions, a bearer JWT from an external OpenID Connect provider (a government
 * single sign-on) is accepted when OIDC_ISSUER is set (api/oidc.ts). Password login stays for
 * development, and LOCAL_LOGIN=off turns it off where everyone logs in at the provider.
 */
import { createHash, randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import { pgTextArray, sql } from '../activities/sql';
import { loadConfig, oidcConfigured, sessionIdleMinutes } from '../platform/config';
import { AppUserSchema, SessionSchema, type AppUser, type Session } from '../platform/entities';
import type { Role } from '../procedures/kernel/messages';
import { ApiError, Forbidden, Unauthorized, Unprocessable } from './errors';
import { authenticateProviderToken, cutOffProviderTokens, looksLikeJwt, revokeProviderToken } from './oidc';

/** The key derivation, as an object so a test can count its calls (equal work for unknown users). */
export const kdf = {
  scrypt: promisify(scryptCb) as (pw: string, salt: Buffer, len: number) => Promise<Buffer>,
};

export type AuthUser = Pick<AppUser, 'id' | 'username' | 'displayName' | 'unitId' | 'roles'>;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await kdf.scrypt(password, salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, saltB64, hashB64] = stored.split('$');
  if (scheme !== 'scrypt' || !saltB64 || !hashB64) return false;
  const expected = Buffer.from(hashB64, 'base64');
  const actual = await kdf.scrypt(password, Buffer.from(saltB64, 'base64'), expected.length);
  return timingSafeEqual(actual, expected);
}

// Verified against for an unknown username, so that login does the same work either way. Made once,
// from a random password nobody knows.
let dummyHash: Promise<string> | undefined;
const dummy = (): Promise<string> => (dummyHash ??= hashPassword(randomBytes(32).toString('base64')));

/** A password's minimum length. */
export const PASSWORD_MIN_LENGTH = 12;
const COMMON = new Set(['password1234', '123456789012', 'qwertyuiop12', 'admin1234567', 'tingjin2026!', 'iloveyou1234']);

/**
 * What is wrong with a new password, or null: at least 12 characters, three of four kinds (lower case,
 * upper case, digits, other, where a Chinese character counts as other), not the username, not a
 * well-known password. The user administration sets passwords through hashNewPassword; the demo seed's
 * shared password predates the policy and is for development only.
 */
export function passwordProblem(password: string, username: string): string | null {
  if ([...password].length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if ([...password].length > 200) return 'must be at most 200 characters';
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((r) => r.test(password)).length;
  if (kinds < 3) return 'must mix three of: lower case, upper case, digits, other characters';
  if (username && password.toLowerCase().includes(username.toLowerCase())) return 'must not contain the username';
  if (COMMON.has(password.toLowerCase())) return 'is a well-known password';
  return null;
}

/** Hashes a password being set for a user, refusing one the policy does not allow (422 weak_password). */
export async function hashNewPassword(password: string, username: string): Promise<string> {
  const problem = passwordProblem(password, username);
  if (problem) throw new Unprocessable('weak_password', `password: ${problem}`, { field: 'password' });
  return hashPassword(password);
}

const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

const view = (u: AppUser): AuthUser => ({ id: u.id, username: u.username, displayName: u.displayName, unitId: u.unitId, roles: u.roles });

export interface LoginSettings {
  sessionHours: number;
  sessionIdleMinutes: number;
  freeAttempts: number;
  backoffSeconds: number;
  backoffMaxSeconds: number;
}

/** Read per call (cheap), so a process's environment decides; SESSION_HOURS comes with the API's deps. */
export function loginSettings(sessionHours: number): LoginSettings {
  const c = loadConfig();
  return {
    sessionHours,
    sessionIdleMinutes: c.sessionIdleMinutes,
    freeAttempts: c.loginFreeAttempts,
    backoffSeconds: c.loginBackoffSeconds,
    backoffMaxSeconds: c.loginBackoffMaxSeconds,
  };
}

/** Where a login comes from. */
export interface Client {
  address: string | null;
  userAgent: string | null;
}

/** An address serves many people (an office behind one NAT), so it gets more free attempts than a username. */
export const ADDRESS_FACTOR = 4;

/** A counter in login_throttle: its key, and how many attempts it has before each further one backs off. */
export interface Throttled {
  scope: string;
  free: number;
}

const scopes = (username: string, client: Client, s: LoginSettings): Throttled[] => [
  // Case-folded: the lockout of "Admin" is the lockout of "admin".
  { scope: `user:${username.toLowerCase()}`, free: s.freeAttempts },
  ...(client.address ? [{ scope: `addr:${client.address}`, free: s.freeAttempts * ADDRESS_FACTOR }] : []),
];

export class TooManyAttempts extends ApiError {
  constructor(
    readonly retryAfterSeconds: number,
    what = 'failed logins',
  ) {
    super(429, 'too_many_attempts', `too many ${what}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}

/** 429 too_many_attempts while any of the scopes is locked, with the longest wait (`what` says what was counted). */
export async function assertNotLocked(em: EntityManager, keys: string[], what?: string): Promise<void> {
  const [row] = await em.execute<{ wait: string | null }[]>(
    'select ceil(extract(epoch from max(locked_until) - now())) as wait from login_throttle where scope = any(?::text[]) and locked_until > now()',
    [pgTextArray(keys)],
  );
  const wait = row?.wait === null || row?.wait === undefined ? 0 : Number(row.wait);
  if (wait > 0) throw new TooManyAttempts(wait, what);
}

// The count after this attempt. With a quiet period ($5), a scope whose last attempt is older starts
// again from one; without one (null) the count only grows, until it is forgiven.
const NEXT_COUNT = `(1 + case when $5::float8 is null or t.last_failure_at > now() - $5::float8 * interval '1 second' then t.failures else 0 end)`;

/**
 * Counts an attempt in each scope. From the free attempts' last one on, the scope is locked for
 * backoff × 2^(count − free): with 5 free and 2 s, the 5th failure locks for 2 s, the 6th for 4 s…
 */
export async function countAttempt(em: EntityManager, throttled: Throttled[], s: LoginSettings, quietSeconds: number | null = null): Promise<void> {
  for (const { scope, free } of throttled) {
    await sql(
      em,
      `insert into login_throttle as t (scope, failures, locked_until, last_failure_at)
       values ($1, 1, case when 1 >= $2 then now() + $3::float8 * interval '1 second' end, now())
       on conflict (scope) do update set failures = ${NEXT_COUNT}, last_failure_at = now(),
         locked_until = case when ${NEXT_COUNT} >= $2 then now() + least($3::float8 * power(2, ${NEXT_COUNT} - $2), $4::float8) * interval '1 second' end`,
      [scope, free, s.backoffSeconds, s.backoffMaxSeconds, quietSeconds],
    );
  }
}

/** Takes one attempt off a scope's count (an attempt that turned out well); its current lock runs out as set. */
export async function forgiveOne(em: EntityManager, scope: string): Promise<void> {
  await sql(em, 'update login_throttle set failures = greatest(failures - 1, 0) where scope = $1', [scope]);
}

export async function login(
  em: EntityManager,
  username: string,
  password: string,
  settings: LoginSettings,
  client: Client = { address: null, userAgent: null },
): Promise<{ token: string; expiresAt: string; user: AuthUser }> {
  const s = settings;
  if (!loadConfig().localLogin) {
    const issuer = loadConfig().oidc?.issuer;
    throw new Forbidden(
      'local_login_disabled',
      `password login is off (LOCAL_LOGIN=off); log in at the identity provider${issuer ? ` (${issuer})` : ''} and send its token as Authorization: Bearer`,
    );
  }
  await assertNotLocked(em, scopes(username, client, s).map((x) => x.scope));
  const user = await em.findOne(AppUserSchema, { username }, { populate: ['passwordHash'] });
  // The same scrypt for an unknown username as for a known one: the answer and its time are alike.
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummy()));
  // One message for every case, so the endpoint does not reveal which usernames exist (or are disabled).
  if (!user || !ok || user.disabledAt) {
    await countAttempt(em, scopes(username, client, s), s);
    throw new Unauthorized('wrong username or password');
  }
  // Success forgives the username's failures; the address keeps its count (it may be guessing other names).
  await em.execute('delete from login_throttle where scope = ?', [`user:${username.toLowerCase()}`]);
  return openSession(em, user, s, client);
}

/**
 * A new local session for a user who has proved who they are: by password (login), or at the identity
 * provider (api/sso.ts, which passes the roles the provider named when OIDC_ROLES_CLAIM limits them).
 */
export async function openSession(
  em: EntityManager,
  user: AppUser,
  s: LoginSettings,
  client: Client,
  providerRoles: Role[] | null = null,
): Promise<{ token: string; expiresAt: string; user: AuthUser }> {
  const token = randomBytes(32).toString('base64url');
  const now = new Date();
  const expiresAt = new Date(now.getTime() + s.sessionHours * 3600_000);
  em.create(SessionSchema, {
    tokenHash: tokenHash(token),
    id: randomUUID(),
    userId: user.id,
    createdAt: now,
    expiresAt,
    lastSeenAt: now,
    address: client.address?.slice(0, 100) ?? null,
    userAgent: client.userAgent?.slice(0, 300) ?? null,
  });
  await em.flush();
  if (providerRoles) await em.execute('update session set provider_roles = ?::text[] where token_hash = ?', [pgTextArray(providerRoles), tokenHash(token)]);
  const shown = view(user);
  return { token, expiresAt: expiresAt.toISOString(), user: providerRoles ? { ...shown, roles: shown.roles.filter((r) => providerRoles.includes(r)) } : shown };
}

/** Writing the last use on every request would be a write per read; once a minute is precise enough. */
const TOUCH_EVERY_MS = 60_000;

const bearer = (authorization: string | undefined): string | null => /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? null;

/** A session joined to its user, as authentication reads it. */
export interface SessionRow {
  expires_at: Date;
  last_seen_at: Date;
  provider_roles: Role[] | null;
  id: string | null;
  username: string;
  display_name: string;
  unit_id: string;
  roles: Role[];
}

/**
 * The read of a session by its token's hash ($1). Also the first part of an idempotent request's one
 * statement (api/idempotency.ts `reserveAs`), which reserves the key for a live session's user.
 */
export const SESSION_BY_HASH = `select s.expires_at, s.last_seen_at, s.provider_roles, u.id, u.username, u.display_name, u.unit_id, u.roles
     from session s left join app_user u on u.id = s.user_id and u.disabled_at is null where s.token_hash = $1`;

/**
 * The hash of a local session's bearer token, to be read with SESSION_BY_HASH; null for no token, or for a
 * provider's JWT when OIDC is configured (authenticate checks those).
 */
export function localSessionHash(authorization: string | undefined): string | null {
  const token = bearer(authorization);
  if (!token || (oidcConfigured() && looksLikeJwt(token))) return null;
  return tokenHash(token);
}

/** How long a session may sit unused before it ends. */
export const sessionIdleMs = (): number => sessionIdleMinutes() * 60_000;

/**
 * The user a bearer token belongs to. Every request pays for this, so it is one read (the session joined
 * to its user), and the idle clock is touched at most once a minute.
 */
export async function authenticate(em: EntityManager, authorization: string | undefined): Promise<AuthUser> {
  const token = bearer(authorization);
  if (!token) throw new Unauthorized();
  // A provider's JWT is three dot-separated parts; a local session token has no dot. The provider's whole
  // configuration is read only for such a token.
  const oidc = oidcConfigured() && looksLikeJwt(token) ? loadConfig().oidc : null;
  if (oidc) return authenticateProviderToken(em, token, oidc);
  const hash = tokenHash(token);
  // Straight to the driver (activities/sql.ts): the ORM's pipeline would cost more than the statement.
  const [row] = await sql<SessionRow>(em, SESSION_BY_HASH, [hash]);
  return sessionUser(em, hash, row);
}

/**
 * The user of a session as read by SESSION_BY_HASH: an expired or idle session ends (401), a disabled user
 * is refused, and the idle clock is touched at most once a minute.
 */
export async function sessionUser(em: EntityManager, hash: string, row: SessionRow | undefined): Promise<AuthUser> {
  const now = Date.now();
  if (!row || new Date(row.expires_at).getTime() < now || new Date(row.last_seen_at).getTime() + sessionIdleMs() < now) {
    if (row) await em.nativeDelete(SessionSchema, { tokenHash: hash });
    throw new Unauthorized('the token is unknown or has expired');
  }
  if (now - new Date(row.last_seen_at).getTime() > TOUCH_EVERY_MS) {
    await sql(em, 'update session set last_seen_at = $1 where token_hash = $2', [new Date(now), hash]);
  }
  if (!row.id) throw new Unauthorized('the token belongs to a user who no longer exists or is disabled');
  // A session opened at the provider with OIDC_ROLES_CLAIM keeps the provider's limit on the roles.
  const roles = row.provider_roles ? row.roles.filter((r) => row.provider_roles?.includes(r)) : row.roles;
  return { id: row.id, username: row.username, displayName: row.display_name, unitId: row.unit_id, roles };
}

/**
 * Ends this token's session. A provider's token (a JWT, accepted when OIDC_ISSUER is set) has no session
 * here, so it is listed as revoked until it expires (api/oidc.ts): after logout the same token is 401.
 */
export async function logout(em: EntityManager, authorization: string | undefined): Promise<void> {
  const token = bearer(authorization);
  if (!token) return;
  if (loadConfig().oidc && looksLikeJwt(token)) await revokeProviderToken(em, token);
  else await em.nativeDelete(SessionSchema, { tokenHash: tokenHash(token) });
}

/**
 * Ends every session of the user, this one included, and with a provider configured every provider
 * token issued to them until now. Returns how many local sessions ended.
 */
export async function logoutAll(em: EntityManager, userId: string): Promise<number> {
  if (loadConfig().oidc) await cutOffProviderTokens(em, userId);
  return em.nativeDelete(SessionSchema, { userId });
}

export interface SessionView {
  id: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  address: string | null;
  userAgent: string | null;
}

/** The user's own live sessions, newest first; `current` marks the one the request came with. */
export async function listSessions(em: EntityManager, userId: string, authorization: string | undefined): Promise<SessionView[]> {
  const token = bearer(authorization);
  const mine = token ? tokenHash(token) : null;
  const idleSince = new Date(Date.now() - loadConfig().sessionIdleMinutes * 60_000);
  const rows: Session[] = await em.find(
    SessionSchema,
    { userId, expiresAt: { $gt: new Date() }, lastSeenAt: { $gt: idleSince } },
    { orderBy: { createdAt: 'desc' } },
  );
  return rows.map((r) => ({
    id: r.id,
    current: r.tokenHash === mine,
    createdAt: r.createdAt.toISOString(),
    lastSeenAt: r.lastSeenAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    address: r.address,
    userAgent: r.userAgent,
  }));
}

/** 403 forbidden unless the user holds one of the roles (api/authz.ts applies it for every route rule). */
export function requireRole(user: AuthUser, roles: readonly Role[]): void {
  if (!roles.some((r) => user.roles.includes(r))) {
    throw new Forbidden('forbidden', `this needs one of the roles: ${roles.join(', ')}`, { roles });
  }
}

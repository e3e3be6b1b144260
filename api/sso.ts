/**
 * The console's login at the identity provider (issue 10 §6): the OpenID Connect authorization-code flow
 * with PKCE (S256), with the API as the client, since the console has no server of its own. The API holds
 * the flow's secrets (state, nonce, PKCE verifier, and OIDC_CLIENT_SECRET when the provider gives one);
 * the console only ever holds a local session token, which logout ends like any other.
 *
 *   1. GET /auth/sso/start?returnTo=/procedures/… — a browser navigation. A row in oidc_login keeps the
 *      hashes of a fresh `state` and of a browser cookie (tingjin_sso, HttpOnly, SameSite=Lax, path
 *      /auth/sso), the nonce, the verifier and the console path to return to; 303 to the provider's
 *      authorization endpoint (from its discovery document) with the S256 code challenge.
 *   2. GET /auth/sso/callback?code&state — the provider sends the browser back. The state is used once (an
 *      atomic update of an unused, unexpired row) and must come with the cookie of the browser that started
 *      the flow (against login CSRF: an attacker's own code and state, sent to a victim, fail here). The
 *      code and verifier are exchanged at the token endpoint; the ID token is verified as a bearer token is
 *      (api/oidc.ts: keys, algorithms, iss, exp) with `aud` our client id and its `nonce` the flow's (a
 *      replayed ID token of another flow fails), then mapped to a tingjin user the same way. 303 to the
 *      console, /#/login?sso=<handoff>: a one-minute, single-use code, bound to the same cookie.
 *   3. POST /auth/sso/session {handoff} — the console trades the handoff for a local session (the answer of
 *      POST /auth/login, plus returnTo). The token never appears in a URL, and a handoff that leaks through
 *      the browser's history is useless after a minute, once used, or in another browser.
 *
 * Open redirects: the flow sends a browser to two places only, the provider's discovery-named endpoint and
 * the console at OIDC_REDIRECT_URI's origin; returnTo is a console path (one slash, no scheme or host),
 * kept server-side from the start, never read from the callback. A failed callback goes back to the
 * console's login with a fixed reason (?sso_error=state|browser|denied|provider|token|user), never the
 * provider's text.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Request, Response } from 'express';
import { jwtVerify } from 'jose';
import { pgTextArray } from '../activities/sql';
import { loadConfig, type OidcConfig } from '../platform/config';
import { log } from '../platform/log';
import { AppUserSchema } from '../platform/entities';
import type { Role } from '../procedures/kernel/messages';
import { ADDRESS_FACTOR, assertNotLocked, countAttempt, forgiveOne, openSession, type AuthUser, type Client, type LoginSettings } from './auth';
import { NotFound, Unauthorized } from './errors';
import { provider, ProviderUnreachable, refusal, refused, userOfClaims } from './oidc';

export const SSO_COOKIE = 'tingjin_sso';
export const SSO_PATH = '/auth/sso';
/** Long enough to log in at the provider (a second factor, a password reset), short enough to go stale. */
const FLOW_SECONDS = 600;
const HANDOFF_SECONDS = 60;
const FETCH_TIMEOUT_MS = 5_000;

/** Why a callback failed, as the console shows it (web/src/views/LoginView.vue). */
export type SsoError = 'state' | 'browser' | 'denied' | 'provider' | 'token' | 'user';

type SsoConfig = OidcConfig & { redirectUri: string };

/** The provider's login for the console, or null (no OIDC_ISSUER, or no OIDC_REDIRECT_URI). */
export function ssoConfig(): SsoConfig | null {
  const c = loadConfig().oidc;
  return c?.redirectUri ? (c as SsoConfig) : null;
}

function requireSso(): SsoConfig {
  const c = ssoConfig();
  if (!c) throw new NotFound('sso_not_configured', 'login at the identity provider is not configured (OIDC_ISSUER, OIDC_REDIRECT_URI)');
  return c;
}

const random = (): string => randomBytes(32).toString('base64url');
const sha256 = (v: string): string => createHash('sha256').update(v).digest('hex');
const sameHash = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * A console path to return to: one leading slash and no second (`//host` is another origin), no
 * backslash (browsers read `/\host` as `//host`), no whitespace or control characters. The route's
 * schema refuses anything else with a 400 naming returnTo; this is its pattern, written without a
 * lookahead so that the OpenAPI document's generators (the fuzz test's fast-check) can produce it.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
export const RETURN_PATH = /^\/(?:[^/\\\s\u0000-\u001f\u007f][^\\\s\u0000-\u001f\u007f]{0,498})?$/;

/** The console's login page at OIDC_REDIRECT_URI's origin, with one parameter. */
function consoleLogin(c: SsoConfig, param: 'sso' | 'sso_error', value: string): string {
  return `${new URL(c.redirectUri).origin}/#/login?${param}=${encodeURIComponent(value)}`;
}

function browserCookie(req: Request): string | null {
  for (const part of (req.header('cookie') ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === SSO_COOKIE) {
      const v = rest.join('=');
      return /^[\w-]{43}$/.test(v) ? v : null;
    }
  }
  return null;
}

function setBrowserCookie(res: Response, c: SsoConfig, value: string, maxAge: number): void {
  const secure = new URL(c.redirectUri).protocol === 'https:' ? '; Secure' : '';
  // Lax: sent on the provider's top-level redirect back to the callback, never on a cross-site POST.
  res.setHeader('Set-Cookie', `${SSO_COOKIE}=${value}; Path=${SSO_PATH}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`);
}

async function endpoints(c: SsoConfig): Promise<{ authorization: string; token: string }> {
  try {
    const p = await provider(c.issuer);
    if (!p.authorizationEndpoint || !p.tokenEndpoint) throw new ProviderUnreachable('discovery names no https authorization_endpoint and token_endpoint');
    return { authorization: p.authorizationEndpoint, token: p.tokenEndpoint };
  } catch (err) {
    throw refusal(err);
  }
}

/**
 * Starts from one address are limited as failed logins are (api/auth.ts, login_throttle), since each
 * writes a row and asks the provider for nothing in return: a start counts until its login is finished
 * (the handoff traded), and past as many unfinished starts as an address has free failed logins, each
 * further one is refused for a doubling time (429 too_many_attempts, Retry-After). A flow lives
 * FLOW_SECONDS, so an address quiet for that long has no live flow left and starts again from zero.
 */
const startScope = (client: Client): string | null => (client.address ? `sso:${client.address}` : null);
const UNFINISHED = 'logins started and not finished from this address';

/** Step 1: records the flow and sends the browser to the provider. */
export async function startSso(
  em: EntityManager,
  req: Request,
  res: Response,
  returnTo: string | undefined,
  settings: LoginSettings,
  client: Client,
): Promise<void> {
  const c = requireSso();
  const scope = startScope(client);
  if (scope) {
    await assertNotLocked(em, [scope], UNFINISHED);
    await countAttempt(em, [{ scope, free: settings.freeAttempts * ADDRESS_FACTOR }], settings, FLOW_SECONDS);
  }
  let authorization: string;
  try {
    ({ authorization } = await endpoints(c));
  } catch (err) {
    // A browser navigation: back to the console's login with the reason, not a JSON page.
    log().warn({ err: err instanceof Error ? err.message : String(err) }, 'login at the identity provider: cannot start');
    res.redirect(303, consoleLogin(c, 'sso_error', 'provider'));
    return;
  }
  const state = random();
  const nonce = random();
  const verifier = random();
  // One cookie per browser: a second tab's flow keeps the first one's valid.
  const browser = browserCookie(req) ?? random();
  await em.execute("delete from oidc_login where expires_at < now() - interval '1 hour'");
  await em.execute(
    `insert into oidc_login (state_hash, browser_hash, nonce, code_verifier, return_to, expires_at)
     values (?, ?, ?, ?, ?, now() + ?::int * interval '1 second')`,
    [sha256(state), sha256(browser), nonce, verifier, returnTo ?? '/inbox', FLOW_SECONDS],
  );
  const url = new URL(authorization);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', c.clientId);
  url.searchParams.set('redirect_uri', c.redirectUri);
  url.searchParams.set('scope', c.scopes);
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  url.searchParams.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));
  url.searchParams.set('code_challenge_method', 'S256');
  setBrowserCookie(res, c, browser, FLOW_SECONDS);
  res.redirect(303, url.toString());
}

/** The code and verifier traded for the provider's tokens; only the ID token is kept (and not stored). */
async function exchange(c: SsoConfig, tokenEndpoint: string, code: string, verifier: string): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: c.redirectUri, code_verifier: verifier });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  // client_secret_basic (RFC 6749 §2.3.1: each part form-encoded); a public client names itself in the body.
  if (c.clientSecret) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64')}`;
  else body.set('client_id', c.clientId);
  const res = await fetch(tokenEndpoint, { method: 'POST', body, headers, redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`the token endpoint answered ${res.status}`);
  const json = (await res.json()) as { id_token?: unknown };
  if (typeof json.id_token !== 'string') throw new Error('the token endpoint answered no id_token');
  return json.id_token;
}

/** Step 3 of the ID token: as a bearer token is verified, plus our client id as audience and the flow's nonce. */
async function verifyIdToken(c: SsoConfig, idToken: string, nonce: string) {
  let payload;
  try {
    const { keys } = await provider(c.issuer);
    ({ payload } = await jwtVerify(idToken, keys, {
      issuer: c.issuer,
      audience: c.clientId,
      algorithms: c.algorithms,
      clockTolerance: c.clockToleranceSeconds,
      requiredClaims: ['exp', 'iat', 'sub', 'nonce'],
    }));
  } catch (err) {
    throw refusal(err);
  }
  if (typeof payload.nonce !== 'string' || !sameHash(sha256(payload.nonce), sha256(nonce))) throw refused('its nonce is not this login’s');
  // OpenID Connect Core §3.1.3.7: with several audiences, azp must be us.
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== c.clientId) throw refused('it is not meant for this service (azp)');
  return payload;
}

/** Step 2: the provider's answer. Every outcome is a 303 to the console; a failure names a fixed reason. */
export async function ssoCallback(
  em: EntityManager,
  req: Request,
  res: Response,
  q: { code?: string | undefined; state?: string | undefined; error?: string | undefined },
): Promise<void> {
  const c = requireSso();
  const fail = (why: SsoError, err?: unknown): void => {
    log().warn({ reason: why, err: err instanceof Error ? err.message : undefined }, 'login at the identity provider failed');
    res.redirect(303, consoleLogin(c, 'sso_error', why));
  };
  if (!q.state) return fail('state');
  // Single use: of two callbacks with one state (a replay, a double submit) only the first finds the row unused.
  const [flow] = await em.execute<{ browser_hash: string; nonce: string; code_verifier: string }[]>(
    `update oidc_login set called_back_at = now()
     where state_hash = ? and called_back_at is null and expires_at > now()
     returning browser_hash, nonce, code_verifier`,
    [sha256(q.state)],
  );
  if (!flow) return fail('state');
  const browser = browserCookie(req);
  if (!browser || !sameHash(sha256(browser), flow.browser_hash)) return fail('browser');
  if (q.error || !q.code) return fail('denied');
  let user: AuthUser;
  try {
    const { token: tokenEndpoint } = await endpoints(c);
    const idToken = await exchange(c, tokenEndpoint, q.code, flow.code_verifier).catch((err: unknown) => {
      throw new ProviderUnreachable(err instanceof Error ? err.message : String(err));
    });
    const claims = await verifyIdToken(c, idToken, flow.nonce).catch((err: unknown) => {
      throw err instanceof ProviderUnreachable ? err : Object.assign(err as Error, { sso: 'token' });
    });
    user = await userOfClaims(em, claims, c).catch((err: unknown) => {
      throw Object.assign(err as Error, { sso: 'user' });
    });
  } catch (err) {
    const why = (err as { sso?: SsoError }).sso ?? (err instanceof Unauthorized ? 'token' : 'provider');
    return fail(why, err);
  }
  const handoff = random();
  await em.execute(
    `update oidc_login set user_id = ?, provider_roles = ?::text[], handoff_hash = ?, handoff_expires_at = now() + ?::int * interval '1 second'
     where state_hash = ?`,
    [user.id, c.rolesClaim ? pgTextArray(user.roles) : null, sha256(handoff), HANDOFF_SECONDS, sha256(q.state)],
  );
  res.redirect(303, consoleLogin(c, 'sso', handoff));
}

/** Step 3: the handoff, once, from the browser that started the flow, for a local session. */
export async function ssoSession(
  em: EntityManager,
  req: Request,
  res: Response,
  handoff: string,
  settings: LoginSettings,
  client: Client,
): Promise<{ token: string; expiresAt: string; user: AuthUser; returnTo: string }> {
  const c = requireSso();
  const gone = (): Unauthorized => new Unauthorized('the sign-on is unknown, used or expired; log in at the identity provider again');
  const browser = browserCookie(req);
  if (!browser) throw gone();
  // Used once, and only by the browser that started (another browser's try leaves it to its owner).
  const [row] = await em.execute<{ user_id: string; return_to: string; provider_roles: Role[] | null; live: boolean }[]>(
    `delete from oidc_login where handoff_hash = ? and browser_hash = ?
     returning user_id, return_to, provider_roles, handoff_expires_at > now() as live`,
    [sha256(handoff), sha256(browser)],
  );
  if (!row?.live) throw gone();
  const user = await em.findOne(AppUserSchema, { id: row.user_id, disabledAt: null });
  if (!user) throw gone();
  setBrowserCookie(res, c, '', 0);
  const scope = startScope(client);
  if (scope) await forgiveOne(em, scope);
  return { ...(await openSession(em, user, settings, client, row.provider_roles)), returnTo: row.return_to };
}



/**
 * Bearer tokens from an external OpenID Connect provider (a government single sign-on, issue 10 §6),
 * beside the local sessions of api/auth.ts. Configured by OIDC_* (platform/config.ts OidcConfig); with
 * OIDC_ISSUER unset none is accepted.
 *
 * A token (an ID token, or a JWT access token whose `aud` names us) is verified with jose:
 *   - its signature, by a key from the JWKS that the issuer's discovery document names (fetched once,
 *     refreshed hourly; jose caches the keys and refetches on an unknown `kid`, at most every 30 s);
 *   - its algorithm against an allow-list of public-key algorithms: `none` and HS* never pass, so neither
 *     an unsigned token nor one "signed" with the provider's public key as an HMAC secret;
 *   - `iss` equal to OIDC_ISSUER, `aud` one of OIDC_AUDIENCE, `exp` present and not past, `nbf` not
 *     future (with OIDC_CLOCK_TOLERANCE_SECONDS), and `sub` present.
 *
 * Then it is mapped to a tingjin user: the OIDC_USER_CLAIM claim's value is a username in app_user.
 * Users are master data (POST /admin/users, audited; DOMAIN.md), so a subject the provider knows and
 * tingjin does not is refused (401), never provisioned: the provider says who someone is, tingjin's
 * administrators say which unit and roles they have. A disabled user is refused the same way. With
 * OIDC_UNIT_CLAIM the provider's unit must agree with master data (a user who moved is refused until
 * master data follows); with OIDC_ROLES_CLAIM the provider can withdraw a role, never grant one.
 *
 * Every refusal is 401 unauthenticated with a fixed message: neither the token nor a claim's value is
 * echoed. A provider that cannot be reached answers 503 identity_provider_unavailable, since the token
 * may well be good.
 */
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { insecureUrlProblem, type OidcConfig } from '../platform/config';
import { ROLES, type Role } from '../procedures/kernel/messages';
import { UNSAFE_TEXT } from '../procedures/kernel/refuse';
import type { AuthUser } from './auth';
import { Unauthorized, Unavailable } from './errors';

/** Three base64url parts: a JWS in compact form. A local session token is one part (api/auth.ts). */
export const looksLikeJwt = (token: string): boolean => /^[\w-]+\.[\w-]*\.[\w-]*$/.test(token);

const FETCH_TIMEOUT_MS = 5_000;
/** The discovery document is read again after this long, so a moved jwks_uri is followed. */
const DISCOVERY_TTL_MS = 3_600_000;

export interface Provider {
  keys: JWTVerifyGetKey;
  until: number;
  /** For the console's login (api/sso.ts); null when the document names none (or not over https). */
  authorizationEndpoint: string | null;
  tokenEndpoint: string | null;
}

const providers = new Map<string, Promise<Provider>>();

export class ProviderUnreachable extends Error {}

async function discover(issuer: string): Promise<Provider> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let doc: { issuer?: unknown; jwks_uri?: unknown; authorization_endpoint?: unknown; token_endpoint?: unknown };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error', headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`answered ${res.status}`);
    doc = (await res.json()) as typeof doc;
  } catch (err) {
    throw new ProviderUnreachable(`discovery at ${url} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  // OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
  if (doc.issuer !== issuer) throw new ProviderUnreachable(`discovery at ${url} names another issuer`);
  if (typeof doc.jwks_uri !== 'string' || insecureUrlProblem(doc.jwks_uri)) throw new ProviderUnreachable(`discovery at ${url}: jwks_uri missing or not https`);
  const endpoint = (v: unknown): string | null => (typeof v === 'string' && !insecureUrlProblem(v) ? v : null);
  return {
    keys: createRemoteJWKSet(new URL(doc.jwks_uri), { timeoutDuration: FETCH_TIMEOUT_MS, cooldownDuration: 30_000, cacheMaxAge: 600_000 }),
    until: Date.now() + DISCOVERY_TTL_MS,
    authorizationEndpoint: endpoint(doc.authorization_endpoint),
    tokenEndpoint: endpoint(doc.token_endpoint),
  };
}

/** The issuer's keys, discovered once per hour; a failed discovery is tried again by the next request. */
export async function provider(issuer: string): Promise<Provider> {
  const cached = providers.get(issuer);
  if (cached) {
    const p = await cached.catch(() => null);
    if (p && p.until > Date.now()) return p;
    if (providers.get(issuer) === cached) providers.delete(issuer);
  }
  const next = providers.get(issuer) ?? discover(issuer);
  providers.set(issuer, next);
  try {
    return await next;
  } catch (err) {
    if (providers.get(issuer) === next) providers.delete(issuer);
    throw err;
  }
}

export const refused = (why: string): Unauthorized => new Unauthorized(`the identity provider’s token is refused: ${why}`);

/** jose's reasons, as fixed messages (jose's own name claims, never values, but ours are stable). */
export function refusal(err: unknown): Error {
  if (err instanceof ProviderUnreachable) {
    console.error('[api] identity provider:', err.message);
    return new Unavailable('identity_provider_unavailable', 'the identity provider cannot be reached; try again shortly');
  }
  if (err instanceof errors.JWTExpired) return refused('it has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return refused('it was not issued by the configured issuer');
    if (err.claim === 'aud') return refused('it is not meant for this service (audience)');
    if (err.claim === 'nbf') return refused('it is not valid yet');
    return refused(`the claim ${['exp', 'sub', 'iat'].includes(err.claim) ? err.claim : 'set'} is missing or invalid`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return refused('its algorithm is not allowed');
  if (err instanceof errors.JOSENotSupported) return refused('its algorithm or a header it marks critical is not supported');
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return refused('its signature does not verify with the issuer’s keys');
  }
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || !(err instanceof errors.JOSEError)) {
    // The keys could not be fetched or read (a network error is no JOSEError): the provider's trouble, not the token's.
    return refusal(new ProviderUnreachable(`keys: ${err instanceof Error ? err.message : String(err)}`));
  }
  return refused('it is not a well-formed signed JWT');
}

async function verify(token: string, c: OidcConfig): Promise<JWTPayload> {
  try {
    const { keys } = await provider(c.issuer);
    const { payload } = await jwtVerify(token, keys, {
      issuer: c.issuer,
      audience: c.audience,
      algorithms: c.algorithms,
      clockTolerance: c.clockToleranceSeconds,
      requiredClaims: ['exp', 'sub'],
    });
    return payload;
  } catch (err) {
    throw refusal(err);
  }
}

const BAD_TEXT = new RegExp(`${UNSAFE_TEXT}|[\\u0001-\\u001f\\u007f]`);
/** A claim's value as text we may put in a query: bounded and clean (the edge's rule, api/input.ts). */
const cleanText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200 && !BAD_TEXT.test(v);

/** A claim that is a list, or a string of space- or comma-separated values (both are common). */
function listClaim(v: unknown): string[] | null {
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  return null;
}

/**
 * The tingjin user a provider's token belongs to, or 401 (503 when the provider cannot be reached).
 * One read of app_user after the verification, as a local session costs one read.
 */
export async function authenticateProviderToken(em: EntityManager, token: string, c: OidcConfig): Promise<AuthUser> {
  const claims = await verify(token, c);
  return userOfClaims(em, claims, c, token);
}

/** A provider token's key in revoked_token: its hash, as local sessions keep theirs. */
const revokedKey = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * The tingjin user that verified claims name, or 401. With `token` (a bearer token, not the console's
 * login), also refused when logout listed it in revoked_token or logout-all's cutoff is at or after its
 * `iat`: one read, the user joined to both.
 */
export async function userOfClaims(em: EntityManager, claims: JWTPayload, c: OidcConfig, token?: string): Promise<AuthUser> {
  const username = claims[c.userClaim];
  if (!cleanText(username)) throw refused(`the claim ${c.userClaim} (OIDC_USER_CLAIM) is missing or not a username`);
  const [row] = await em.execute<{ id: string; username: string; display_name: string; unit_id: string; roles: Role[]; revoked: boolean; cutoff: string | null }[]>(
    `select u.id, u.username, u.display_name, u.unit_id, u.roles,
       exists (select 1 from revoked_token r where r.token_hash = ?) as revoked,
       (select extract(epoch from x.not_after) from provider_token_cutoff x where x.user_id = u.id) as cutoff
     from app_user u where u.username = ? and u.disabled_at is null`,
    [token ? revokedKey(token) : '', username],
  );
  // Not provisioned: an administrator adds the user (POST /admin/users) with their unit and roles.
  if (!row) throw refused('its user is not a tingjin user, or is disabled; an administrator adds them (POST /admin/users)');
  if (token && row.revoked) throw refused('it was ended by logout');
  // A token without iat cannot show it came after logout-all, so it is refused once there is a cutoff.
  if (token && row.cutoff !== null && !(typeof claims.iat === 'number' && claims.iat > Number(row.cutoff))) {
    throw refused('it was issued before the user’s logout-all; log in at the provider again');
  }
  let roles = row.roles;
  if (c.unitClaim) {
    const units = listClaim(claims[c.unitClaim]);
    if (!units) throw refused(`the claim ${c.unitClaim} (OIDC_UNIT_CLAIM) is missing`);
    if (!units.includes(row.unit_id)) throw refused('the provider names another unit than tingjin’s master data; an administrator updates the user');
  }
  if (c.rolesClaim) {
    const granted = listClaim(claims[c.rolesClaim]);
    if (!granted) throw refused(`the claim ${c.rolesClaim} (OIDC_ROLES_CLAIM) is missing`);
    roles = roles.filter((r) => granted.includes(r) && (ROLES as readonly string[]).includes(r));
  }
  return { id: row.id, username: row.username, displayName: row.display_name, unitId: row.unit_id, roles };
}

/**
 * Logout with a provider token (issue 10 §6): the token is listed in revoked_token until its own `exp`,
 * after which the provider's signature check refuses it anyway (and the row is swept). The token was
 * verified by this same request's authentication, so its `exp` is read without verifying twice.
 */
export async function revokeProviderToken(em: EntityManager, token: string): Promise<void> {
  const { exp } = decodeJwt(token);
  const until = typeof exp === 'number' ? exp : Math.floor(Date.now() / 1000) + 86_400;
  await em.execute('delete from revoked_token where expires_at < now()');
  await em.execute('insert into revoked_token (token_hash, expires_at) values (?, to_timestamp(?)) on conflict (token_hash) do nothing', [revokedKey(token), until]);
}

/**
 * Logout-all for provider tokens: every one issued (iat) up to now is refused from here on; a token the
 * provider issues later passes. The provider's clock is trusted within OIDC_CLOCK_TOLERANCE_SECONDS, so
 * a provider whose clock is behind may see a fresh login refused for that long.
 */
export async function cutOffProviderTokens(em: EntityManager, userId: string): Promise<void> {
  await em.execute(
    'insert into provider_token_cutoff (user_id, not_after) values (?, now()) on conflict (user_id) do update set not_after = excluded.not_after',
    [userId],
  );
}

import type { Request, Response } from 'express';
import { login, loginSettings, listSessions, logout, logoutAll, TooManyAttempts, type Client } from '../auth';
import { access } from '../authz';
import { LoginBody, LoginResult, User } from '../schemas';
import { z } from 'zod';
import { loadConfig } from '../../platform/config';
import { RETURN_PATH, ssoCallback, ssoConfig, ssoSession, startSso } from '../sso';
import type { RouteContext } from './context';

const LoginOptions = z
  .object({
    localLogin: z.boolean().openapi({ description: 'POST /auth/login is open (LOCAL_LOGIN)' }),
    sso: z.boolean().openapi({ description: 'GET /auth/sso/start leads to the identity provider (OIDC_ISSUER and OIDC_REDIRECT_URI)' }),
  })
  .openapi('LoginOptions');

/** Parameters the provider sends back: opaque, bounded; anything else it adds (iss, session_state…) is ignored. */
const opaque = z.string().min(1).max(2048).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII');

const SsoSessionBody = z
  .object({ handoff: z.string().regex(/^[\w-]{43}$/, 'must be the sso parameter of the console’s login page') })
  .strict()
  .openapi('SsoSessionBody');

const SsoSessionResult = LoginResult.extend({
  returnTo: z.string().openapi({ description: 'The console path the login started from' }),
}).openapi('SsoSessionResult');

const REDIRECT = { contentType: 'text/plain', headers: { Location: { description: 'Where the browser goes next', schema: { type: 'string' as const } } } };

const SessionList = z
  .array(
    z.object({
      id: z.string(),
      current: z.boolean().openapi({ description: 'The session this request came with' }),
      createdAt: z.string(),
      lastSeenAt: z.string(),
      expiresAt: z.string(),
      address: z.string().nullable(),
      userAgent: z.string().nullable(),
    }),
  )
  .openapi('SessionList');

/** Where a request comes from: the socket's address (no proxy is trusted), and the browser it says it is. */
const clientOf = (req: Request): Client => ({ address: req.ip ?? null, userAgent: req.header('user-agent') ?? null });

/** A 429 from the login throttle says when to come back (Retry-After, in seconds). */
async function retryAfter<T>(res: Response, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TooManyAttempts) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    throw err;
  }
}

export function authRoutes({ route, deps }: RouteContext): void {
  route({
    method: 'post',
    path: '/auth/login',
    tag: 'auth',
    summary: 'Log in and receive a bearer token',
    description:
      'Failed logins are counted per username and per client address; past a few, each further attempt is refused for a time ' +
      'that doubles (429 too_many_attempts with Retry-After), whatever the password. ' +
      'Password login is for development and a small installation: with OIDC_ISSUER and OIDC_CLIENT_ID set, a bearer ID or access ' +
      'token (JWT) from that OpenID Connect provider is accepted on every route instead of a token from here, its user named by ' +
      'OIDC_USER_CLAIM (default preferred_username) and looked up among tingjin\'s users (an unknown one is 401, never created); ' +
      'LOCAL_LOGIN=off then refuses this route (403 local_login_disabled). See the README, Configuration.',
    auth: false,
    body: LoginBody,
    response: { status: 200, schema: LoginResult, description: 'A bearer token for the Authorization header' },
    errors: [401, 403, 429],
    handler: async ({ em, body, req, res }) => {
      return retryAfter(res, async () => ({ status: 200, body: await login(em, body.username, body.password, loginSettings(deps.sessionHours), clientOf(req)) }));
    },
  });
  route({
    method: 'get',
    path: '/auth/options',
    tag: 'auth',
    summary: 'Which logins the console offers',
    access: access.public('which logins are configured, no data'),
    response: { status: 200, schema: LoginOptions, description: 'Password login and login at the identity provider' },
    handler: async () => ({ status: 200, body: { localLogin: loadConfig().localLogin, sso: ssoConfig() !== null } }),
  });
  route({
    method: 'get',
    path: '/auth/sso/start',
    tag: 'auth',
    summary: 'Log in at the identity provider (a browser navigation)',
    description:
      'The OpenID Connect authorization-code flow with PKCE (S256): sets a browser cookie and answers 303 to the provider. ' +
      'The provider sends the browser back to GET /auth/sso/callback. returnTo is a console path (one leading slash), never another origin. ' +
      '404 sso_not_configured without OIDC_ISSUER and OIDC_REDIRECT_URI; a provider that cannot be reached: 303 to the console’s login with ?sso_error=provider. ' +
      'Each start counts against its client address until its login is finished (POST /auth/sso/session); past as many unfinished starts as ' +
      'the address has free failed logins, each further one is refused for a time that doubles (429 too_many_attempts with Retry-After).',
    access: access.public('starts a login'),
    query: z.object({ returnTo: z.string().regex(RETURN_PATH, 'must be a console path such as /inbox').optional() }).strict(),
    response: { status: 303, schema: z.string(), description: 'To the identity provider’s authorization endpoint' },
    file: REDIRECT,
    errors: [404, 429],
    handler: async ({ em, req, res, query }) => {
      await retryAfter(res, () => startSso(em, req, res, query.returnTo, loginSettings(deps.sessionHours), clientOf(req)));
      return null;
    },
  });
  route({
    method: 'get',
    path: '/auth/sso/callback',
    tag: 'auth',
    summary: 'The identity provider’s answer (its redirect_uri)',
    description:
      'Checks the state (once, from the browser that started), exchanges the code with the PKCE verifier, verifies the ID token and its nonce, ' +
      'and answers 303 to the console’s login with a one-minute handoff (?sso=…) or a reason it failed (?sso_error=state|browser|denied|provider|token|user).',
    access: access.public('the end of a login'),
    query: z.object({ code: opaque.optional(), state: opaque.optional(), error: opaque.optional() }).passthrough(),
    response: { status: 303, schema: z.string(), description: 'To the console’s login page' },
    file: REDIRECT,
    errors: [404],
    handler: async ({ em, req, res, query }) => {
      await ssoCallback(em, req, res, query);
      return null;
    },
  });
  route({
    method: 'post',
    path: '/auth/sso/session',
    tag: 'auth',
    summary: 'Trade the login’s handoff for a session',
    description: 'Once, within a minute, from the browser that logged in (its cookie). The answer is POST /auth/login’s, with the console path to return to.',
    access: access.public('ends a login'),
    body: SsoSessionBody,
    response: { status: 200, schema: SsoSessionResult, description: 'A bearer token for the Authorization header' },
    errors: [401, 404],
    handler: async ({ em, req, res, body }) => {
      return { status: 200, body: await ssoSession(em, req, res, body.handoff, loginSettings(deps.sessionHours), clientOf(req)) };
    },
  });
  route({
    method: 'post',
    path: '/auth/logout',
    tag: 'auth',
    summary: 'End this token’s session',
    description:
      'A local session token: its session ends. An identity provider’s token (a JWT, accepted when OIDC_ISSUER is set): it has no session here, ' +
      'so it is revoked, refused on every route until its own expiry (its hash is listed; the token itself is never stored). The session at the provider is not ended.',
    response: { status: 200, schema: z.object({ ok: z.boolean() }), description: 'Logged out' },
    handler: async ({ em, req }) => {
      await logout(em, req.header('authorization'));
      return { status: 200, body: { ok: true } };
    },
  });
  route({
    method: 'post',
    path: '/auth/logout-all',
    tag: 'auth',
    summary: 'End every session of the current user, this one included',
    description:
      'Every local session of the user ends, those opened through the identity provider’s login included. With OIDC_ISSUER set, every ' +
      'provider token issued to the user until now (its iat) is revoked too; one the provider issues later is accepted. `ended` counts the local sessions.',
    response: { status: 200, schema: z.object({ ok: z.boolean(), ended: z.number().int() }), description: 'Every session ended' },
    handler: async ({ em, user }) => ({ status: 200, body: { ok: true, ended: await logoutAll(em, user.id) } }),
  });
  route({
    method: 'get',
    path: '/auth/sessions',
    tag: 'auth',
    summary: 'The current user’s live sessions, newest first',
    response: { status: 200, schema: SessionList, description: 'Own sessions only' },
    handler: async ({ em, user, req }) => ({ status: 200, body: await listSessions(em, user.id, req.header('authorization')) }),
  });
  route({
    method: 'get',
    path: '/me',
    tag: 'auth',
    summary: 'The current user',
    response: { status: 200, schema: User, description: 'The user behind the token' },
    handler: async ({ user }) => ({ status: 200, body: user }),
  });
}

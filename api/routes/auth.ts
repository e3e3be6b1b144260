import { login, loginSettings, listSessions, logout, logoutAll, TooManyAttempts } from '../auth';
import { LoginBody, LoginResult, User } from '../schemas';
import { z } from 'zod';
import type { RouteContext } from './context';

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
    handler: async ({ em, body, req }) => {
      try {
        const client = { address: req.ip ?? null, userAgent: req.header('user-agent') ?? null };
        return { status: 200, body: await login(em, body.username, body.password, loginSettings(deps.sessionHours), client) };
      } catch (err) {
        if (err instanceof TooManyAttempts) req.res?.setHeader('Retry-After', String(err.retryAfterSeconds));
        throw err;
      }
    },
  });
  route({
    method: 'post',
    path: '/auth/logout',
    tag: 'auth',
    summary: 'End this token’s session',
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

import { login, logout } from '../auth';
import { LoginBody, LoginResult, User } from '../schemas';
import { z } from 'zod';
import type { RouteContext } from './context';

export function authRoutes({ route, deps }: RouteContext): void {
  route({
    method: 'post',
    path: '/auth/login',
    tag: 'auth',
    summary: 'Log in and receive a bearer token',
    auth: false,
    body: LoginBody,
    response: { status: 200, schema: LoginResult, description: 'A bearer token for the Authorization header' },
    errors: [401],
    handler: async ({ em, body }) => ({ status: 200, body: await login(em, body.username, body.password, deps.sessionHours) }),
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
    method: 'get',
    path: '/me',
    tag: 'auth',
    summary: 'The current user',
    response: { status: 200, schema: User, description: 'The user behind the token' },
    handler: async ({ user }) => ({ status: 200, body: user }),
  });
}

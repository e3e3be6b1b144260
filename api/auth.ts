/** Login for the seeded users and bearer-token sessions. Tokens are stored only as hashes. */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppUserSchema, SessionSchema, type AppUser } from '../platform/entities';
import type { Role } from '../procedures/kernel/messages';
import { Forbidden, Unauthorized } from './errors';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number) => Promise<Buffer>;

export type AuthUser = Pick<AppUser, 'id' | 'username' | 'displayName' | 'unitId' | 'roles'>;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, saltB64, hashB64] = stored.split('$');
  if (scheme !== 'scrypt' || !saltB64 || !hashB64) return false;
  const expected = Buffer.from(hashB64, 'base64');
  const actual = await scrypt(password, Buffer.from(saltB64, 'base64'), expected.length);
  return timingSafeEqual(actual, expected);
}

const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

const view = (u: AppUser): AuthUser => ({ id: u.id, username: u.username, displayName: u.displayName, unitId: u.unitId, roles: u.roles });

export async function login(
  em: EntityManager,
  username: string,
  password: string,
  sessionHours: number,
): Promise<{ token: string; expiresAt: string; user: AuthUser }> {
  const user = await em.findOne(AppUserSchema, { username }, { populate: ['passwordHash'] });
  // One message for both cases, so the endpoint does not reveal which usernames exist.
  if (!user || !(await verifyPassword(password, user.passwordHash))) throw new Unauthorized('wrong username or password');
  const token = randomBytes(32).toString('base64url');
  const now = new Date();
  const expiresAt = new Date(now.getTime() + sessionHours * 3600_000);
  em.create(SessionSchema, { tokenHash: tokenHash(token), userId: user.id, createdAt: now, expiresAt });
  await em.flush();
  return { token, expiresAt: expiresAt.toISOString(), user: view(user) };
}

export async function authenticate(em: EntityManager, authorization: string | undefined): Promise<AuthUser> {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m?.[1]) throw new Unauthorized();
  const session = await em.findOne(SessionSchema, { tokenHash: tokenHash(m[1]) });
  if (!session || session.expiresAt.getTime() < Date.now()) throw new Unauthorized('the token is unknown or has expired');
  const user = await em.findOne(AppUserSchema, { id: session.userId });
  if (!user) throw new Unauthorized('the token belongs to a user who no longer exists');
  return view(user);
}

export async function logout(em: EntityManager, authorization: string | undefined): Promise<void> {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (m?.[1]) await em.nativeDelete(SessionSchema, { tokenHash: tokenHash(m[1]) });
}

export function requireRole(user: AuthUser, roles: readonly Role[]): void {
  if (!roles.some((r) => user.roles.includes(r))) {
    throw new Forbidden('forbidden', `this needs one of the roles: ${roles.join(', ')}`, { roles });
  }
}

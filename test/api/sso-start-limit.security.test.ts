/**
 * GET /auth/sso/start needs no token and writes a row per call (issue 10: every unauthenticated route is
 * limited). Its starts are counted per client address in the login throttle (api/auth.ts), until their
 * login is finished: an address with LOGIN_FREE_ATTEMPTS × 4 unfinished starts is refused with 429
 * too_many_attempts, the JSON problem and Retry-After, and the refused start leaves no flow behind.
 * Logins that finish never lock an address (an office behind one NAT), and an address quiet for a
 * flow's lifetime starts again from zero. Counts and the database's clock, never timing.
 */
import { useApiStack } from '../helpers/api';
import { CLIENT_SECRET, useLocalIssuer } from './oidc-issuer';

const stack = useApiStack();
useLocalIssuer();

const FREE_LOGINS = 2;
/** An address's free unfinished starts: LOGIN_FREE_ATTEMPTS × the address factor (4). */
const FREE_STARTS = FREE_LOGINS * 4;

const saved = { free: process.env.LOGIN_FREE_ATTEMPTS, redirect: process.env.OIDC_REDIRECT_URI, secret: process.env.OIDC_CLIENT_SECRET };
beforeAll(() => {
  process.env.LOGIN_FREE_ATTEMPTS = String(FREE_LOGINS);
  process.env.OIDC_REDIRECT_URI = `${stack.api.baseUrl}/auth/sso/callback`;
  process.env.OIDC_CLIENT_SECRET = CLIENT_SECRET;
});
afterAll(() => {
  for (const [k, v] of [
    ['LOGIN_FREE_ATTEMPTS', saved.free],
    ['OIDC_REDIRECT_URI', saved.redirect],
    ['OIDC_CLIENT_SECRET', saved.secret],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const db = () => stack.t.orm.em.fork();
// Every request here comes from 127.0.0.1: each test starts with nothing counted.
beforeEach(async () => {
  await db().execute('delete from login_throttle');
});

/** A browser: the flow's one cookie, and no redirect followed. */
function browser() {
  let cookie: string | null = null;
  return async (url: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (cookie && url.startsWith(stack.api.baseUrl)) headers.set('cookie', cookie);
    const r = await fetch(url, { ...init, headers, redirect: 'manual' });
    const set = r.headers.get('set-cookie');
    if (set && url.startsWith(stack.api.baseUrl)) cookie = set.split(';')[0] ?? null;
    const text = await r.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* a redirect's text */
    }
    return { status: r.status, location: r.headers.get('location') ?? '', retryAfter: r.headers.get('retry-after'), body: body as Record<string, unknown> };
  };
}

const start = () => browser()(`${stack.api.baseUrl}/auth/sso/start`);
const flows = async (): Promise<number> => Number((await db().execute<{ n: string }[]>('select count(*) as n from oidc_login'))[0]?.n);
const counted = async (): Promise<number | undefined> =>
  (await db().execute<{ failures: number }[]>("select failures from login_throttle where scope like 'sso:%'"))[0]?.failures;

/** The whole login: start, the provider, the callback, the handoff traded for a session. */
async function fullLogin(): Promise<void> {
  const go = browser();
  const s = await go(`${stack.api.baseUrl}/auth/sso/start`);
  expect(s.status).toBe(303);
  const back = await go((await go(s.location)).location);
  const handoff = new URL(back.location.replace('/#/', '/')).searchParams.get('sso');
  const session = await go(`${stack.api.baseUrl}/auth/sso/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handoff }) });
  expect(session.status).toBe(200);
}

test('past the free unfinished starts, a start is 429 too_many_attempts with Retry-After, and writes no flow', async () => {
  for (let i = 0; i < FREE_STARTS; i++) expect((await start()).status).toBe(303);
  const before = await flows();
  const refused = await start();
  expect(refused.status).toBe(429);
  expect(refused.body).toEqual({
    status: 429,
    code: 'too_many_attempts',
    message: expect.stringMatching(/^too many logins started and not finished from this address; try again in \d+ s$/),
    details: { retryAfterSeconds: expect.any(Number) },
  });
  expect(Number(refused.retryAfter)).toBeGreaterThan(0);
  expect(refused.retryAfter).toBe(String((refused.body.details as { retryAfterSeconds: number }).retryAfterSeconds));
  expect(await flows()).toBe(before);
  // Password login counts failures in its own scopes: this address's starts do not lock it.
  expect((await stack.h.call('POST', '/auth/login', { body: { username: 'jyj-staff', password: 'wrong' } })).status).toBe(401);
});

test('logins that finish never lock the address; abandoned ones do', async () => {
  for (let i = 0; i < FREE_STARTS + 2; i++) await fullLogin();
  expect(await counted()).toBe(0);
  for (let i = 0; i < FREE_STARTS; i++) expect((await start()).status).toBe(303);
  expect((await start()).status).toBe(429);
});

test('an address quiet for a flow’s lifetime (10 min) starts again from zero', async () => {
  for (let i = 0; i < FREE_STARTS; i++) await start();
  expect((await start()).status).toBe(429);
  // Ten minutes pass on the database's clock: every flow it started has expired, and so has the lock.
  await db().execute("update login_throttle set last_failure_at = now() - interval '601 seconds', locked_until = now() - interval '1 second'");
  expect((await start()).status).toBe(303);
  expect(await counted()).toBe(1);
});

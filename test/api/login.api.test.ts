/**
 * Login and sessions (issue 10 §6) over HTTP against a real PostgreSQL: throttling per username and per
 * address with a doubling backoff (by counts and the Retry-After it answers, never by timing), the same
 * scrypt work for unknown usernames, logout-all, the list of one's own sessions, idle expiry, and the
 * password policy.
 */
import { kdf, passwordProblem } from '../../api/auth';
import { DEMO_PASSWORD } from '../../platform/seed';
import { useApiStack } from '../helpers/api';

const stack = useApiStack();

const loginAs = (username: string, password: string, userAgent?: string) =>
  fetch(`${stack.api.baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(userAgent ? { 'user-agent': userAgent } : {}) },
    body: JSON.stringify({ username, password }),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as any, retryAfter: r.headers.get('retry-after') }));

const db = () => stack.t.orm.em.fork();

// Each test starts with no failures counted: the address (127.0.0.1) is shared by every test here.
beforeEach(async () => {
  await db().execute('delete from login_throttle');
});

describe('throttling', () => {
  test('5 wrong passwords are 401; the 6th attempt is 429 with Retry-After, even with the right password', async () => {
    for (let i = 0; i < 5; i++) expect((await loginAs('jyj-staff', 'wrong')).status).toBe(401);
    const locked = await loginAs('jyj-staff', DEMO_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ status: 429, code: 'too_many_attempts' });
    expect(Number(locked.retryAfter)).toBeGreaterThan(0);
    // Another user from the same address is not locked by this username's failures.
    expect((await loginAs('wjw-staff', DEMO_PASSWORD)).status).toBe(200);
  });

  test('the backoff doubles with each further failure', async () => {
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      // Let the lock pass (on the database's clock, not by sleeping), then fail once more.
      await db().execute("update login_throttle set locked_until = now() - interval '1 second' where scope = 'user:zzb-head'");
      const r = await loginAs('zzb-head', 'wrong');
      expect(r.status).toBe(401);
      const [row] = await db().execute<{ wait: string | null }[]>(
        "select round(extract(epoch from locked_until - now())) as wait from login_throttle where scope = 'user:zzb-head'",
      );
      waits.push(row?.wait === null || row?.wait === undefined ? 0 : Number(row.wait));
    }
    // 4 failures free, the 5th locks for 2 s (LOGIN_BACKOFF_SECONDS), then 4 s, 8 s, 16 s.
    expect(waits.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(waits.slice(4).map((w) => Math.round(Math.log2(w)))).toEqual([1, 2, 3, 4]);
  });

  test('the right password after the lock has passed logs in and forgives the username', async () => {
    for (let i = 0; i < 5; i++) await loginAs('jyj-head', 'wrong');
    expect((await loginAs('jyj-head', DEMO_PASSWORD)).status).toBe(429);
    await db().execute("update login_throttle set locked_until = null where scope = 'user:jyj-head'");
    expect((await loginAs('jyj-head', DEMO_PASSWORD)).status).toBe(200);
    expect(await db().execute("select 1 from login_throttle where scope = 'user:jyj-head'")).toHaveLength(0);
  });

  test('an address guessing many usernames is locked after 4 × 5 failures, for every username', async () => {
    for (let i = 0; i < 20; i++) expect((await loginAs(`nobody-${i}`, 'wrong')).status).toBe(401);
    const r = await loginAs('wjw-staff', DEMO_PASSWORD);
    expect(r.status).toBe(429);
    expect(r.body.code).toBe('too_many_attempts');
  });
});

test('an unknown username costs the same scrypt as a wrong password: the same answer, the same number of hash computations', async () => {
  await loginAs('warm-up-unknown', 'x'); // the dummy hash is made once, on first use
  const spy = jest.spyOn(kdf, 'scrypt');
  try {
    const known = await loginAs('jyj-staff', 'wrong');
    const knownCalls = spy.mock.calls.length;
    spy.mockClear();
    const unknown = await loginAs('no-such-user', 'wrong');
    const unknownCalls = spy.mock.calls.length;
    expect(known.status).toBe(401);
    expect(unknown).toEqual(known);
    expect(knownCalls).toBe(1);
    expect(unknownCalls).toBe(knownCalls);
    // And the key length and salt length are those of a real hash (the same cost).
    expect(spy.mock.calls[0]![2]).toBe(32);
    expect(spy.mock.calls[0]![1].length).toBe(16);
  } finally {
    spy.mockRestore();
  }
});

describe('sessions', () => {
  test('GET /auth/sessions lists only one’s own sessions; logout-all ends every one of them', async () => {
    const a = (await loginAs('wjw-head', DEMO_PASSWORD, 'browser-a')).body.token as string;
    const b = (await loginAs('wjw-head', DEMO_PASSWORD, 'browser-b')).body.token as string;
    const other = (await loginAs('zzb-staff', DEMO_PASSWORD)).body.token as string;
    const listed = await stack.h.call('GET', '/auth/sessions', { token: a });
    expect(listed.status).toBe(200);
    expect(listed.body.map((s: { userAgent: string }) => s.userAgent).sort()).toEqual(['browser-a', 'browser-b']);
    expect(listed.body.filter((s: { current: boolean }) => s.current).map((s: { userAgent: string }) => s.userAgent)).toEqual(['browser-a']);
    expect(JSON.stringify(listed.body)).not.toContain(a);

    const ended = await stack.h.call('POST', '/auth/logout-all', { token: b });
    expect(ended.body).toEqual({ ok: true, ended: 2 });
    expect((await stack.h.call('GET', '/me', { token: a })).status).toBe(401);
    expect((await stack.h.call('GET', '/me', { token: b })).status).toBe(401);
    // Another user's session is untouched.
    expect((await stack.h.call('GET', '/me', { token: other })).status).toBe(200);
  });

  test('a session idle longer than SESSION_IDLE_MINUTES has expired; one in use has not', async () => {
    const idle = (await loginAs('jyj-staff', DEMO_PASSWORD, 'idle')).body.token as string;
    const busy = (await loginAs('jyj-staff', DEMO_PASSWORD, 'busy')).body.token as string;
    expect((await stack.h.call('GET', '/me', { token: idle })).status).toBe(200);
    await db().execute("update session set last_seen_at = now() - interval '31 minutes' where user_agent = 'idle'");
    await db().execute("update session set last_seen_at = now() - interval '29 minutes' where user_agent = 'busy'");
    const r = await stack.h.call('GET', '/me', { token: idle });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('unauthenticated');
    expect(await db().execute("select 1 from session where user_agent = 'idle'")).toHaveLength(0);
    expect((await stack.h.call('GET', '/me', { token: busy })).status).toBe(200);
    // Using it moved its last use forward.
    const [row] = await db().execute<{ idle: number }[]>("select extract(epoch from now() - last_seen_at) as idle from session where user_agent = 'busy'");
    expect(Number(row!.idle)).toBeLessThan(60);
  });
});

test('the password policy', () => {
  expect(passwordProblem('short1A!', 'u')).toMatch(/at least 12/);
  expect(passwordProblem('alllowercaseletters', 'u')).toMatch(/three of/);
  expect(passwordProblem('Zhang.San.2026', 'zhang.san')).toMatch(/username/);
  expect(passwordProblem('Password1234', 'u')).toMatch(/well-known/);
  expect(passwordProblem('组织部-Spring2026', 'u')).toBeNull();
  expect(passwordProblem('Correct-Horse-7', 'jyj-staff')).toBeNull();
});

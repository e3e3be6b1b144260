/**
 * An external OpenID Connect provider (issue 10 §6), against a local issuer (./oidc-issuer.ts: discovery,
 * JWKS, authorization and token endpoints on a free port). A valid token is a
 * tingjin user on real routes; every forged or misdirected one is 401 without the token in the answer; the
 * local sessions keep working beside it.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { exportSPKI, generateKeyPair, UnsecuredJWT } from 'jose';
import { DEMO_PASSWORD } from '../../platform/seed';
import { newKey, useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';
import { CLIENT_ID, CLIENT_SECRET, listen, now, useLocalIssuer, type LocalIssuer, type TokenOptions } from './oidc-issuer';

const stack = useApiStack();

const ENV = [
  'OIDC_ISSUER',
  'OIDC_CLIENT_ID',
  'OIDC_AUDIENCE',
  'OIDC_USER_CLAIM',
  'OIDC_UNIT_CLAIM',
  'OIDC_ROLES_CLAIM',
  'OIDC_REDIRECT_URI',
  'OIDC_CLIENT_SECRET',
  'LOCAL_LOGIN',
] as const;
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

const local = useLocalIssuer();
const { served, provider } = local;
const token = (o?: TokenOptions): Promise<string> => local.token(o);
let issuer: string;
let keys: LocalIssuer['keys'];
beforeAll(() => {
  issuer = local.issuer;
  keys = local.keys;
});

afterEach(() => {
  for (const k of ['OIDC_UNIT_CLAIM', 'OIDC_ROLES_CLAIM', 'LOCAL_LOGIN', 'OIDC_REDIRECT_URI', 'OIDC_CLIENT_SECRET'] as const) delete process.env[k];
  process.env.OIDC_ISSUER = issuer;
});

afterAll(() => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

const me = (t: string) => stack.h.call('GET', '/me', { token: t });

test('a valid token from the provider is its tingjin user on real routes, the local session beside it still works', async () => {
  const t = await token();
  const r = await me(t);
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ id: 'jyj-staff', unitId: 'jyj', roles: ['staff'] });
  expect((await stack.h.call('GET', '/inbox', { token: t })).status).toBe(200);
  // A write with an Idempotency-Key: a start, scoped as for a local session.
  const started = await stack.h.call('POST', '/procedures/approvalRequest', {
    token: t,
    key: newKey(),
    body: { requestId: uniqueId('sso'), title: '单点登录发起', steps: [{ key: 's', name: '审批', mode: 'any', assignees: { kind: 'user', userId: 'jyj-head' } }] },
  });
  expect(started.status).toBe(201);
  expect((await stack.h.call('GET', `/procedures/${started.body.workflowId}`, { token: t })).body.procedure).toMatchObject({ startedBy: 'jyj-staff' });
  // The issuer was asked once for its discovery document and keys, not per request.
  expect(served).toEqual({ discovery: 1, jwks: 1 });

  const local = await stack.h.login('wjw-staff');
  expect((await me(local)).body).toMatchObject({ id: 'wjw-staff' });
});

test('expired, wrong audience, wrong issuer, bad signature, alg none, HS256 with the public key, unknown user: each 401, the token never echoed', async () => {
  const other = await generateKeyPair('RS256');
  const pem = await exportSPKI(keys.publicKey);
  const cases: [string, string, RegExp][] = [
    ['expired', await token({ exp: -3600 }), /expired/],
    ['wrong audience', await token({ aud: 'another-client' }), /audience/],
    ['wrong issuer', await token({ iss: 'https://sso.example.invalid' }), /issuer/],
    ['bad signature', await token({ key: other.privateKey }), /signature/],
    [
      'alg none',
      new UnsecuredJWT({ preferred_username: 'jyj-staff' }).setIssuer(issuer).setAudience(CLIENT_ID).setSubject('x').setIssuedAt().setExpirationTime('5m').encode(),
      /algorithm/,
    ],
    ['HS256 keyed with the public key', await token({ alg: 'HS256', key: new TextEncoder().encode(pem) }), /algorithm/],
    ['unknown user', await token({ claims: { preferred_username: 'nobody-at-the-city' } }), /not a tingjin user/],
    ['no user claim', await token({ claims: { preferred_username: undefined } }), /preferred_username/],
  ];
  // A token whose payload was changed after signing (another user, same signature).
  const [h, , s] = (await token()).split('.');
  const forged = Buffer.from(JSON.stringify({ preferred_username: 'zzb-staff', iss: issuer, aud: CLIENT_ID, sub: 'x', exp: now() + 300 })).toString('base64url');
  cases.push(['payload changed after signing', `${h}.${forged}.${s}`, /signature/]);

  for (const [what, t, message] of cases) {
    const r = await me(t);
    expect([what, r.status]).toEqual([what, 401]);
    expect(Object.keys(r.body as object).sort()).toEqual(['code', 'message', 'status']);
    expect([what, r.body.code]).toEqual([what, 'unauthenticated']);
    expect([what, r.body.message]).toEqual([what, expect.stringMatching(message)]);
    const text = JSON.stringify(r.body);
    for (const part of t.split('.').filter((p) => p.length > 8)) expect(text).not.toContain(part);
  }
});

test('OIDC_UNIT_CLAIM must agree with master data; OIDC_ROLES_CLAIM withdraws roles, never grants them', async () => {
  process.env.OIDC_UNIT_CLAIM = 'unit';
  process.env.OIDC_ROLES_CLAIM = 'roles';
  const moved = await me(await token({ claims: { unit: 'wjw', roles: ['staff'] } }));
  expect(moved.body).toMatchObject({ status: 401, code: 'unauthenticated', message: expect.stringMatching(/another unit/) });
  expect((await me(await token({ claims: { roles: ['staff'] } }))).body.message).toMatch(/OIDC_UNIT_CLAIM/);

  expect((await me(await token({ claims: { unit: 'jyj', roles: ['staff', 'admin'] } }))).body).toMatchObject({ id: 'jyj-staff', roles: ['staff'] });
  const withdrawn = await token({ claims: { unit: ['city', 'jyj'], roles: 'approver' } });
  expect((await me(withdrawn)).body).toMatchObject({ id: 'jyj-staff', roles: [] });
  // Without staff, starting is refused like for any user without the role.
  const start = await stack.h.call('POST', '/procedures/approvalRequest', {
    token: withdrawn,
    key: newKey(),
    body: { requestId: uniqueId('sso'), title: 't', steps: [{ key: 's', name: 's', mode: 'any', assignees: { kind: 'user', userId: 'jyj-head' } }] },
  });
  expect(start.status).toBe(403);
});

test('LOCAL_LOGIN=off: password login is refused with where to log in instead; provider tokens still work', async () => {
  process.env.LOCAL_LOGIN = 'off';
  const r = await stack.h.call('POST', '/auth/login', { body: { username: 'zzb-head', password: 'whatever-it-is' } });
  expect(r.status).toBe(403);
  expect(r.body).toMatchObject({ code: 'local_login_disabled', message: expect.stringContaining(issuer) });
  expect((await me(await token())).status).toBe(200);
});

test('a provider that cannot be reached: 503 identity_provider_unavailable, not a 401 for a token that may be good', async () => {
  const closed = await listen(express());
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  process.env.OIDC_ISSUER = `http://127.0.0.1:${port}`;
  const r = await me(await token({ iss: `http://127.0.0.1:${port}` }));
  expect(r.body).toMatchObject({ status: 503, code: 'identity_provider_unavailable' });
});

describe('logout ends a provider token too (it has no local session)', () => {
  test('after logout the same token is 401; another token of the user still works', async () => {
    const t = await token();
    const other = await token({ exp: 301 });
    expect((await me(t)).status).toBe(200);
    expect((await stack.h.call('POST', '/auth/logout', { token: t })).status).toBe(200);
    const after = await me(t);
    expect(after.body).toMatchObject({ status: 401, code: 'unauthenticated', message: expect.stringMatching(/ended by logout/) });
    expect((await me(other)).status).toBe(200);
    // Listed until the token's own expiry, by hash (never the token itself).
    const rows = await stack.t.orm.em.fork().execute<{ token_hash: string; expires_at: Date }[]>('select token_hash, expires_at from revoked_token');
    expect(rows.every((r) => !r.token_hash.includes('.') && r.token_hash.length === 64)).toBe(true);
  });

  test('logout-all refuses every provider token issued until then; one issued later passes', async () => {
    const before = await token({ iat: -30, claims: { preferred_username: 'wjw-staff' } });
    const caller = await token({ iat: -20, claims: { preferred_username: 'wjw-staff' } });
    const local = await stack.h.call('POST', '/auth/login', { body: { username: 'wjw-staff', password: DEMO_PASSWORD } });
    expect((await me(before)).status).toBe(200);
    expect((await stack.h.call('POST', '/auth/logout-all', { token: caller })).status).toBe(200);
    for (const t of [before, caller, local.body.token as string]) expect((await me(t)).status).toBe(401);
    expect((await me(before)).body.message).toMatch(/logout-all/);
    // The provider's next login (iat after the cutoff) is accepted; another user is untouched.
    expect((await me(await token({ iat: 2, claims: { preferred_username: 'wjw-staff' } }))).status).toBe(200);
    expect((await me(await token({ iat: -30 }))).status).toBe(200);
  });
});

/** A browser: its cookie jar (the one cookie the flow sets) and requests that do not follow redirects. */
function browser() {
  let cookie: string | null = null;
  return {
    get cookie() {
      return cookie;
    },
    async go(url: string, init: RequestInit = {}): Promise<{ status: number; location: string; body: any }> {
      const headers = new Headers(init.headers);
      if (cookie && url.startsWith(stack.api.baseUrl)) headers.set('cookie', cookie);
      const r = await fetch(url, { ...init, headers, redirect: 'manual' });
      const set = r.headers.get('set-cookie');
      if (set && url.startsWith(stack.api.baseUrl)) {
        const [pair] = set.split(';');
        cookie = pair?.endsWith('=') ? null : (pair ?? null);
      }
      const text = await r.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* a redirect's text */
      }
      return { status: r.status, location: r.headers.get('location') ?? '', body };
    },
  };
}

type Browser = ReturnType<typeof browser>;

/** The console's button: to the provider, whose login sends the browser back; answers the callback's redirect. */
async function loginAtProvider(b: Browser, returnTo = '/inbox'): Promise<{ start: string; callback: string; location: string }> {
  const start = await b.go(`${stack.api.baseUrl}/auth/sso/start?returnTo=${encodeURIComponent(returnTo)}`);
  expect(start.status).toBe(303);
  const atProvider = await b.go(start.location);
  expect(atProvider.status).toBe(302);
  const back = await b.go(atProvider.location);
  expect(back.status).toBe(303);
  return { start: start.location, callback: atProvider.location, location: back.location };
}

const handoffOf = (location: string): string | null => new URL(location.replace('/#/', '/')).searchParams.get('sso');
const errorOf = (location: string): string | null => new URL(location.replace('/#/', '/')).searchParams.get('sso_error');
const trade = (b: Browser, handoff: string) =>
  b.go(`${stack.api.baseUrl}/auth/sso/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handoff }) });

describe('the console’s login at the provider (authorization code, PKCE, state, nonce)', () => {
  beforeEach(() => {
    process.env.OIDC_REDIRECT_URI = `${stack.api.baseUrl}/auth/sso/callback`;
    process.env.OIDC_CLIENT_SECRET = CLIENT_SECRET;
  });

  test('start → provider → callback → handoff: a local session the API accepts, which logout ends', async () => {
    expect((await stack.h.call('GET', '/auth/options')).body).toEqual({ localLogin: true, sso: true });
    const b = browser();
    const { start, location } = await loginAtProvider(b, '/procedures/some-id?tab=audit');
    // What the provider was asked: the code flow, S256, our redirect URI, a state and a nonce.
    expect(start.startsWith(`${issuer}/authorize?`)).toBe(true);
    const asked = provider.asked as URLSearchParams;
    expect(Object.fromEntries(['response_type', 'client_id', 'redirect_uri', 'code_challenge_method', 'scope'].map((k) => [k, asked.get(k)]))).toEqual({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: `${stack.api.baseUrl}/auth/sso/callback`,
      code_challenge_method: 'S256',
      scope: 'openid profile',
    });
    for (const k of ['state', 'nonce', 'code_challenge']) expect(asked.get(k)).toMatch(/^[\w-]{43}$/);
    // The exchange proved the verifier and used the client secret.
    expect(provider.exchanged).toEqual({ verifierMatched: true, secretMatched: true, refused: null });
    // Back to the console only, on the redirect URI's origin, with a handoff and not the token.
    expect(location).toMatch(new RegExp(`^${stack.api.baseUrl.replace(/\./g, '\\.')}/#/login\\?sso=[\\w-]{43}$`));
    expect(b.cookie).toMatch(/^tingjin_sso=/);
    const handoff = handoffOf(location) as string;

    const session = await trade(b, handoff);
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ user: { id: 'jyj-staff' }, returnTo: '/procedures/some-id?tab=audit' });
    const t = session.body.token as string;
    expect(t).not.toContain('.');
    expect((await me(t)).body).toMatchObject({ id: 'jyj-staff', unitId: 'jyj', roles: ['staff'] });
    expect((await stack.h.call('GET', '/auth/sessions', { token: t })).body).toEqual([expect.objectContaining({ current: true })]);
    // Single use: the handoff again, and the provider's redirect again (same code and state), both fail.
    expect((await trade(b, handoff)).status).toBe(401);
    // And logout ends it like any local session.
    expect((await stack.h.call('POST', '/auth/logout', { token: t })).status).toBe(200);
    expect((await me(t)).status).toBe(401);
  });

  test('replay: the provider’s redirect sent a second time is refused (state used once), and gives no handoff', async () => {
    const b = browser();
    const { callback, location } = await loginAtProvider(b);
    expect(handoffOf(location)).toBeTruthy();
    const again = await b.go(callback);
    expect(again.status).toBe(303);
    expect(errorOf(again.location)).toBe('state');
    expect(handoffOf(again.location)).toBeNull();
  });

  test('CSRF: a callback in another browser (an attacker’s code and state sent to a victim) is refused', async () => {
    const attacker = browser();
    const start = await attacker.go(`${stack.api.baseUrl}/auth/sso/start`);
    const atProvider = await attacker.go(start.location);
    // The victim opens the attacker's callback link: their browser has no cookie, or its own from another start.
    const victim = browser();
    await victim.go(`${stack.api.baseUrl}/auth/sso/start`);
    expect(victim.cookie).not.toEqual(attacker.cookie);
    const r = await victim.go(atProvider.location);
    expect(errorOf(r.location)).toBe('browser');
    const noCookie = browser();
    const attacker2 = browser();
    const s2 = await attacker2.go(`${stack.api.baseUrl}/auth/sso/start`);
    const p2 = await attacker2.go(s2.location);
    expect(errorOf((await noCookie.go(p2.location)).location)).toBe('browser');
    // A handoff is bound to the browser too: stolen from the URL, it is useless elsewhere.
    const b = browser();
    const { location } = await loginAtProvider(b);
    expect((await trade(browser(), handoffOf(location) as string)).status).toBe(401);
    expect((await trade(b, handoffOf(location) as string)).status).toBe(200);
  });

  test('an ID token with another login’s nonce, or for another client, is refused; so is an unknown user', async () => {
    provider.tamper = 'nonce';
    expect(errorOf((await loginAtProvider(browser())).location)).toBe('token');
    provider.tamper = 'audience';
    expect(errorOf((await loginAtProvider(browser())).location)).toBe('token');
    provider.tamper = null;
    provider.user = 'nobody-at-the-city';
    expect(errorOf((await loginAtProvider(browser())).location)).toBe('user');
  });

  test('the provider refusing the exchange (a wrong client secret) and the user cancelling both end at the console’s login', async () => {
    process.env.OIDC_CLIENT_SECRET = 'not-the-secret';
    expect(errorOf((await loginAtProvider(browser())).location)).toBe('provider');
    expect(provider.exchanged).toMatchObject({ verifierMatched: true, secretMatched: false });
    process.env.OIDC_CLIENT_SECRET = CLIENT_SECRET;
    const b = browser();
    const start = await b.go(`${stack.api.baseUrl}/auth/sso/start`);
    const state = new URL(start.location).searchParams.get('state') as string;
    const denied = await b.go(`${stack.api.baseUrl}/auth/sso/callback?error=access_denied&state=${state}`);
    expect(errorOf(denied.location)).toBe('denied');
  });

  test('an expired flow or handoff is refused', async () => {
    const b = browser();
    const start = await b.go(`${stack.api.baseUrl}/auth/sso/start`);
    const atProvider = await b.go(start.location);
    await stack.t.orm.em.fork().execute("update oidc_login set expires_at = now() - interval '1 second' where called_back_at is null");
    expect(errorOf((await b.go(atProvider.location)).location)).toBe('state');

    const { location } = await loginAtProvider(b);
    await stack.t.orm.em.fork().execute("update oidc_login set handoff_expires_at = now() - interval '1 second' where handoff_hash is not null");
    expect((await trade(b, handoffOf(location) as string)).status).toBe(401);
  });

  test('open redirects: returnTo is a console path only; every redirect goes to the provider or the console’s origin', async () => {
    for (const bad of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/a\nb', 'inbox']) {
      const r = await browser().go(`${stack.api.baseUrl}/auth/sso/start?returnTo=${encodeURIComponent(bad)}`);
      expect([bad, r.status]).toEqual([bad, 400]);
      expect(r.body).toMatchObject({ status: 400, message: expect.stringContaining('returnTo') });
    }
    // A forged callback with a state of its own goes to the console, not anywhere it names.
    const r = await browser().go(`${stack.api.baseUrl}/auth/sso/callback?code=x&state=y&redirect_uri=https%3A%2F%2Fevil.example`);
    expect(r.location.startsWith(`${stack.api.baseUrl}/#/login?`)).toBe(true);
  });

  test('OIDC_ROLES_CLAIM limits the session’s roles as it limits a bearer token’s', async () => {
    process.env.OIDC_ROLES_CLAIM = 'roles';
    provider.claims = { roles: ['approver'] };
    const b = browser();
    const { location } = await loginAtProvider(b);
    const session = await trade(b, handoffOf(location) as string);
    expect(session.body.user).toMatchObject({ id: 'jyj-staff', roles: [] });
    expect((await me(session.body.token as string)).body).toMatchObject({ id: 'jyj-staff', roles: [] });
  });

  test('without OIDC_REDIRECT_URI the console offers no provider login', async () => {
    delete process.env.OIDC_REDIRECT_URI;
    expect((await stack.h.call('GET', '/auth/options')).body).toEqual({ localLogin: true, sso: false });
    const r = await browser().go(`${stack.api.baseUrl}/auth/sso/start`);
    expect(r).toMatchObject({ status: 404, body: { code: 'sso_not_configured' } });
  });
});

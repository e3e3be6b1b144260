/**
 * An external OpenID Connect provider (issue 10 §6), against a local issuer: an express server on a free
 * port serving its discovery document and JWKS, with keys from jose's generateKeyPair. A valid token is a
 * tingjin user on real routes; every forged or misdirected one is 401 without the token in the answer; the
 * local sessions keep working beside it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type KeyLike } from 'jose';
import { newKey, useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';

const stack = useApiStack();

const CLIENT_ID = 'tingjin-console';
const KID = 'key-1';
const ENV = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_AUDIENCE', 'OIDC_USER_CLAIM', 'OIDC_UNIT_CLAIM', 'OIDC_ROLES_CLAIM', 'LOCAL_LOGIN'] as const;
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

let issuer: string;
let issuerServer: Server;
let keys: { privateKey: KeyLike; publicKey: KeyLike };
/** Discovery and key requests the issuer served, to see that keys are cached rather than fetched per request. */
const served = { discovery: 0, jwks: 0 };

const listen = (app: express.Express): Promise<Server> =>
  new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });

beforeAll(async () => {
  keys = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  const app = express();
  app.get('/.well-known/openid-configuration', (_req, res) => {
    served.discovery++;
    res.json({ issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['RS256'] });
  });
  app.get('/jwks', (_req, res) => {
    served.jwks++;
    res.json({ keys: [jwk] });
  });
  issuerServer = await listen(app);
  issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
  process.env.OIDC_ISSUER = issuer;
  process.env.OIDC_CLIENT_ID = CLIENT_ID;
});

afterEach(() => {
  for (const k of ['OIDC_UNIT_CLAIM', 'OIDC_ROLES_CLAIM', 'LOCAL_LOGIN'] as const) delete process.env[k];
  process.env.OIDC_ISSUER = issuer;
});

afterAll(async () => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await new Promise<void>((resolve) => issuerServer.close(() => resolve()));
});

interface TokenOptions {
  claims?: Record<string, unknown>;
  iss?: string;
  aud?: string;
  /** Seconds from now. */
  exp?: number;
  alg?: string;
  key?: KeyLike | Uint8Array;
}

const now = () => Math.floor(Date.now() / 1000);

function token(o: TokenOptions = {}): Promise<string> {
  return new SignJWT({ preferred_username: 'jyj-staff', ...o.claims })
    .setProtectedHeader({ alg: o.alg ?? 'RS256', kid: KID, typ: 'JWT' })
    .setIssuer(o.iss ?? issuer)
    .setAudience(o.aud ?? CLIENT_ID)
    .setSubject('3f1c8a2e-0000-4000-8000-000000000001')
    .setIssuedAt(now() - 60)
    .setExpirationTime(now() + (o.exp ?? 300))
    .sign(o.key ?? keys.privateKey);
}

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

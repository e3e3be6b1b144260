/** OIDC_* settings (platform/config.ts): what a process refuses to start with, and the defaults. */
import { insecureUrlProblem, loadConfig } from '../../platform/config';

const base = { OIDC_ISSUER: 'https://sso.example.gov.cn/realms/city', OIDC_CLIENT_ID: 'tingjin' };

test('unset issuer: no provider, password login on', () => {
  expect(loadConfig({}).oidc).toBeNull();
  expect(loadConfig({}).localLogin).toBe(true);
});

test('the defaults: audience is the client id, the username in preferred_username, public-key algorithms only', () => {
  expect(loadConfig(base).oidc).toEqual({
    issuer: base.OIDC_ISSUER,
    clientId: 'tingjin',
    audience: ['tingjin'],
    userClaim: 'preferred_username',
    unitClaim: null,
    rolesClaim: null,
    algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    clockToleranceSeconds: 30,
    redirectUri: null,
    clientSecret: null,
    scopes: 'openid profile',
  });
  expect(loadConfig({ ...base, OIDC_AUDIENCE: 'tingjin, tingjin-api', OIDC_USER_CLAIM: 'uid', OIDC_ROLES_CLAIM: 'roles' }).oidc).toMatchObject({
    audience: ['tingjin', 'tingjin-api'],
    userClaim: 'uid',
    rolesClaim: 'roles',
  });
});

test.each([
  [{ OIDC_ALGORITHMS: 'none' }, /OIDC_ALGORITHMS: none not allowed/],
  [{ OIDC_ALGORITHMS: 'RS256,HS256' }, /HS256 not allowed/],
  [{ OIDC_ALGORITHMS: ' , ' }, /none given/],
  [{ OIDC_CLIENT_ID: '' }, /OIDC_CLIENT_ID must be set/],
  [{ OIDC_ISSUER: 'http://sso.example.gov.cn' }, /OIDC_ISSUER must be https/],
  [{ OIDC_ISSUER: 'sso.example.gov.cn' }, /OIDC_ISSUER is not a URL/],
  [{ OIDC_CLOCK_TOLERANCE_SECONDS: '-5' }, /0 to 300/],
  [{ LOCAL_LOGIN: 'maybe' }, /LOCAL_LOGIN must be on or off/],
  [{ OIDC_REDIRECT_URI: 'http://tingjin.example.gov.cn/auth/sso/callback' }, /OIDC_REDIRECT_URI must be https/],
  [{ OIDC_REDIRECT_URI: 'https://tingjin.example.gov.cn/callback' }, /must end in \/auth\/sso\/callback/],
])('refused at startup: %j', (env, message) => {
  expect(() => loadConfig({ ...base, ...env })).toThrow(message);
});

test('the console’s login at the provider: the callback URL, a secret, scopes with openid always', () => {
  expect(
    loadConfig({ ...base, OIDC_REDIRECT_URI: 'https://tingjin.example.gov.cn/auth/sso/callback', OIDC_CLIENT_SECRET: 's3cret', OIDC_SCOPES: 'profile email' }).oidc,
  ).toMatchObject({ redirectUri: 'https://tingjin.example.gov.cn/auth/sso/callback', clientSecret: 's3cret', scopes: 'openid profile email' });
});

test('plain http only to this machine', () => {
  for (const ok of ['https://sso.example.gov.cn', 'http://127.0.0.1:8080', 'http://localhost:9000/realms/x', 'http://[::1]:80']) expect(insecureUrlProblem(ok)).toBeNull();
  for (const bad of ['http://10.0.0.5', 'http://localhost.evil.example', 'ftp://sso.example.gov.cn']) expect(insecureUrlProblem(bad)).not.toBeNull();
  expect(loadConfig({ LOCAL_LOGIN: 'off' }).localLogin).toBe(false);
});

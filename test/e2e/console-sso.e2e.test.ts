/**
 * 统一身份认证登录 in a real browser (issue 10 §6): the console's login page offers the identity provider
 * when the API is configured for it; the button runs the whole authorization-code flow (the API's start,
 * the local issuer's login, the API's callback, the handoff) and ends logged in on the page the user asked
 * for. A user the provider knows and tingjin does not comes back to 登录 with a message in Chinese.
 * The local issuer is the OIDC API test's (test/api/oidc-issuer.ts).
 */
import { useApiStack } from '../helpers/api';
import { useLocalIssuer, CLIENT_SECRET } from '../api/oidc-issuer';
import { describeInBrowser, expectChinese, useConsole } from './browser';

describeInBrowser('console sso e2e')('统一身份认证登录 (Chromium)', () => {
  jest.setTimeout(240_000);
  const stack = useApiStack();
  const local = useLocalIssuer();
  const saved = { redirect: process.env.OIDC_REDIRECT_URI, secret: process.env.OIDC_CLIENT_SECRET, local: process.env.LOCAL_LOGIN };
  beforeAll(() => {
    process.env.OIDC_REDIRECT_URI = `${stack.api.baseUrl}/auth/sso/callback`;
    process.env.OIDC_CLIENT_SECRET = CLIENT_SECRET;
  });
  afterAll(() => {
    for (const [k, v] of [['OIDC_REDIRECT_URI', saved.redirect], ['OIDC_CLIENT_SECRET', saved.secret], ['LOCAL_LOGIN', saved.local]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const c = useConsole(() => stack.api.baseUrl);

  test('the button logs in at the provider and lands on the page asked for, with a session the API accepts', async () => {
    const page = await c.ctx.newPage();
    await page.goto(`${c.base}/#/calendar`);
    await page.waitForURL(/#\/login\?redirect=\/calendar/);
    const button = page.getByTestId('login-sso');
    await button.waitFor();
    // The password login stays beside it (LOCAL_LOGIN on).
    await page.getByLabel('用户名').waitFor();
    await c.shot(page, '00-login-sso');
    await button.click();
    await page.waitForURL(/#\/calendar$/);
    await page.getByTestId('current-user').waitFor();
    // The session is a local one: no dots, accepted by the API, and no handoff left in the address bar.
    expect(page.url()).not.toContain('sso=');
    const token = await page.evaluate(
      () => (JSON.parse((globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('tingjin.session') ?? '{}') as { token?: string }).token ?? '',
    );
    expect(token).not.toContain('.');
    expect((await stack.h.call('GET', '/me', { token })).body).toMatchObject({ id: 'jyj-staff' });
    await page.close();
  });

  test('a user tingjin does not know comes back to 登录 with a message; LOCAL_LOGIN=off leaves only the provider', async () => {
    local.provider.user = 'nobody-at-the-city';
    const page = await c.ctx.newPage();
    await page.goto(`${c.base}/#/login`);
    await page.getByTestId('login-sso').click();
    await page.getByTestId('login-error').getByText('该账号尚未开通本系统，请联系管理员').waitFor();
    expect(page.url()).not.toContain('sso_error');
    expect(await expectChinese(page)).toContain('该账号尚未开通本系统，请联系管理员');

    process.env.LOCAL_LOGIN = 'off';
    await page.goto(`${c.base}/#/login`);
    await page.reload();
    await page.getByTestId('login-sso').waitFor();
    expect(await page.getByLabel('用户名').count()).toBe(0);
    await c.shot(page, '00-login-sso-only');
    await page.close();
  });
});

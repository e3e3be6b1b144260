/**
 * Security headers (issue 10, "Headers", through helmet): a CSP the web console and Swagger UI can
 * live with, no framing (frame-ancestors 'none', X-Frame-Options DENY), nosniff and HSTS on every
 * answer, errors included; and Cache-Control: no-store on every authentication answer.
 */
import { useApiStack } from '../helpers/api';

const stack = useApiStack();

/** The CSP as a map of directive → sources. */
function csp(headers: Headers): Record<string, string[]> {
  const value = headers.get('content-security-policy') ?? '';
  return Object.fromEntries(
    value
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

function expectSecurityHeaders(headers: Headers): void {
  const policy = csp(headers);
  expect(policy['default-src']).toEqual(["'self'"]);
  expect(policy['script-src']).toEqual(["'self'"]);
  expect(policy['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
  expect(policy['frame-ancestors']).toEqual(["'none'"]);
  expect(policy['object-src']).toEqual(["'none'"]);
  // Plain HTTP inside the network must keep working.
  expect(policy).not.toHaveProperty('upgrade-insecure-requests');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  expect(headers.get('x-powered-by')).toBeNull();
}

test('every answer carries the CSP, no framing, nosniff and HSTS: a success, an error, a JSON problem', async () => {
  const token = await stack.h.login('zzb-staff');
  for (const r of [
    await stack.h.call('GET', '/health'),
    await stack.h.call('GET', '/inbox', { token }),
    await stack.h.call('GET', '/inbox'), // 401
    await stack.h.call('GET', '/no/such/route'), // 404
    await stack.h.call('POST', '/auth/login', { rawBody: '{"username":' }), // 400
  ]) {
    expectSecurityHeaders(r.headers);
  }
});

test('authentication answers are never stored: login, a failed login and logout', async () => {
  const ok = await stack.h.call('POST', '/auth/login', { body: { username: 'zzb-head', password: 'tingjin2026' } });
  expect(ok.status).toBe(200);
  expect(ok.headers.get('cache-control')).toBe('no-store');
  const failed = await stack.h.call('POST', '/auth/login', { body: { username: 'zzb-head', password: 'wrong-password' } });
  expect(failed.status).toBe(401);
  expect(failed.headers.get('cache-control')).toBe('no-store');
  const out = await stack.h.call('POST', '/auth/logout', { token: ok.body.token });
  expect(out.status).toBe(200);
  expect(out.headers.get('cache-control')).toBe('no-store');
});

test('Swagger UI at /docs lives with the CSP: no inline script, and every script and style it loads comes from here', async () => {
  const page = await fetch(`${stack.api.baseUrl}/docs/`);
  expect(page.status).toBe(200);
  expectSecurityHeaders(page.headers);
  const html = await page.text();
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  expect(scripts.length).toBeGreaterThan(0);
  for (const [, attrs, body] of scripts) {
    // script-src 'self' refuses inline code: each script must be a file of this origin.
    expect(attrs).toMatch(/src=["']\.\/[^"']+["']/);
    expect(body!.trim()).toBe('');
  }
  // No inline event handlers either (script-src-attr 'none').
  expect(html).not.toMatch(/\son[a-z]+=/i);
  const files = [...html.matchAll(/(?:src|href)=["']\.\/([^"']+)["']/g)].map((m) => m[1]!);
  expect(files).toEqual(expect.arrayContaining(['swagger-ui-bundle.js', 'swagger-ui-init.js', 'swagger-ui.css']));
  for (const f of files) {
    const r = await fetch(`${stack.api.baseUrl}/docs/${f}`);
    expect({ f, status: r.status }).toEqual({ f, status: 200 });
    await r.arrayBuffer();
  }
});

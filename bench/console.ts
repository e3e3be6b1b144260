/**
 * The web console in Chromium, against a running `npm start`:
 *   - the JavaScript a user downloads, gzipped: on first load (the 登录 screen), up to an interactive
 *     我的待办 (login included), and up to a task page opened from it (its form, the schema-built fields and
 *     the API's schemas they read);
 *   - the time until the inbox is interactive: a fresh browser profile (cold cache) with a session already
 *     in it opens /#/inbox, until the first task's link is visible and the page answers a click.
 *
 *   npx tsx bench/console.ts [--url http://127.0.0.1:3000] [--runs 10] [--tasks 50] [--user zzb-head]
 *
 * --tasks approval requests are started first (as zzb-staff, one step assigned to --user), so the inbox
 * has rows. --runs 0 counts the JavaScript only. Results go to stdout as JSON lines. It needs /usr/bin/chromium (apt-get install chromium).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import zlib from 'node:zlib';
import { chromium, type BrowserContext } from 'playwright-core';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const URL_ = arg('url', 'http://127.0.0.1:3000').replace(/\/$/, '');
const RUNS = Number(arg('runs', '10'));
const TASKS = Number(arg('tasks', '50'));
const USER = arg('user', 'zzb-head');
const PASSWORD = 'tingjin2026';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function call<T = Record<string, unknown>>(method: string, p: string, token?: string, body?: unknown): Promise<T> {
  const res = await fetch(`${URL_}${p}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(method === 'POST' ? { 'idempotency-key': `bench-${randomUUID()}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json: unknown = await res.json();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json as T;
}

async function browser(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-bench-chromium-')), { executablePath: '/usr/bin/chromium', headless: true, args: ARGS, viewport: { width: 1280, height: 800 } });
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  type Login = { token: string; expiresAt: string; user: { id: string } };
  const login = await call<Login>('POST', '/auth/login', undefined, { username: USER, password: PASSWORD });
  const staff = await call<Login>('POST', '/auth/login', undefined, { username: 'zzb-staff', password: PASSWORD });
  const tag = randomUUID().slice(0, 8);
  for (let i = 0; i < TASKS; i++) {
    await call('POST', '/procedures/approvalRequest', staff.token, {
      requestId: `BENCH-${tag}-${i}`,
      title: `基准测试 ${tag} ${i}`,
      steps: [{ key: 'review', name: '审核', mode: 'any', assignees: { kind: 'user', userId: login.user.id } }],
    });
  }
  const pending = (await call<{ total: number }>('GET', '/inbox/counts', login.token)).total;

  // JavaScript downloaded, gzipped as a server or proxy would send it (the API itself sends it uncompressed).
  {
    const ctx = await browser();
    const page = await ctx.newPage();
    const js: { url: string; bytes: number; gz: number; phase: string }[] = [];
    let phase = 'first load';
    page.on('response', async (r) => {
      if (r.request().resourceType() !== 'script') return;
      const body = await r.body().catch(() => null);
      if (body) js.push({ url: new URL(r.url()).pathname, bytes: body.length, gz: zlib.gzipSync(body, { level: 9 }).length, phase });
    });
    await page.goto(`${URL_}/`);
    await page.getByLabel('用户名').waitFor();
    await page.waitForLoadState('networkidle');
    phase = 'login to inbox';
    await page.getByLabel('用户名').fill(USER);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByTestId('inbox-table').getByRole('link').first().waitFor();
    await page.waitForLoadState('networkidle');
    phase = 'inbox to task';
    await page.getByTestId('inbox-table').getByRole('link').first().click();
    await page.getByTestId('act-form').waitFor();
    await page.waitForLoadState('networkidle');
    await ctx.close();
    const sum = (f: (x: (typeof js)[number]) => boolean) => js.filter(f).reduce((a, x) => ({ bytes: a.bytes + x.bytes, gz: a.gz + x.gz }), { bytes: 0, gz: 0 });
    const first = sum((x) => x.phase === 'first load');
    const inbox = sum((x) => x.phase !== 'inbox to task');
    const all = sum(() => true);
    const kb = (n: number): number => +(n / 1024).toFixed(1);
    console.log(
      JSON.stringify({
        measure: 'js',
        firstLoadKB: kb(first.bytes),
        firstLoadGzKB: kb(first.gz),
        toInboxKB: kb(inbox.bytes),
        toInboxGzKB: kb(inbox.gz),
        toInboxFiles: js.filter((x) => x.phase !== 'inbox to task').length,
        toTaskKB: kb(all.bytes),
        toTaskGzKB: kb(all.gz),
        toTaskFiles: js.length,
        taskPageFiles: js.filter((x) => x.phase === 'inbox to task').map((x) => `${x.url} ${kb(x.gz)}`),
      }),
    );
  }

  // Time until the inbox is interactive, cold cache, session present.
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const ctx = await browser();
    await ctx.addInitScript((s) => (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem('tingjin.session', s), JSON.stringify({ token: login.token, user: login.user, expiresAt: login.expiresAt }));
    const page = await ctx.newPage();
    await page.goto(`${URL_}/#/inbox`, { waitUntil: 'commit' });
    const link = page.getByTestId('inbox-table').getByRole('link').first();
    await link.waitFor();
    // Interactive: the main thread answers (a trial click needs the element stable and hit-testable).
    await link.click({ trial: true });
    const ms = await page.evaluate(() => performance.now());
    times.push(ms);
    await ctx.close();
  }
  if (!RUNS) return;
  console.log(JSON.stringify({ measure: 'inboxInteractive', runs: RUNS, pendingTasks: pending, p50ms: Math.round(pct(times, 50)), p90ms: Math.round(pct(times, 90)), minMs: Math.round(Math.min(...times)), maxMs: Math.round(Math.max(...times)) }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * The console beyond the walk-through (Chromium, as in console.e2e.test.ts): a task handled from the keyboard
 * alone, with visible focus on every control reached and the dialogs and step bar named for a screen reader;
 * the people import's error list at phone width; the people table's unit names; and a feedback of more than
 * one chunk of items (kernel/fanout.ts opens 250 before the start answers, the rest after) whose page follows
 * the opening until every item is open.
 */
import type { Locator, Page } from 'playwright-core';
import { rectificationReportWorkflowId } from '../../procedures/rectification/messages';
import { workflowIds } from '../helpers/ids';
import { inboxTask, newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { insertUnits } from '../helpers/units';
import { loadTestYear, testDate } from '../helpers/rectification';
import { describeInBrowser, expectChinese, PHONE, rosterFile, useConsole, WAIT } from './browser';

/** The page's globals this file reads, in the page (the tests' TypeScript has no DOM library). */
interface El {
  tagName: string;
  classList: Iterable<string>;
  parentElement: El | null;
  nextElementSibling: El | null;
  innerText: string;
  scrollWidth: number;
  clientWidth: number;
  getAttribute(name: string): string | null;
  contains(other: unknown): boolean;
  querySelectorAll(selector: string): Iterable<El>;
  getBoundingClientRect(): { right: number };
}
interface Win {
  innerWidth: number;
  document: { activeElement: El | null; body: El; documentElement: El; getAnimations(): { constructor: { name: string }; finished: Promise<unknown> }[] };
  getComputedStyle(e: El): { outlineStyle: string; outlineWidth: string; boxShadow: string; overflowX: string };
}

/** One more than the fan-out's first chunk, so the feedback's start answers with one item still to open. */
const UNITS = 251;
let units: string[] = [];

/**
 * Where the focus is now, and whether it shows: the focused element, a wrapper around it (Element Plus draws an
 * input's or a select's focus on its wrapper) or the face of a hidden radio (the element after it) has an
 * outline, or a ring in the theme's colour (#409eff).
 */
async function focusNow(page: Page): Promise<{ what: string; shown: boolean }> {
  return page.evaluate(async () => {
    const w = globalThis as unknown as Win;
    // Element Plus fades a focus ring in (a CSS transition): read the style once the fade has ended.
    await Promise.all(w.document.getAnimations().filter((a) => a.constructor.name === 'CSSTransition').map((a) => a.finished.catch(() => undefined)));
    const el = w.document.activeElement;
    if (!el || el === w.document.body) return { what: 'body', shown: true };
    const ringed = (e: El): boolean => {
      const s = w.getComputedStyle(e);
      return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow.includes('rgb(64, 158, 255)');
    };
    const around: El[] = [el];
    for (let p = el.parentElement, i = 0; p && i < 5; p = p.parentElement, i++) around.push(p);
    if (el.nextElementSibling) around.push(el.nextElementSibling);
    const label = el.getAttribute('aria-label') ?? (el.innerText ?? '').trim().slice(0, 30);
    return { what: `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} "${label}"`, shown: around.some(ringed) };
  });
}

/**
 * Records the focused control when its focus does not show, or when it has no role and name for a screen
 * reader (its accessibility snapshot's first line, `- role "name"`, as Chromium computes it).
 */
async function checkStop(page: Page, problems: string[]): Promise<void> {
  const f = await focusNow(page);
  if (f.what === 'body') return;
  if (!f.shown) problems.push(`focus not shown: ${f.what}`);
  const snap = ((await page.locator('*:focus').first().ariaSnapshot().catch(() => '')).split('\n')[0] ?? '').trim();
  if (!/^- [a-z]+ "[^"]+"/.test(snap) || /^- generic\b/.test(snap)) problems.push(`no role and name: ${f.what} (${snap})`);
}

/**
 * Presses Tab (Shift+Tab with `back`) until `target` has the focus, recording every stop whose focus does not
 * show; fails after `max` presses.
 */
async function tabTo(page: Page, target: Locator, problems: string[], opts: { back?: boolean; max?: number } = {}): Promise<void> {
  for (let i = 0; i < (opts.max ?? 80); i++) {
    await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
    await checkStop(page, problems);
    if (await target.evaluate((el) => {
      const now = (globalThis as unknown as Win).document.activeElement;
      return el === now || el.contains(now);
    })) return;
  }
  throw new Error(`Tab never reached ${String(target)}`);
}

/** Tabs through the whole page once (until the focus leaves it), checking every stop (checkStop). */
async function tabAround(page: Page, problems: string[], max = 150): Promise<number> {
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press('Tab');
    if ((await focusNow(page)).what === 'body') return i - 1;
    await checkStop(page, problems);
  }
  return max;
}

describeInBrowser('console access e2e')('web console: keyboard, phone width, master data, a large feedback (Chromium)', () => {
  jest.setTimeout(240_000);
  const stack = useApiStack(async (t) => {
    units = await insertUnits(t.orm.em.fork(), 'kb-', UNITS);
    // The feedbacks are dated in the test year (helpers/rectification), so nothing is overdue by the real clock.
    await loadTestYear(t.orm);
  });
  const c = useConsole(() => stack.api.baseUrl);

  test('a 退回 done from the keyboard alone: log in, 我的待办, the task, the action; focus shows at every stop', async () => {
    const feedbackId = uniqueId('KB').slice(0, 20);
    const title = `键盘办理 ${feedbackId}`;
    const staffToken = await stack.h.login('zzb-staff');
    const start = await stack.h.call('POST', '/procedures/rectification', {
      token: staffToken,
      key: newKey(),
      body: {
        feedbackId,
        title,
        inspectionGroup: '市委第三巡察组',
        feedbackDate: testDate('11-20'),
        problems: [{ no: '1', title: '干部档案管理不规范', difficulty: 'normal', leadUnitId: 'zzb', assignments: [{ unitId: 'jyj', dueDate: testDate('12-31') }] }],
        report: false,
      },
    });
    expect(start.status).toBe(201);
    const item = workflowIds.rectificationItem(feedbackId, '1', 'jyj');
    const submit = await inboxTask(stack.h, 'jyj-staff', item, 'submit');
    const submitted = await stack.h.call('POST', `/tasks/${submit}/actions`, {
      token: await stack.h.login('jyj-staff'),
      key: newKey(),
      body: { action: 'submit', data: { measures: '补齐干部档案', evidence: [{ name: '整改报告', ref: '教党〔2026〕40号' }], noRuleReason: '已有制度' } },
    });
    expect(submitted.status).toBe(200);
    await inboxTask(stack.h, 'xcb-reviewer', item, 'review');

    const problems: string[] = [];
    const page = await c.ctx.newPage();
    await page.goto(`${c.base}/#/login`);
    // 登录: the fields in order, and Enter sends the form.
    await tabTo(page, page.getByLabel('用户名'), problems);
    await page.keyboard.type('xcb-reviewer');
    await tabTo(page, page.getByLabel('密码'), problems);
    await page.keyboard.type('tingjin2026');
    await page.keyboard.press('Enter');
    await page.getByTestId('current-user').waitFor();

    // 我的待办 from the menu, then the task's link.
    await tabTo(page, page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '我的待办' }), problems);
    await page.keyboard.press('Enter');
    const link = page.getByTestId('inbox-table').getByRole('link', { name: title });
    await link.waitFor();
    await tabTo(page, link, problems);
    await page.keyboard.press('Enter');
    await page.getByTestId('act-form').waitFor();

    // The actions are one radio group: Tab reaches the chosen one, the arrows choose another.
    const form = page.getByTestId('act-form');
    await tabTo(page, form.getByRole('radio', { checked: true }), problems);
    for (let i = 0; i < 6 && !(await page.getByTestId('action-return').getAttribute('class'))?.includes('is-active'); i++) await page.keyboard.press('ArrowRight');
    expect(await page.getByTestId('action-return').getAttribute('class')).toContain('is-active');
    // 退回至: opened with Enter, an option taken with Enter.
    await tabTo(page, form.getByRole('combobox', { name: '退回至' }), problems);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await form.locator('.el-select__wrapper').getByText('单位提交').waitFor();
    await tabTo(page, form.getByLabel('退回理由'), problems);
    await page.keyboard.type('档案目录不全，请补充');
    await tabTo(page, page.getByTestId('act-submit'), problems);
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/inbox/);
    expect(problems).toEqual([]);

    const acts = await eventually(async () => {
      const r = await stack.h.call('GET', `/procedures/${item}/actions`, { token: staffToken });
      const list = r.body as { action: string; comment: string | null }[];
      return list.some((a) => a.action === 'return') ? list : undefined;
    }, WAIT, 'the return recorded');
    expect(acts.find((a) => a.action === 'return')?.comment).toBe('档案目录不全，请补充');
    await page.close();
  });

  test('the step bar and the dialogs are named; a dialog keeps the focus and gives it back', async () => {
    const requestId = uniqueId('KD').slice(0, 20);
    const start = await stack.h.call('POST', '/procedures/approvalRequest', {
      token: await stack.h.login('zzb-staff'),
      key: newKey(),
      body: { requestId, title: `键盘对话框 ${requestId}`, steps: [{ key: 'review', name: '审核', mode: 'sequential', assignees: { kind: 'user', userId: 'zzb-head' } }] },
    });
    expect(start.status).toBe(201);
    const page = await c.as('zzb-staff', `/procedures/approval-${requestId}`);
    const bar = page.getByRole('list', { name: '流程环节' });
    await bar.waitFor();
    expect(await bar.getByRole('listitem').count()).toBe(1);
    expect(await bar.getByRole('listitem').first().getAttribute('aria-current')).toBe('step');

    const problems: string[] = [];
    const copy = page.getByRole('button', { name: '抄送' });
    await tabTo(page, copy, problems);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: '抄送' });
    await dialog.waitFor();
    // Tab goes round the dialog's controls and never behind it.
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      expect(await dialog.evaluate((d) => d.contains((globalThis as unknown as Win).document.activeElement))).toBe(true);
      await checkStop(page, problems);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await copy.evaluate((b) => b === (globalThis as unknown as Win).document.activeElement)).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  test('every page: each control Tab reaches shows its focus and has a role and a name', async () => {
    const problems: string[] = [];
    const visit = async (user: string, hash: string, ready: (p: Page) => Locator): Promise<void> => {
      const page = await c.as(user, hash);
      await ready(page).first().waitFor();
      await page.waitForLoadState('networkidle').catch(() => undefined);
      const found: string[] = [];
      const stops = await tabAround(page, found);
      expect([hash, stops > 3]).toEqual([hash, true]);
      problems.push(...found.map((x) => `${hash}: ${x}`));
      await page.close();
    };
    await visit('zzb-staff', '/inbox', (p) => p.getByRole('tab', { name: '已办' }));
    await visit('zzb-staff', '/start/rectification', (p) => p.getByTestId('start-submit'));
    await visit('zzb-staff', '/start/cadreSelection', (p) => p.getByTestId('start-submit'));
    await visit('zzb-staff', '/people', (p) => p.getByTestId('people-table'));
    await visit('zzb-staff', '/directory', (p) => p.getByTestId('units-table'));
    await visit('zzb-staff', '/calendar', (p) => p.getByTestId('calendar-years'));
    await visit('dc-supervisor', '/board', (p) => p.getByTestId('board-groups'));
    expect(problems).toEqual([]);
  });

  test('a unit’s 整改报告 from its task page: its own step, its context and its action in Chinese, then 报送', async () => {
    const feedbackId = uniqueId('KR').slice(0, 20);
    const staffToken = await stack.h.login('zzb-staff');
    const start = await stack.h.call('POST', '/procedures/rectification', {
      token: staffToken,
      key: newKey(),
      body: {
        feedbackId,
        title: `整改报告 ${feedbackId}`,
        inspectionGroup: '市委第三巡察组',
        feedbackDate: testDate('11-20'),
        problems: [{ no: '1', title: '理论学习不深入', difficulty: 'normal', leadUnitId: 'zzb', assignments: [{ unitId: 'jyj', dueDate: testDate('12-31') }] }],
      },
    });
    expect(start.status).toBe(201);
    const report = rectificationReportWorkflowId(feedbackId, 'jyj');
    const who = await eventually(async () => {
      const r = await stack.h.call('GET', `/procedures/${report}`, { token: staffToken });
      return (r.body as { state?: { assignee?: { userId: string } } }).state?.assignee?.userId;
    }, WAIT, 'the report started');
    const taskId = await inboxTask(stack.h, who, report, 'report');

    // 我的待办's 环节 filter offers the report's step, and finds the task by it.
    const page = await c.as(who, '/inbox');
    await c.choose(page, '环节', '整改报告');
    await page.getByTestId('inbox-table').getByRole('link', { name: `整改报告 ${feedbackId}` }).first().waitFor();
    await page.goto(`${c.base}/#/tasks/${taskId}`);
    await page.getByTestId('act-form').waitFor();
    // One step, its own: not the item's five.
    const bar = page.getByRole('list', { name: '流程环节' });
    expect(await bar.getByRole('listitem').allInnerTexts()).toEqual([expect.stringContaining('整改报告')]);
    await page.getByTestId('context').getByText('（尚未报送）').waitFor();
    await page.getByTestId('action-report').getByText('报送整改报告').waitFor();
    expect(await page.getByTestId('act-form').getByRole('radio').count()).toBeGreaterThan(0);
    await c.shot(page, '25-report-task');
    await page.getByTestId('act-form').locator('[data-field="data.documentRef"]').getByRole('textbox').fill('教党〔2027〕3号');
    await page.getByTestId('act-submit').click();
    await page.waitForURL(/#\/inbox/);
    await expectChinese(page);
    await page.goto(`${c.base}/#/procedures/${report}`);
    await page.getByTestId('context').getByText('教党〔2027〕3号').waitFor();
    await page.getByTestId('timeline').getByText('报送整改报告').waitFor();
    await page.close();
  });

  test('at phone width the import’s error list fits the screen; the people table names the units', async () => {
    const file = rosterFile([
      'E2E200,吴敏,女,1980-05-01,jyj,市教育局办公室主任,正科,2019-07-01,2003-07-01,4,本科,2002-06-01,2019-07-01,否',
      'E2E201,郑浩,男,1990-02-30,wjw,,正科,2020-01-01,2012-07-01,1,本科,,,',
    ]);
    const page = await c.as('zzb-staff', '/people');
    await page.setViewportSize(PHONE);
    await page.getByTestId('people-file').setInputFiles(file);
    await page.getByTestId('import-summary').waitFor();
    expect(await page.getByTestId('import-summary').innerText()).toContain('失败 1');
    // Whatever lists the errors at this width: it shows the bad row, in Chinese, and nothing in it scrolls sideways.
    const list = page.locator('[data-testid^="import-errors"]:visible');
    await list.getByText('“1990-02-30”不是有效的日期').first().waitFor();
    expect(await list.count()).toBe(1);
    expect(await list.innerText()).toContain('E2E201');
    const fit = await list.evaluate((node) => {
      const w = globalThis as unknown as Win;
      const root = node as unknown as El;
      return {
        scrolling: [root, ...root.querySelectorAll('*')]
          .filter((e) => e.scrollWidth > e.clientWidth + 1 && w.getComputedStyle(e).overflowX !== 'visible')
          .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} ${e.scrollWidth} > ${e.clientWidth}`),
        inside: root.getBoundingClientRect().right <= w.innerWidth,
        pageFits: w.document.documentElement.scrollWidth <= w.innerWidth,
      };
    });
    expect(fit).toEqual({ scrolling: [], inside: true, pageFits: true });
    await c.shot(page, '24-people-import-errors');

    // The people table: the unit's name, not its id.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByLabel('按姓名搜索').fill('吴敏');
    await page.getByLabel('按姓名搜索').press('Enter');
    const row = page.getByTestId('people-table').locator('tr', { hasText: 'E2E200' });
    await row.getByText('市教育局', { exact: true }).waitFor();
    expect(await row.innerText()).not.toContain('jyj');
    await page.close();
  });

  test('a feedback of more than 250 items: its page follows the opening of the last chunk, then stops', async () => {
    const feedbackId = uniqueId('KF').slice(0, 20);
    const feedback = workflowIds.rectification(feedbackId);
    const r = await stack.h.call('POST', '/procedures/rectification', {
      token: await stack.h.login('zzb-staff'),
      key: newKey(),
      body: {
        feedbackId,
        title: `全覆盖 ${feedbackId}`,
        inspectionGroup: '市委第一巡察组',
        feedbackDate: testDate('11-20'),
        problems: [{ no: '1', title: '全覆盖整改', difficulty: 'normal', leadUnitId: 'zzb', assignments: units.map((unitId) => ({ unitId, dueDate: testDate('12-31') })) }],
        report: false,
      },
    });
    expect(r.status).toBe(201);
    const page = await c.as('zzb-staff', '/inbox');
    // The page's first count of opened items sees the first chunk only, as a page loaded between the start's
    // answer and the last chunk's write does (that write takes a moment, too short to catch on purpose).
    let counts = 0;
    await page.route(
      (u) => u.pathname === '/procedures' && u.searchParams.get('parent') === feedback,
      async (route) => {
        counts += 1;
        if (counts > 1) return route.continue();
        const res = await route.fetch();
        const body = (await res.json()) as { total: number };
        return route.fulfill({ response: res, json: { ...body, total: Math.min(body.total, 250) } });
      },
    );
    await page.goto(`${c.base}/#/procedures/${feedback}`);
    const opened = page.getByTestId('items-opened');
    await opened.getByText(`已开启 250 / ${UNITS} 项`).waitFor();
    expect(await opened.getAttribute('data-opening')).toBe('true');
    // Without a reload: the page reads again until every item is open, then stops reading.
    await opened.getByText(`已开启 ${UNITS} / ${UNITS} 项`).waitFor({ timeout: WAIT });
    expect(await opened.getAttribute('data-opening')).toBe('false');
    expect(counts).toBeGreaterThan(1);
    await page.close();
  });
});

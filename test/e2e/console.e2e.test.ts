/**
 * The web console in a real browser: Debian's Chromium (/usr/bin/chromium) driven by playwright-core,
 * against the API harness of the other API tests (a Temporal dev server, PostgreSQL, a worker), which
 * serves the built console at / (built here first when web/dist is missing or stale). Each screen is
 * photographed at desktop and phone size into screenshots/console/ (gitignored; README, Web console).
 *
 * Skipped, with a message, only when /usr/bin/chromium is absent (.ci/run installs it).
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ProcedureSchema } from '../../platform/entities';
import { inboxTask, newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { addCommittee } from '../helpers/members';
import { dueMonthsFromToday, loadCurrentYears, loadTestYear, testDate } from '../helpers/rectification';
import { describeInBrowser, DESKTOP, expectChinese, expectFitsPhone, expectOnScreen, PHONE, rosterFile, SHOTS, sideways, useConsole, WAIT, submitStart } from './browser';

// The Temporal Web UI's port the API tells operators (TEMPORAL_UI_PORT): not the default 8233, so a console that
// ignored the server's answer would link to the wrong place.
const TEMPORAL_UI_PORT = 18299;
process.env.TEMPORAL_UI_PORT = String(TEMPORAL_UI_PORT);

describeInBrowser('console e2e')('web console (Chromium)', () => {
  jest.setTimeout(240_000);
  const stack = useApiStack(async (t) => {
    // The start form dates its feedback today, so its due dates are counted from today, in years loaded here; the
    // feedback started over the API is dated in the test year (helpers/rectification).
    await loadCurrentYears(t.orm);
    await loadTestYear(t.orm);
    // A committee of three approvers (vc-1 … vc-3) for the vote.
    await addCommittee(t.orm, 'vc', 'vc', 3);
  });
  const c = useConsole(() => stack.api.baseUrl);
  const { shot, as, choose, openTask, act } = c;

  test('登录: wrong credentials show the API message; an expired session goes to 登录 and back', async () => {
    const page = await c.ctx.newPage();
    await page.goto(`${c.base}/`);
    await page.getByLabel('用户名').fill('zzb-staff');
    await page.getByLabel('密码').fill('wrong-password');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByTestId('login-error').getByText('用户名或密码错误').waitFor();
    await shot(page, '01-login');
    await page.getByLabel('密码').fill('tingjin2026');
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(/#\/inbox/);

    // The session ends on the server (as when it expires); the next call answers 401.
    const token = await page.evaluate(() => (JSON.parse((globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('tingjin.session') ?? '{}') as { token?: string }).token);
    expect((await stack.h.call('POST', '/auth/logout', { token: token! })).status).toBeLessThan(300);
    await page.goto(`${c.base}/#/calendar`);
    await page.waitForURL(/#\/login\?redirect=\/calendar/);
    await page.getByText('登录已失效，请重新登录').waitFor();
    await page.getByLabel('用户名').fill('zzb-staff');
    await page.getByLabel('密码').fill('tingjin2026');
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(/#\/calendar$/);
    await page.getByTestId('calendar-years').getByText('2026').first().waitFor();
    await shot(page, '09-calendar');
    await page.close();
  });

  test('the README walk-through in the console: six demo users in turn, with a return to an earlier step', async () => {
    const feedbackId = uniqueId('XC').slice(0, 20);
    const title = `巡察反馈 ${feedbackId}`;

    // jyj-staff's inbox is open before the start: its badge must count the new task without a reload.
    const jyj = await as('jyj-staff');
    const before = Number((await jyj.getByTestId('badge-total').locator('sup').textContent()) ?? '0');

    const staff = await as('zzb-staff', '/start/rectification');
    await staff.getByLabel('反馈编号').fill(feedbackId);
    await staff.getByLabel('标题', { exact: true }).fill(title);
    await staff.getByLabel('巡察组').fill('市委第三巡察组');
    await staff.getByLabel('问题', { exact: true }).fill('干部选拔任用程序执行不严');
    await choose(staff, '责任单位 1', '市教育局');
    await staff.getByLabel('整改时限 1').fill(dueMonthsFromToday());
    await staff.getByLabel('整改时限 1').press('Enter');
    await shot(staff, '04-start-rectification');
    await submitStart(staff, new RegExp(`#/procedures/rectification-${feedbackId}$`));
    await staff.getByTestId('children').getByRole('link').first().waitFor();

    await jyj.getByTestId('badge-total').locator('sup', { hasText: String(before + 1) }).waitFor({ timeout: WAIT });
    await shot(jyj, '02-inbox');

    // 1. The unit submits.
    await openTask(jyj, title);
    await shot(jyj, '03-task-submit');
    await act(jyj, 'submit', async () => {
      await jyj.getByLabel('整改措施').fill('修订干部选拔任用工作规程，开展专项培训');
      await jyj.getByLabel('材料名称 1').fill('整改报告');
      await jyj.getByLabel('文号或链接 1').fill('教党〔2026〕31号');
    });

    // 2. The reviewer returns it to the unit: first without a reason (refused at the field), then with one.
    const reviewer = await as('xcb-reviewer');
    await openTask(reviewer, title);
    await reviewer.getByTestId('action-return').click();
    await reviewer.getByTestId('act-submit').click();
    await reviewer.locator('.el-form-item', { hasText: '退回理由' }).getByText('退回必须填写理由').waitFor();
    await expectChinese(reviewer);
    await choose(reviewer, '退回至', '单位提交');
    await shot(reviewer, '05-task-return');
    await act(reviewer, 'return', async () => {
      await reviewer.getByLabel('退回理由').fill('佐证材料不足，请补充培训记录');
    });

    // The unit submits again, in round 2; the reviewer passes it.
    await openTask(jyj, title);
    await jyj.getByText('第2轮').waitFor();
    await act(jyj, 'submit', async () => {
      await jyj.getByLabel('整改措施').fill('修订干部选拔任用工作规程，开展专项培训，补充培训记录');
      await jyj.getByLabel('材料名称 1').fill('培训签到表');
      await jyj.getByLabel('文号或链接 1').fill('教党〔2026〕35号');
    });
    await openTask(reviewer, title);
    await act(reviewer, 'pass');

    // 3.–5. The unit head, the lead department's head and the inspection office sign; the last is 销号.
    for (const user of ['jyj-head', 'zzb-head']) {
      const p = await as(user);
      await openTask(p, title);
      await act(p, 'sign', async () => {
        await p.getByLabel('意见').fill('同意');
      });
      await p.close();
    }
    const director = await as('xcb-director');
    await openTask(director, title);
    await act(director, 'sign', async () => {
      await director.getByRole('textbox', { name: '制度名称' }).fill('干部选拔任用工作规程');
      await director.getByRole('textbox', { name: '制度文号' }).fill('教党〔2026〕12号');
    });

    // The item is signed off; its page shows the timeline, the step bar and the verified audit chain.
    const item = `rectification-${feedbackId}-p1-jyj`;
    await eventually(async () => {
      const r = await stack.h.call('GET', `/procedures/${item}`, { token: await stack.h.login('zzb-staff') });
      return r.body.procedure?.status === 'signedOff' ? true : undefined;
    }, WAIT, 'the item signed off');
    await staff.goto(`${c.base}/#/procedures/${item}`);
    await staff.getByTestId('audit-badge').getByText('审计链完整').waitFor();
    const timeline = staff.getByTestId('timeline');
    for (const text of ['退回', '佐证材料不足，请补充培训记录', '培训签到表', '签字']) await timeline.getByText(text).first().waitFor();
    await shot(staff, '06-procedure');

    // 已办 and 我发起的.
    await jyj.goto(`${c.base}/#/inbox`);
    await jyj.getByRole('tab', { name: '已办' }).click();
    await jyj.getByTestId('done-table').getByText(title).first().waitFor();
    await staff.goto(`${c.base}/#/inbox`);
    await staff.getByRole('tab', { name: '我发起的' }).click();
    await staff.getByTestId('started-table').getByText(title).first().waitFor();
    // The board's on-time rates (本年按期完成率) per unit, as this year's report answers them: 市教育局's signed-off
    // item counts, closed by its due date.
    const report = (await stack.h.call('GET', '/supervision/reports?period=year', { token: await stack.h.login('dc-supervisor') })).body as { rows: { unitId: string; onTime: number; due: number }[] };
    const perUnit = new Map<string, { onTime: number; due: number }>();
    for (const r of report.rows) {
      const u = perUnit.get(r.unitId) ?? { onTime: 0, due: 0 };
      perUnit.set(r.unitId, { onTime: u.onTime + r.onTime, due: u.due + r.due });
    }
    const education = perUnit.get('jyj');
    expect(education?.due).toBeGreaterThanOrEqual(1);
    expect(education?.onTime).toBe(education?.due);
    const sup = await as('dc-supervisor', '/board');
    const rates = sup.locator('section[aria-label="按期完成率"]').locator('tbody tr');
    await rates.filter({ hasText: '市教育局' }).waitFor();
    expect((await rates.filter({ hasText: '市教育局' }).locator('td').allInnerTexts()).map((t) => t.trim())).toEqual(['市教育局', `${education!.onTime} / ${education!.due}`, '100%']);
    expect(await rates.count()).toBe(perUnit.size);
    for (const p of [jyj, staff, reviewer, director, sup]) await p.close();
  });

  test('a vote: the principal’s early ballot is refused at the ballots, then counted last', async () => {
    const requestId = uniqueId('HT').slice(0, 20);
    const staff = await as('zzb-staff', '/start/approvalRequest');
    await staff.getByLabel('审批编号').fill(requestId);
    await staff.getByLabel('事项').fill('部务会票决干部任用');
    await staff.getByLabel('环节名称').fill('部务会票决');
    await choose(staff, '环节 1 方式', '票决');
    await choose(staff, '环节 1 办理人规则', '单位某角色');
    await choose(staff, '环节 1 单位', '测试单位 vc');
    await staff.getByLabel('候选人（以顿号或逗号分隔）').fill('张三、李四');
    await choose(staff, '环节 1 主要负责人', 'vc-1');
    await submitStart(staff, new RegExp(`#/procedures/approval-${requestId}$`));

    const vote = async (user: string, expectRefusal = false, phone = false): Promise<Page> => {
      const p = await as(user);
      if (phone) {
        // An approver on a phone (390 px): the inbox is a list of cards, the task page and its ballot fit the
        // screen, and the vote is chosen and sent there.
        await p.setViewportSize(PHONE);
        await p.reload();
        const card = p.getByTestId('inbox-cards').locator('.card-row', { hasText: '部务会票决干部任用' });
        await card.waitFor();
        expect(await p.getByTestId('inbox-table').isVisible()).toBe(false);
        await expectFitsPhone(p);
        await card.getByRole('link').click();
        await p.getByTestId('act-form').waitFor();
        await p.getByTestId('ballots').getByLabel('对 李四 的表决').waitFor();
        await expectFitsPhone(p);
        for (const control of [p.getByTestId('action-vote'), p.getByTestId('ballots').getByLabel('对 张三 的表决'), p.getByTestId('ballots').getByLabel('对 李四 的表决'), p.getByTestId('act-submit')]) {
          await expectOnScreen(p, control);
        }
        await p.getByTestId('ballots').getByLabel('对 张三 的表决').getByText('同意', { exact: true }).click();
        await p.getByTestId('ballots').getByLabel('对 李四 的表决').getByText('缓议').click();
        // The phone's view only (shot() would take the desktop one too, and leave the page at desktop width).
        await p.screenshot({ path: path.join(SHOTS, '24-vote-phone.png'), fullPage: true });
        await p.getByTestId('act-submit').click();
        await p.waitForURL(/#\/inbox/);
        // The ballot counted: the tally below has three 同意 for 张三, this one among them.
        return p;
      }
      await openTask(p, '部务会票决干部任用');
      await p.getByTestId('ballots').getByLabel('对 张三 的表决').getByText('同意', { exact: true }).click();
      await p.getByTestId('ballots').getByLabel('对 李四 的表决').getByText('缓议').click();
      await p.getByTestId('act-submit').click();
      if (!expectRefusal) await p.waitForURL(/#\/inbox/);
      return p;
    };
    const principal = await vote('vc-1', true);
    await principal.getByTestId('ballots').getByText('主要负责人须最后表态').waitFor();
    await expectChinese(principal);
    await shot(principal, '07-vote-refused');
    await principal.close();
    await (await vote('vc-2', false, true)).close();
    await (await vote('vc-3')).close();
    await (await vote('vc-1')).close();
    const r = await eventually(async () => {
      const d = await stack.h.call('GET', `/procedures/approval-${requestId}`, { token: await stack.h.login('zzb-staff') });
      return d.body.procedure?.status === 'approved' ? d.body : undefined;
    }, WAIT, 'the request approved');
    expect(r.state.decisions[0].tally.candidates).toEqual([
      expect.objectContaining({ candidateId: '张三', agree: 3, outcome: 'passed' }),
      expect.objectContaining({ candidateId: '李四', defer: 3, outcome: 'notPassed' }),
    ]);
    await staff.close();
  });

  test('转办 and 加签 with the user picker, the open tasks, and 抄送 from the procedure page', async () => {
    const requestId = uniqueId('TR').slice(0, 20);
    const token = await stack.h.login('zzb-staff');
    const start = await stack.h.call('POST', '/procedures/approvalRequest', {
      token,
      key: newKey(),
      body: { requestId, title: `转办演示 ${requestId}`, steps: [{ key: 'review', name: '审核', mode: 'sequential', assignees: { kind: 'user', userId: 'zzb-head' } }] },
    });
    expect(start.status).toBe(201);
    const head = await as('zzb-head');
    await openTask(head, `转办演示 ${requestId}`);
    // A sequential step offers 同意, 转办 and 加签; the first step has no 退回.
    for (const a of ['approve', 'transfer', 'addSigner']) await head.getByTestId(`action-${a}`).waitFor();
    expect(await head.getByTestId('action-return').count()).toBe(0);
    await act(head, 'transfer', async () => {
      await choose(head, '转办给', '巡察办主任 刘洋');
      await head.getByLabel('意见').fill('请刘洋主任办理');
    });
    const director = await as('xcb-director');
    await openTask(director, `转办演示 ${requestId}`);
    await shot(director, '12-task-transferred');
    // The director adds a signer after himself (加签, 在我之后): his share is done, and the added signer gets the step's task.
    await act(director, 'addSigner', async () => {
      await choose(director, '加签人', '教育局局长 周涛');
      await director.locator('.el-form-item', { hasText: '加签位置' }).getByText('在我之后').click();
      await director.getByLabel('意见').fill('请周涛局长会签');
    });
    const added = await as('jyj-head');
    await openTask(added, `转办演示 ${requestId}`);
    await added.locator('p.muted', { hasText: '当前环节' }).getByText('审核').waitFor();
    for (const a of ['approve', 'transfer']) await added.getByTestId(`action-${a}`).waitFor();
    // The initiator's page lists the open task by the request's own name for its step, with its assignee, the
    // added signer, and its deadline (none: —).
    const staff = await as('zzb-staff', `/procedures/approval-${requestId}`);
    const openTasks = staff.getByTestId('open-tasks').locator('tbody tr');
    await openTasks.filter({ hasText: '教育局局长 周涛' }).waitFor();
    expect(await openTasks.count()).toBe(1);
    expect((await openTasks.first().locator('td').allInnerTexts()).map((t) => t.trim())).toEqual(['审核', '教育局局长 周涛', '—']);
    await staff.getByTestId('timeline').getByText('加签').waitFor();
    // Not an operator: no link to the Temporal Web UI, and the API answers none (GET /procedures/:id temporalUi).
    expect(await staff.getByTestId('temporal-link').count()).toBe(0);
    expect((await stack.h.call('GET', `/procedures/approval-${requestId}`, { token: await stack.h.login('zzb-staff') })).body.temporalUi).toBeUndefined();
    // The initiator copies the procedure to a reviewer (抄送); the dialog answers with who was told.
    await staff.getByRole('button', { name: '抄送' }).click();
    await staff.locator('.el-dialog .el-select__wrapper').click();
    await staff.locator('.el-select-dropdown__item:visible', { hasText: '巡察办审核员 陈静' }).first().click();
    await staff.keyboard.press('Escape');
    await staff.getByRole('button', { name: '确定' }).click();
    await staff.getByText('已通知').waitFor();
    await staff.getByTestId('timeline').getByText('抄送').waitFor();
    for (const p of [head, director, added, staff]) await p.close();
  });

  test('the start schema is checked in the browser, and a 422 is shown at its field', async () => {
    const staff = await as('zzb-staff', '/start/rectification');
    // Empty: refused in the browser by the start schema's JSON Schema, at the fields, before any request.
    let starts = 0;
    staff.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/procedures/rectification')) starts += 1;
    });
    await staff.getByTestId('start-submit').click();
    await staff.locator('[data-field="title"]').getByText('必填').waitFor();
    await staff.locator('[data-field="problems[0].title"]').getByText('必填').waitFor();
    expect(starts).toBe(0);
    await staff.getByLabel('反馈编号').fill(uniqueId('XD').slice(0, 20));
    await staff.getByLabel('标题', { exact: true }).fill('时限过远的反馈');
    await staff.getByLabel('巡察组').fill('市委第三巡察组');
    await staff.getByLabel('问题', { exact: true }).fill('问题一');
    await choose(staff, '责任单位 1', '市教育局');
    // More than 12 months after the feedback: refused by the API (422 invalid_due_date) naming the date.
    await staff.getByLabel('整改时限 1').fill(dueMonthsFromToday(13));
    await staff.getByLabel('整改时限 1').press('Enter');
    await staff.getByTestId('start-submit').click();
    await staff.getByTestId('due-0-0').getByText('须在反馈之日起 12 个月内').waitFor();
    await expectChinese(staff);
    expect(starts).toBe(1);
    await shot(staff, '08-start-422');
    await staff.close();
  });

  test('the supervisor board shows an overdue item; the unit’s inbox in due order with its tags and type filter; the procedure page’s open tasks, 催办, 撤回 and Temporal link', async () => {
    const feedbackId = uniqueId('XO').slice(0, 20);
    const token = await stack.h.login('zzb-staff');
    const feedback = (id: string, title: string, dueDate: string) =>
      stack.h.call('POST', '/procedures/rectification', {
        token,
        key: newKey(),
        body: {
          feedbackId: id,
          title,
          inspectionGroup: '市委第二巡察组',
          feedbackDate: testDate('11-20'),
          problems: [{ no: '1', title: '整改进度滞后', difficulty: 'normal', leadUnitId: 'zzb', assignments: [{ unitId: 'wjw', dueDate }] }],
        },
      });
    expect((await feedback(feedbackId, `逾期演示 ${feedbackId}`, testDate('12-31'))).status).toBe(201);
    const wf = `rectification-${feedbackId}-p1-wjw`;
    await eventually(async () => ((await stack.t.orm.em.fork().count(ProcedureSchema, { workflowId: wf })) ? true : undefined), WAIT, 'the item row');
    // The deadline itself is the workflow tests' concern; here the board shows what the projection marks overdue.
    await stack.t.orm.em
      .fork()
      .nativeUpdate(ProcedureSchema, { workflowId: wf }, { overdue: true, dueAt: new Date('2026-11-25T16:00:00Z'), escalation: { rung: 'warning', at: '2026-11-27T01:00:00.000Z', finalDate: '2026-12-16' } });
    // 市卫生健康委员会's staff gets two more tasks, each opened after the one before: an item due earlier than the
    // first (so due order is not the order they opened in), and a request of another type with no due date.
    await inboxTask(stack.h, 'wjw-staff', wf, 'submit');
    const earlierId = uniqueId('XE').slice(0, 20);
    expect((await feedback(earlierId, `先到期 ${earlierId}`, testDate('12-15'))).status).toBe(201);
    const earlier = `rectification-${earlierId}-p1-wjw`;
    await inboxTask(stack.h, 'wjw-staff', earlier, 'submit');
    const requestId = uniqueId('XR').slice(0, 20);
    const request = await stack.h.call('POST', '/procedures/approvalRequest', {
      token,
      key: newKey(),
      body: { requestId, title: `无期限请示 ${requestId}`, steps: [{ key: 'review', name: '审核', mode: 'sequential', assignees: { kind: 'user', userId: 'wjw-staff' } }] },
    });
    expect(request.status).toBe(201);
    await inboxTask(stack.h, 'wjw-staff', `approval-${requestId}`, 'review');

    const sup = await as('dc-supervisor', '/board');
    const row = sup.getByTestId('overdue-table').locator('tr', { hasText: `逾期演示 ${feedbackId}` });
    await row.waitFor();
    await row.getByText('预警').waitFor();
    // The board's group of 市卫生健康委员会 × 单位提交 × 整改事项 holds it, on the warning rung.
    const group = sup.getByTestId('board-groups').locator('tr', { hasText: `逾期演示 ${feedbackId}` });
    await group.getByText('市卫生健康委员会').waitFor();
    await group.getByText('预警').waitFor();
    await shot(sup, '10-board');
    // At phone width (390 px) the groups and the overdue items are cards: each one's text inside the screen,
    // nothing past its edge, and the page does not scroll sideways.
    await sup.setViewportSize(PHONE);
    await sup.waitForTimeout(300);
    const card = sup.getByTestId('board-cards').locator('.card-row', { hasText: `逾期演示 ${feedbackId}` });
    await card.getByText('市卫生健康委员会').waitFor();
    await card.getByText('预警').waitFor();
    await sup.getByTestId('overdue-cards').locator('.card-row', { hasText: `逾期演示 ${feedbackId}` }).getByText('预警').waitFor();
    const phone = await sideways(sup);
    expect(phone.past).toEqual([]);
    expect(phone.scrollWidth).toBeLessThanOrEqual(phone.width);
    await expectChinese(sup);
    await sup.setViewportSize(DESKTOP);

    // 市卫生健康委员会's staff (before the 催办 below, whose projection writes the workflow's own escalation over the
    // one forced above): 待办 earliest due first (the later-opened item due 12-15, then the overdue one due
    // 12-31, then the request with no due date), the overdue one tagged 逾期 and 预警, the other 正常.
    const wjw = await as('wjw-staff');
    const rows = wjw.getByTestId('inbox-table').locator('tbody tr');
    await rows.filter({ hasText: `无期限请示 ${requestId}` }).waitFor();
    // An item's title is its feedback's, then its problem (· 1 整改进度滞后).
    const feedbackOf = (t: string): string => t.split(' · ')[0]!.trim();
    const titles = async (): Promise<string[]> => (await rows.locator('a').allInnerTexts()).map(feedbackOf);
    expect(await titles()).toEqual([`先到期 ${earlierId}`, `逾期演示 ${feedbackId}`, `无期限请示 ${requestId}`]);
    const overdueRow = rows.filter({ hasText: `逾期演示 ${feedbackId}` });
    expect((await overdueRow.locator('.el-tag').allInnerTexts()).map((t) => t.trim())).toEqual(['逾期', '预警']);
    expect((await rows.filter({ hasText: `先到期 ${earlierId}` }).locator('.el-tag').allInnerTexts()).map((t) => t.trim())).toEqual(['正常']);
    await wjw.getByTestId('badge-overdue').locator('sup', { hasText: '1' }).waitFor();
    // The type filter: 通用审批 leaves the request alone; 整改事项 the two items.
    await choose(wjw, '流程类型', '通用审批');
    await rows.filter({ hasText: `先到期 ${earlierId}` }).waitFor({ state: 'detached' });
    expect(await titles()).toEqual([`无期限请示 ${requestId}`]);
    await choose(wjw, '流程类型', '整改事项');
    await rows.filter({ hasText: `无期限请示 ${requestId}` }).waitFor({ state: 'detached' });
    expect(await titles()).toEqual([`先到期 ${earlierId}`, `逾期演示 ${feedbackId}`]);
    await shot(wjw, '25-inbox-due-order');
    // At phone width the same rows are cards, in the same order, with the same tags.
    await wjw.setViewportSize(PHONE);
    const cards = wjw.getByTestId('inbox-cards').locator('.card-row');
    await cards.first().waitFor();
    expect((await cards.locator('a').allInnerTexts()).map(feedbackOf)).toEqual([`先到期 ${earlierId}`, `逾期演示 ${feedbackId}`]);
    expect((await cards.filter({ hasText: `逾期演示 ${feedbackId}` }).locator('.el-tag').allInnerTexts()).map((t) => t.trim())).toEqual(['逾期', '预警']);
    await expectFitsPhone(wjw);
    await wjw.setViewportSize(DESKTOP);

    // The item's page, for the supervisor: the open task with its assignee and deadline, the link to the
    // Temporal Web UI at the port and in the namespace the API answers, and 催办 of the open task.
    await sup.goto(`${c.base}/#/procedures/${wf}`);
    const openTasks = sup.getByTestId('open-tasks').locator('tbody tr');
    await openTasks.filter({ hasText: '卫健委经办人 吴芳' }).waitFor();
    expect(await openTasks.count()).toBe(1);
    expect((await openTasks.first().locator('td').allInnerTexts()).map((t) => t.trim())).toEqual(['单位提交', '卫健委经办人 吴芳', testDate('12-31').replace(/-/g, '/')]);
    const namespace = stack.t.env.client.options.namespace;
    expect(await sup.getByTestId('temporal-link').getAttribute('href')).toBe(`http://127.0.0.1:${TEMPORAL_UI_PORT}/namespaces/${namespace}/workflows/${wf}`);
    await sup.getByRole('button', { name: '催办' }).click();
    await sup.getByRole('combobox', { name: '催办的待办' }).waitFor();
    await sup.locator('.el-dialog').getByLabel('说明').fill('请尽快报送整改材料');
    await sup.locator('.el-dialog').getByRole('button', { name: '确定' }).click();
    await sup.getByText('已催办，已通知 卫健委经办人 吴芳').waitFor();
    await sup.getByTestId('timeline').locator('.el-timeline-item', { hasText: '催办' }).getByText('请尽快报送整改材料').waitFor();
    const urged = await eventually(async () => {
      const acts = (await stack.h.call('GET', `/procedures/${wf}/actions`, { token: await stack.h.login('dc-supervisor') })).body as { action: string; actorId: string; step: string | null; comment: string | null }[];
      return acts.find((a) => a.action === 'urge');
    }, WAIT, 'the urge recorded');
    expect(urged).toMatchObject({ actorId: 'dc-supervisor', step: 'submit', comment: '请尽快报送整改材料' });
    await sup.close();

    // The initiator withdraws the item nobody has acted on (撤回, with a reason): it closes as 已撤回, and its
    // task leaves the unit's inbox. The initiator is no operator: no Temporal link.
    const staff = await as('zzb-staff', `/procedures/${earlier}`);
    await staff.getByTestId('open-tasks').waitFor();
    expect(await staff.getByTestId('temporal-link').count()).toBe(0);
    await staff.getByRole('button', { name: '撤回' }).click();
    await staff.locator('.el-dialog').getByLabel('撤回理由').fill('问题已另行整改');
    await staff.locator('.el-dialog').getByRole('button', { name: '确定' }).click();
    await staff.locator('.toolbar .el-tag', { hasText: '已撤回' }).waitFor();
    await staff.getByTestId('timeline').locator('.el-timeline-item', { hasText: '撤回' }).getByText('问题已另行整改').waitFor();
    expect(await staff.getByTestId('open-tasks').count()).toBe(0);
    await eventually(async () => {
      const inbox = (await stack.h.call('GET', '/inbox', { token: await stack.h.login('wjw-staff') })).body as { workflowId: string }[];
      return inbox.some((t) => t.workflowId === earlier) ? undefined : true;
    }, WAIT, 'the withdrawn item’s task gone from the inbox');
    await wjw.reload();
    await rows.filter({ hasText: `逾期演示 ${feedbackId}` }).waitFor();
    expect(await rows.filter({ hasText: `先到期 ${earlierId}` }).count()).toBe(0);
    for (const p of [wjw, staff]) await p.close();
  });

  test('the people import reports its one bad row', async () => {
    const file = rosterFile([
      'E2E100,周明,男,1980-05-01,jyj,市教育局办公室主任,正科,2019-07-01,2003-07-01,4,本科,2002-06-01,2019-07-01,否',
      'E2E101,钱多,男,1990-02-30,wjw,,正科,2020-01-01,2012-07-01,1,本科,,,',
    ]);
    const staff = await as('zzb-staff', '/people');
    await staff.getByTestId('people-file').setInputFiles(file);
    await staff.getByTestId('import-summary').getByText('失败 1').waitFor();
    const errors = staff.getByTestId('import-errors');
    await errors.locator('tr', { hasText: 'E2E101' }).first().waitFor();
    // The row's problem in Chinese: the import's English detail is translated, not shown.
    await errors.locator('tr', { hasText: 'E2E101' }).getByText('“1990-02-30”不是有效的日期').first().waitFor();
    expect(await errors.locator('tbody').evaluate((el) => el.textContent ?? '')).not.toMatch(/[A-Za-z]{3,}/);
    expect(await errors.locator('tbody tr', { hasText: 'E2E100' }).count()).toBe(0);
    await staff.getByLabel('按姓名搜索').fill('周明');
    await staff.getByRole('button', { name: '搜索' }).click();
    await staff.getByTestId('people-table').getByText('E2E100').waitFor();
    await shot(staff, '11-people');
    await staff.goto(`${c.base}/#/directory`);
    await staff.getByTestId('units-table').getByText('市教育局').waitFor();
    // 用户: each account with its name, its unit by name and its roles in Chinese; the filter keeps only the matches.
    await staff.getByRole('tab', { name: '用户' }).click();
    const users = staff.getByTestId('users-table').locator('tbody tr');
    await users.filter({ hasText: 'jyj-head' }).waitFor();
    expect((await users.filter({ hasText: 'jyj-head' }).locator('td').allInnerTexts()).map((t) => t.trim())).toEqual(['jyj-head', '教育局局长 周涛', '市教育局', '审批人']);
    const all = await users.count();
    await staff.getByLabel('按姓名或账号筛选').fill('周涛');
    await users.filter({ hasText: 'zzb-staff' }).waitFor({ state: 'detached' });
    expect((await users.locator('td:first-child').allInnerTexts()).map((t) => t.trim())).toEqual(['jyj-head']);
    expect(all).toBeGreaterThan(1);
    await shot(staff, '13-directory');
    await staff.close();
  });
});

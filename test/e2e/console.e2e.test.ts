/**
 * The web console in a real browser: Debian's Chromium (/usr/bin/chromium) driven by playwright-core,
 * against the API harness of the other API tests (a Temporal dev server, PostgreSQL, a worker), which
 * serves the built console at / (built here first when web/dist is missing or stale). Each screen is
 * photographed at desktop and phone size into screenshots/console/ (gitignored; README, Web console).
 *
 * Skipped, with a message, only when /usr/bin/chromium is absent (.ci/run installs it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ProcedureSchema } from '../../platform/entities';
import { newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { addCommittee } from '../helpers/members';
import { dueMonthsFromToday, loadCurrentYears, loadTestYear, testDate } from '../helpers/rectification';
import { describeInBrowser, DESKTOP, expectChinese, PHONE, useConsole, WAIT } from './browser';

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
    await staff.getByTestId('start-submit').click();
    await staff.waitForURL(new RegExp(`#/procedures/rectification-${feedbackId}$`));
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
    for (const p of [jyj, staff, reviewer, director]) await p.close();
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
    await staff.getByTestId('start-submit').click();
    await staff.waitForURL(new RegExp(`#/procedures/approval-${requestId}$`));

    const vote = async (user: string, expectRefusal = false): Promise<Page> => {
      const p = await as(user);
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
    for (const member of ['vc-2', 'vc-3']) await (await vote(member)).close();
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

  test('转办 with the user picker, and 抄送 from the procedure page', async () => {
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
    // The initiator copies the procedure to a reviewer (抄送); the dialog answers with who was told.
    const staff = await as('zzb-staff', `/procedures/approval-${requestId}`);
    await staff.getByRole('button', { name: '抄送' }).click();
    await staff.locator('.el-dialog .el-select__wrapper').click();
    await staff.locator('.el-select-dropdown__item:visible', { hasText: '巡察办审核员 陈静' }).first().click();
    await staff.keyboard.press('Escape');
    await staff.getByRole('button', { name: '确定' }).click();
    await staff.getByText('已通知').waitFor();
    await staff.getByTestId('timeline').getByText('抄送').waitFor();
    for (const p of [head, director, staff]) await p.close();
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

  test('the supervisor board shows an overdue item', async () => {
    const feedbackId = uniqueId('XO').slice(0, 20);
    const token = await stack.h.login('zzb-staff');
    const start = await stack.h.call('POST', '/procedures/rectification', {
      token,
      key: newKey(),
      body: {
        feedbackId,
        title: `逾期演示 ${feedbackId}`,
        inspectionGroup: '市委第二巡察组',
        feedbackDate: testDate('11-20'),
        problems: [{ no: '1', title: '整改进度滞后', difficulty: 'normal', leadUnitId: 'zzb', assignments: [{ unitId: 'wjw', dueDate: testDate('12-31') }] }],
      },
    });
    expect(start.status).toBe(201);
    const wf = `rectification-${feedbackId}-p1-wjw`;
    await eventually(async () => ((await stack.t.orm.em.fork().count(ProcedureSchema, { workflowId: wf })) ? true : undefined), WAIT, 'the item row');
    // The deadline itself is the workflow tests' concern; here the board shows what the projection marks overdue.
    await stack.t.orm.em
      .fork()
      .nativeUpdate(ProcedureSchema, { workflowId: wf }, { overdue: true, dueAt: new Date('2026-11-25T16:00:00Z'), escalation: { rung: 'warning', at: '2026-11-27T01:00:00.000Z', finalDate: '2026-12-16' } });
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
    const phone = await sup.evaluate(() => {
      // In the page (the tests' TypeScript has no DOM library): every element's box against the window's width.
      type El = { getBoundingClientRect(): { left: number; right: number; width: number }; className: unknown; tagName: string };
      const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number }; querySelectorAll(s: string): Iterable<El> } };
      const past = [...w.document.querySelectorAll('.page *')]
        .filter((e) => {
          const r = e.getBoundingClientRect();
          return r.width > 0 && (r.left < 0 || r.right > w.innerWidth + 0.5);
        })
        .map((e) => `${e.tagName}.${String(e.className)}`);
      return { width: w.innerWidth, scrollWidth: w.document.documentElement.scrollWidth, past };
    });
    expect(phone.past).toEqual([]);
    expect(phone.scrollWidth).toBeLessThanOrEqual(phone.width);
    await expectChinese(sup);
    await sup.setViewportSize(DESKTOP);
    await sup.close();
  });

  test('the people import reports its one bad row', async () => {
    const csv = [
      '编号,姓名,性别,出生日期,单位,现任职务,现职级,任现职级时间,参加工作时间,基层工作年限,学历,入党时间,最近提拔时间,是否破格',
      'E2E100,周明,男,1980-05-01,jyj,市教育局办公室主任,正科,2019-07-01,2003-07-01,4,本科,2002-06-01,2019-07-01,否',
      'E2E101,钱多,男,1990-02-30,wjw,,正科,2020-01-01,2012-07-01,1,本科,,,',
    ].join('\n');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-import-')), '干部名册.csv');
    fs.writeFileSync(file, csv);
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
    await shot(staff, '13-directory');
    await staff.close();
  });
});

/**
 * 揭榜出征 in the console, in Chromium: the list started from its schema-built start form, approved from the
 * head's task, and driven through its stage commands on the procedure page (发布, 揭榜, 截止报名, 排序, 运行匹配,
 * 提交方案, 召开会议, 附会议记录), with the department meeting's slate vote cast on a ballot per matched pair
 * (BallotForm, as the committee's vote): a pair voted otherwise is sent as the slate's exception, and the
 * decision follows it. At phone width (390 × 844) the list's ten-stage step bar stays usable: each stage on
 * one line, none overlapping, nothing past the screen's edge. Every refusal shown is in Chinese.
 * Harness: ./browser.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { addDays, addMonths, chinaDateOf } from '../../domain/dates';
import { hasEnglish } from '../../web/src/labels';
import { newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { loadCurrentYears } from '../helpers/rectification';
import { ruleKey } from '../../procedures/kernel/messages';
import { redeploymentTermWorkflowId, REDEPLOYMENT_TERM, type RedeploymentTermInput } from '../../procedures/redeployment/term-messages';
import { describeInBrowser, DESKTOP, expectChinese, PHONE, pickOption, SHOTS, useConsole, WAIT, submitStart } from './browser';

const TODAY = chinaDateOf(new Date());
// Every date counted back from today (years and months ago): the applicants stay under the age limit (60), their health
// checks within the 12 months they are valid, and the sheet's dates in the past and in order, whenever the test runs.
const ago = (years: number, months = 0): string => addMonths(TODAY, -(years * 12 + months));
const CSV = [
  '编号,姓名,出生日期,单位,现职级,任现职级时间,参加工作时间,学历,退出领导岗位时间,专业领域,体检日期,体检结论',
  `GB9501,孙一,${ago(58, 7)},wjw,正处,${ago(11, 11)},${ago(36, 5)},本科,${ago(1, 5)},教育,${ago(0, 2)},合格`,
  `GB9502,周二,${ago(56, 8)},jyj,副处,${ago(10, 11)},${ago(34, 5)},硕士,${ago(1, 9)},教育,${ago(0, 3)},合格`,
].join('\n');

describeInBrowser('console redeployment e2e')('web console: 揭榜出征 (Chromium)', () => {
  jest.setTimeout(400_000);
  // The list's stages are dated from today: the years they read are loaded.
  const stack = useApiStack((t) => loadCurrentYears(t.orm));
  const c = useConsole(() => stack.api.baseUrl);
  const { shot, as, openTask, act } = c;

  const api = async (method: string, url: string, user: string, body?: unknown) =>
    stack.h.call(method, url, { token: await stack.h.login(user), ...(body === undefined ? {} : { key: newKey(), body }) });
  const state = async (wf: string) => (await api('GET', `/procedures/${wf}`, 'zzb-staff')).body.state;
  const atStage = (wf: string, stage: string) => eventually(async () => ((await state(wf))?.stage === stage ? true : undefined), WAIT, `the list at ${stage}`);

  /** The input of the schema-built field the API names `field`. */
  const input = (page: Page, field: string) => page.locator(`[data-field="${field}"]`).locator('input, textarea').first();
  /** Picks an option and waits until the select shows it (a click lost under load fails here, by name). */
  async function pick(page: Page, field: string, option: string): Promise<void> {
    await pickOption(page, page.locator(`[data-field="${field}"] .el-select__wrapper`).first(), option);
    await page.locator(`[data-field="${field}"] .el-select__selected-item`, { hasText: option }).first().waitFor();
  }
  /** Types a date and waits until the picker holds it. */
  async function date(page: Page, field: string, value: string): Promise<void> {
    await input(page, field).fill(value);
    await input(page, field).press('Enter');
    await eventually(async () => ((await input(page, field).inputValue()) === value ? true : undefined), WAIT, `${field} to hold ${value}`);
  }
  /** Chooses a stage command on the procedure page, fills it, submits it. */
  async function command(page: Page, action: string, fill: () => Promise<void> = async () => undefined): Promise<void> {
    await page.getByTestId('commands').getByTestId(`command-${action}`).click();
    await fill();
    await page.getByTestId('command-submit').click();
  }

  test('a list from its start form to the dispatch: stage commands, the slate vote on a ballot per pair, and the phone-width step bar', async () => {
    expect((await api('POST', '/people/import', 'zzb-staff', { format: 'csv', content: Buffer.from(CSV).toString('base64') })).body).toMatchObject({ imported: 2, failed: 0 });
    const listId = uniqueId('JB').slice(0, 20);
    const title = `揭榜出征榜单 ${listId}`;
    const wf = `redeployment-${listId}`;

    // 发起: the start form from the start schema, checked in the browser first.
    const staff = await as('zzb-staff', '/start');
    await staff.getByTestId('start-types').getByRole('link', { name: '揭榜出征' }).click();
    await staff.waitForURL(/#\/start\/redeployment$/);
    await staff.getByTestId('start-submit').click();
    await staff.locator('[data-field="listId"]').getByText('必填').waitFor();
    await expectChinese(staff);
    await input(staff, 'listId').fill(listId);
    await input(staff, 'title').fill(title);
    for (const [i, [taskId, unit, task]] of [['T1', '市教育局', '驻村帮扶'], ['T2', '市卫生健康委员会', '基层医疗帮扶']].entries()) {
      if (!(await staff.locator(`[data-field="tasks[${i}].taskId"]`).count())) await staff.getByRole('button', { name: '添加任务', exact: true }).click();
      await input(staff, `tasks[${i}].taskId`).fill(taskId!);
      await input(staff, `tasks[${i}].title`).fill(task!);
      await input(staff, `tasks[${i}].description`).fill(`${task}：推动重点项目`);
      await pick(staff, `tasks[${i}].hostUnitId`, unit!);
      await date(staff, `tasks[${i}].term.start`, addMonths(TODAY, 1));
      await date(staff, `tasks[${i}].term.end`, addDays(addMonths(TODAY, 13), -1));
      await input(staff, `tasks[${i}].people`).fill('1');
    }
    await submitStart(staff, new RegExp(`#/procedures/${wf}$`));
    await staff.getByTestId('stepbar').waitFor();

    // 榜单审批: the department's head approves from the task page.
    const head = await as('zzb-head');
    await openTask(head, title);
    // The approver reads the list itself: its tasks with their host units and places, not the raw state.
    const listed = head.getByTestId('context');
    await listed.getByText('基层医疗帮扶', { exact: true }).waitFor();
    await listed.getByText('市卫生健康委员会').waitFor();
    await act(head, 'approve');
    await atStage(wf, 'approved');

    // 发布 with its close date; only the stage's commands are offered, and they move with the stage.
    await staff.reload();
    const commands = staff.getByTestId('commands');
    await commands.getByTestId('command-publish').waitFor();
    expect(await commands.getByTestId('command-runMatching').count()).toBe(0);
    await command(staff, 'publish', () => date(staff, 'closeDate', addDays(TODAY, 10)));
    await commands.getByTestId('command-apply').waitFor();

    // 揭榜 in the console (wjw-staff stands in for the cadre), the other through the API.
    const wjw = await as('wjw-staff', `/procedures/${wf}`);
    await command(wjw, 'apply', async () => {
      await input(wjw, 'personId').fill('GB9501');
      await input(wjw, 'taskIds').fill('T1、T2');
      await input(wjw, 'statement').fill('愿赴一线');
    });
    await eventually(async () => ((await state(wf)).applications?.length === 1 ? true : undefined), WAIT, 'the application');
    await wjw.close();
    expect((await api('POST', `/procedures/${wf}/redeployment`, 'jyj-staff', { action: 'apply', personId: 'GB9502', taskIds: ['T2'], statement: '愿赴一线' })).status).toBe(200);

    // 截止报名 needs its reason: refused in the browser at the field, then sent.
    await staff.reload();
    await command(staff, 'closeApplications');
    await staff.locator('[data-field="reason"]').getByText('必填').waitFor();
    await expectChinese(staff);
    await input(staff, 'reason').fill('报名人数已满足');
    await staff.getByTestId('command-submit').click();
    await commands.getByTestId('command-recordCheck').waitFor();
    await atStage(wf, 'checks');
    for (const personId of ['GB9501', 'GB9502']) {
      expect((await api('POST', `/procedures/${wf}/redeployment`, 'zzb-staff', { action: 'recordCheck', personId, health: { date: TODAY, result: 'fit' } })).status).toBe(200);
    }
    await atStage(wf, 'ranking');

    // 排序: the host unit ranks its task's applicants in the console; a name that did not apply is refused at the list.
    const jyjHead = await as('jyj-head', `/procedures/${wf}`);
    await command(jyjHead, 'rank', async () => {
      await input(jyjHead, 'taskId').fill('T1');
      await input(jyjHead, 'personIds').fill('GB9502');
    });
    await jyjHead.getByTestId('commands').getByText('排序有误').first().waitFor();
    await expectChinese(jyjHead);
    await input(jyjHead, 'personIds').fill('GB9501');
    await jyjHead.getByTestId('command-submit').click();
    await eventually(async () => ((await state(wf)).rankings?.T1 ? true : undefined), WAIT, 'T1 ranked');
    await jyjHead.close();
    expect((await api('POST', `/procedures/${wf}/redeployment`, 'wjw-head', { action: 'rank', taskId: 'T2', personIds: ['GB9502', 'GB9501'] })).status).toBe(200);

    // 运行匹配, then 提交方案: the meeting stage.
    await staff.reload();
    await command(staff, 'runMatching');
    await commands.getByTestId('command-submitProposal').waitFor();
    await command(staff, 'submitProposal');
    // The list moves to its meeting in the run's main loop, after the command has answered, so the page's re-read
    // can still find the proposal stage (seen once in CI under load); it is read again once the run is there.
    await atStage(wf, 'meeting');
    await staff.reload();
    await commands.getByTestId('command-openMeeting').waitFor();
    // 召开会议: the date and who is present (the demo's meeting is zzb-head alone).
    await command(staff, 'openMeeting', async () => {
      await date(staff, 'date', TODAY);
      await input(staff, 'present').fill('zzb-head');
    });
    await eventually(async () => ((await state(wf)).meeting?.present?.length ? true : undefined), WAIT, 'the meeting open');

    // 部务会票决 on the procedure page: a ballot per matched pair, one choice each, as any vote.
    await head.goto(`${c.base}/#/procedures/${wf}`);
    await head.reload();
    // What the meeting decides on: who applied for what, and the matching proposal, by name.
    await head.getByTestId('applications').getByText('孙一（GB9501）').waitFor();
    await head.getByTestId('proposal').getByText('周二', { exact: true }).waitFor();
    await head.getByTestId('commands').getByTestId('command-vote').click();
    const ballots = head.getByTestId('commands').getByTestId('ballots');
    await ballots.getByLabel('对 T1/GB9501 的表决').waitFor();
    expect(await ballots.getByTestId('ballot').count()).toBe(2);
    // The pair is shown by its task and its cadre.
    await ballots.getByText('驻村帮扶（T1） — 孙一（GB9501）').waitFor();
    // Not every pair has a choice: refused in the browser, nothing sent.
    await ballots.getByLabel('对 T1/GB9501 的表决').getByText('同意', { exact: true }).click();
    await head.getByTestId('command-submit').click();
    await ballots.getByText('请对每位候选人表态').waitFor();
    await ballots.getByLabel('对 T2/GB9502 的表决').getByText('不同意', { exact: true }).click();
    await shot(head, '20-redeployment-slate-vote');
    await head.getByTestId('command-submit').click();
    await eventually(async () => ((await state(wf)).currentStep?.vote?.voted?.length === 1 ? true : undefined), WAIT, 'the ballot counted');
    // A second ballot is refused at the ballots, in Chinese.
    await head.reload();
    await head.getByTestId('commands').getByTestId('command-vote').click();
    for (const pair of ['T1/GB9501', 'T2/GB9502']) await ballots.getByLabel(`对 ${pair} 的表决`).getByText('同意', { exact: true }).click();
    await head.getByTestId('command-submit').click();
    await ballots.getByText('您已投过票').waitFor();
    expect((await expectChinese(head)).some((t) => t.includes('您已投过票'))).toBe(true);
    await head.close();

    // 附会议记录 ends the vote: T1's pair passed (同意), T2's not (the exception, 不同意); the list dispatches.
    await staff.reload();
    await command(staff, 'attachMinutes', () => input(staff, 'minutesRef').fill('部务会纪要〔2026〕9号'));
    await atStage(wf, 'dispatch');
    const decided = await state(wf);
    expect(decided.decision.candidates.map((x: { candidateId: string; agree: number; disagree: number }) => [x.candidateId, x.agree, x.disagree])).toEqual([
      ['T1/GB9501', 1, 0],
      ['T2/GB9502', 0, 1],
    ]);
    expect(decided.approvedPairs).toEqual([{ taskId: 'T1', personId: 'GB9501' }]);
    await staff.reload();
    await staff.getByTestId('commands').getByTestId('command-acknowledge').waitFor();
    await shot(staff, '21-redeployment-procedure');

    // At phone width the ten stages stand one a line: each stage's name on one line, none over another,
    // nothing past the screen's edge, and the page does not scroll sideways.
    await staff.setViewportSize(PHONE);
    await staff.waitForTimeout(300);
    const bar = await staff.getByTestId('stepbar').evaluate((el) => {
      // In the page (the tests' TypeScript has no DOM library): the window and its document.
      type Box = { top: number; bottom: number; left: number; right: number };
      const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number }; createRange(): { selectNodeContents(n: unknown): void; getClientRects(): Iterable<Box> } } };
      const titles = [...el.querySelectorAll('.el-step__title')].map((t) => {
        const r = w.document.createRange();
        r.selectNodeContents(t);
        const rects = [...r.getClientRects()];
        return { text: t.textContent, lines: new Set(rects.map((x) => Math.round(x.top))).size, left: Math.min(...rects.map((x) => x.left)), right: Math.max(...rects.map((x) => x.right)), top: Math.min(...rects.map((x) => x.top)), bottom: Math.max(...rects.map((x) => x.bottom)) };
      });
      return { titles, width: w.innerWidth, scrollWidth: w.document.documentElement.scrollWidth };
    });
    expect(bar.titles).toHaveLength(10);
    expect(bar.scrollWidth).toBeLessThanOrEqual(bar.width);
    for (const t of bar.titles) {
      expect([t.text, t.lines]).toEqual([t.text, 1]);
      expect([t.text, t.left >= 0 && t.right <= bar.width]).toEqual([t.text, true]);
    }
    const overlapping = bar.titles.flatMap((a, i) => bar.titles.slice(i + 1).filter((b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom).map((b) => `${a.text} × ${b.text}`));
    expect(overlapping).toEqual([]);
    await staff.screenshot({ path: path.join(SHOTS, '22-redeployment-stepbar-phone.png'), fullPage: false });
    await staff.setViewportSize(DESKTOP);

    // The audit badge says why a chain is broken in Chinese: an entry changed in the database, its hash kept.
    const tampered = await stack.t.orm.em.fork().getConnection().execute<{ seq: number }[]>(
      `update audit_log set payload = jsonb_set(payload, '{tampered}', 'true') where workflow_id = ? and seq = 2 returning seq`,
      [wf],
    );
    expect(tampered).toHaveLength(1);
    await staff.reload();
    const badge = staff.getByTestId('audit-badge');
    await badge.getByText('审计链断裂：第 2 条（哈希不符）').waitFor();
    expect(hasEnglish((await badge.textContent()) ?? '')).toBe(false);
    await staff.close();
  });
  test('a term (任期) has its own step bar, usable at phone width; its raw state only for administrators and supervisors', async () => {
    // Started with the Temporal client, as the list's dispatch does: a year's term from next month, far from its reports.
    const listId = uniqueId('L');
    const input: RedeploymentTermInput = {
      listWorkflowId: `redeployment-${listId}`,
      listId,
      taskId: 'T1',
      taskTitle: '乡村振兴驻村帮扶',
      hostUnitId: 'jyj',
      personId: 'GB9501',
      cadreUserId: 'wjw-staff',
      departmentUnitId: 'zzb',
      term: { start: addMonths(TODAY, 1), end: addDays(addMonths(TODAY, 13), -1) },
      reportEveryMonths: 1,
      reportWorkingDays: 5,
      assignees: {
        [ruleKey({ kind: 'user', userId: 'wjw-staff' })]: ['wjw-staff'],
        [ruleKey({ kind: 'unitHead', unitId: 'jyj' })]: ['jyj-head'],
        [ruleKey({ kind: 'role', role: 'staff', unitId: 'zzb' })]: ['zzb-staff'],
        [ruleKey({ kind: 'role', role: 'approver', unitId: 'zzb' })]: ['zzb-head'],
      },
      initiatorId: 'zzb-staff',
    };
    const wf = redeploymentTermWorkflowId(listId, 'T1', 'GB9501');
    await stack.t.env.client.workflow.start(REDEPLOYMENT_TERM, { taskQueue: stack.api.taskQueue, workflowId: wf, args: [input] });
    await atStage(wf, 'reports');

    const staff = await as('zzb-staff', `/procedures/${wf}`);
    const bar = staff.getByTestId('stepbar');
    await bar.waitFor();
    expect(await bar.locator('.el-step__title').allTextContents()).toEqual(['任期报告', '承接单位考核', '组织部门考核']);
    expect(await bar.locator('[aria-current="step"] .el-step__title').textContent()).toBe('任期报告');
    // The raw state (English keys) is not for a staff member: the page shows its readable sections only.
    expect(await staff.locator('details pre').count()).toBe(0);
    await expectChinese(staff);
    await staff.setViewportSize(PHONE);
    await staff.waitForTimeout(300);
    const phone = await staff.evaluate(() => {
      type Box = { left: number; right: number };
      const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number }; querySelectorAll(s: string): Iterable<{ getBoundingClientRect(): Box }> } };
      const titles = [...w.document.querySelectorAll('[data-testid="stepbar"] .el-step__title')].map((t) => t.getBoundingClientRect());
      return { width: w.innerWidth, scrollWidth: w.document.documentElement.scrollWidth, inside: titles.every((r) => r.left >= 0 && r.right <= w.innerWidth) };
    });
    expect(phone).toEqual({ width: PHONE.width, scrollWidth: phone.scrollWidth, inside: true });
    expect(phone.scrollWidth).toBeLessThanOrEqual(phone.width);
    await staff.close();

    // A supervisor sees it, collapsed and named as raw data for checking.
    const sup = await as('dc-supervisor', `/procedures/${wf}`);
    await sup.getByTestId('raw-state').getByText('原始数据（供系统管理员核查）').waitFor();
    await sup.close();
  });
  test('the people import’s file chooser reads in Chinese: the browser’s own (English) button is hidden behind 选择文件', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-import-')), '揭榜干部.csv');
    fs.writeFileSync(file, CSV);
    const staff = await as('zzb-staff', '/people');
    await staff.getByRole('button', { name: '选择文件', exact: true }).waitFor();
    await staff.getByText('未选择文件').waitFor();
    // The native input is out of sight (its button would say "Choose File"), still labelled for the file.
    const box = await staff.getByLabel('选择文件：').boundingBox();
    expect(box!.width * box!.height).toBeLessThanOrEqual(1);
    await staff.getByTestId('people-file').setInputFiles(file);
    await staff.getByText('揭榜干部.csv').waitFor();
    await staff.getByTestId('import-summary').waitFor();
    const card = await staff.locator('.el-card', { hasText: '导入干部名册' }).evaluate((el) => (el as unknown as { innerText: string }).innerText);
    expect([card, hasEnglish(card)]).toEqual([card, false]);
    await shot(staff, '23-people-import');
    await staff.close();
  });
});

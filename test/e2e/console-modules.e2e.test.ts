/**
 * The console's forms built from the API's schemas, and the supervisor's board actions, in Chromium:
 * a cadre selection's start form with a 422 at its field, its stage commands and its committee ballot with the
 * principal's early ballot refused, and the board's bulk 催办 and XLSX export. Harness: ./browser.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { chinaDateOf } from '../../domain/dates';
import { ProcedureSchema } from '../../platform/entities';
import { inboxTask, newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { loadCurrentYears, loadTestYear, testDate } from '../helpers/rectification';
import { hasEnglish } from '../../web/src/labels';
import { describeInBrowser, expectChinese, pickOption, useConsole, WAIT, submitStart } from './browser';
import { addSelectionCast, selectionStartBody } from '../helpers/selection';

describeInBrowser('console modules e2e')('web console: module forms and the board (Chromium)', () => {
  jest.setTimeout(300_000);
  let signers = { partySecretary: '', disciplineSecretary: '' };
  const stack = useApiStack(async (t) => {
    // The selection and the batch are dated from today, the board's feedback in the test year (helpers/rectification).
    await loadCurrentYears(t.orm);
    await loadTestYear(t.orm);
    // A committee of three for the selection's vote, two cadres of 市教育局 and its two signers.
    signers = await addSelectionCast(t.orm);
  });
  const c = useConsole(() => stack.api.baseUrl);
  const { shot, as, choose, openTask } = c;

  /** The input of the schema-built field the API names `field`. */
  const input = (page: Page, field: string) => page.locator(`[data-field="${field}"]`).locator('input, textarea').first();
  /** Picks `option` in the select of the schema-built field `field`. */
  async function pick(page: Page, field: string, option: string): Promise<void> {
    await pickOption(page, page.locator(`[data-field="${field}"] .el-select__wrapper`).first(), option);
  }
  /** Picks each of `options` in the multiple select of the schema-built field `field`, then closes its list. */
  async function pickMany(page: Page, field: string, options: string[]): Promise<void> {
    const box = page.locator(`[data-field="${field}"] .el-select__wrapper`).first();
    await box.click();
    const list = await box.getByRole('combobox').first().getAttribute('aria-controls');
    for (const option of options) await page.locator(`[id="${list ?? ''}"] .el-select-dropdown__item`, { hasText: option }).first().click();
    // Closed, and left: a focused multiple select is a line taller (its search input wraps under the tags), so the
    // form below moves up when it loses the focus, and a click aimed below it while it still had it would miss.
    await page.keyboard.press('Escape');
    await page.locator('h1').first().click();
    await page.locator(`[id="${list ?? ''}"]`).waitFor({ state: 'hidden' });
  }
  /** An examination plan's fields on a schema-built start form: each dimension with its indicators, the two lists, the group. */
  async function fillPlan(page: Page, plan: { dimensions: { dimension: string; indicators: string[] }[]; positiveList: string[]; negativeList: string[]; group: string[] }): Promise<void> {
    const DIMENSIONS: Record<string, string> = { loyalty: '政治忠诚' };
    for (const [i, d] of plan.dimensions.entries()) {
      await page.getByRole('button', { name: '添加考察维度' }).click();
      await pick(page, `plan.dimensions[${i}].dimension`, DIMENSIONS[d.dimension]!);
      await input(page, `plan.dimensions[${i}].indicators`).fill(d.indicators.join('、'));
    }
    await input(page, 'plan.positiveList').fill(plan.positiveList.join('、'));
    await input(page, 'plan.negativeList').fill(plan.negativeList.join('、'));
    await input(page, 'plan.group').fill(plan.group.join('、'));
  }
  const api = async (method: string, url: string, user: string, body?: unknown) =>
    stack.h.call(method, url, { token: await stack.h.login(user), ...(body === undefined ? {} : { key: newKey(), body }) });

  test('a cadre selection’s start form, built from its start schema: checked in the browser, then a 422 at its field', async () => {
    const staff = await as('zzb-staff', '/start');
    await staff.getByTestId('start-types').getByRole('link', { name: '干部选拔任用' }).click();
    await staff.waitForURL(/#\/start\/cadreSelection$/);
    let starts = 0;
    staff.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/procedures/cadreSelection')) starts += 1;
    });
    // Empty: the start schema names the required fields, nested ones too, before anything is sent.
    await staff.getByTestId('start-submit').click();
    await staff.locator('[data-field="selectionId"]').getByText('必填').waitFor();
    await staff.locator('[data-field="principles.post.title"]').getByText('必填').waitFor();
    expect(starts).toBe(0);

    await input(staff, 'selectionId').fill(uniqueId('XB').slice(0, 20));
    await input(staff, 'title').fill('市教育局局长人选');
    await input(staff, 'principles.post.title').fill('市教育局局长');
    await pick(staff, 'principles.post.unitId', '市教育局');
    await input(staff, 'principles.post.positions').fill('1');
    await pick(staff, 'principles.post.targetGrade', '正处');
    await input(staff, 'principles.candidateScope').fill('全市县处级副职干部');
    await pick(staff, 'principles.method', '会议推荐');
    await input(staff, 'principles.timetable').fill('2026年12月底前完成');
    await staff.locator('[data-field="principlesApprovers"]').getByText('单位负责人').click();
    await pick(staff, 'principlesApprovers.unitId', '市委组织部');
    await staff.locator('[data-field="committee"]').getByText('单位某角色').click();
    await pick(staff, 'committee.role', '审批人');
    await pick(staff, 'committee.unitId', '测试单位 cw');
    // The principal must be one of the committee: zzb-staff is not, so the API refuses at principalId.
    await pick(staff, 'principalId', 'zzb-staff');
    await staff.getByTestId('start-submit').click();
    await staff.locator('[data-field="principalId"]').getByText('主要负责人须是参加表决的成员').waitFor();
    await expectChinese(staff);
    expect(starts).toBe(1);
    await shot(staff, '14-start-selection-422');

    // The same form, with the committee's own principal, starts the selection and opens it.
    await pick(staff, 'principalId', 'cw-1');
    await submitStart(staff, /#\/procedures\/selection-/);
    await staff.getByTestId('stepbar').waitFor();
    await staff.close();
  });

  test('a selection’s stage commands and its committee ballot: the principal’s early ballot refused and explained, then counted last', async () => {
    const id = uniqueId('xb').slice(0, 20);
    const wf = `selection-${id}`;
    const start = await api('POST', '/procedures/cadreSelection', 'zzb-staff', selectionStartBody(id));
    expect(start.status).toBe(201);
    expect((await api('POST', `/tasks/${await inboxTask(stack.h, 'zzb-head', wf, 'principles')}/actions`, 'zzb-head', { action: 'approve' })).status).toBe(200);
    await eventually(async () => ((await api('GET', `/procedures/${wf}`, 'zzb-staff')).body.state?.stage === 'nomination' ? true : undefined), WAIT, 'the principles frozen');
    const nominated = await api('POST', `/procedures/${wf}/selection`, 'zzb-staff', {
      action: 'recordNomination',
      date: chinaDateOf(new Date()),
      meeting: { determined: 30, present: 24, votes: [{ personId: 'T001', votes: 15 }, { personId: 'T002', votes: 9 }] },
    });
    expect(nominated.status).toBe(200);

    // 确定考察对象 in the console: only this stage's commands are offered; a single name is refused (差额) at the form.
    const staff = await as('zzb-staff', `/procedures/${wf}`);
    const commands = staff.getByTestId('commands');
    await commands.getByTestId('command-setShortlist').waitFor();
    expect(await commands.getByTestId('command-recordInspection').count()).toBe(0);
    await commands.getByTestId('command-setShortlist').click();
    await input(staff, 'personIds').fill('T001');
    await staff.getByTestId('command-submit').click();
    await commands.getByText('考察对象须多于拟任职数').first().waitFor();
    await expectChinese(staff);
    await input(staff, 'personIds').fill('T001、T002');
    await staff.getByTestId('command-submit').click();
    // The stage moves on: the inspection's commands replace the shortlist's.
    await commands.getByTestId('command-recordInspection').waitFor();
    await shot(staff, '15-selection-commands');

    // The inspection through the API (its rules have their own tests): T002 removed, T001 checked and signed.
    const cmd = async (body: unknown) => expect((await api('POST', `/procedures/${wf}/selection`, 'zzb-staff', body)).status).toBe(200);
    await cmd({
      action: 'recordInspection',
      group: ['zzb-staff', 'zzb-head'],
      noticeDate: '2026-11-21',
      startDate: '2026-11-23',
      talks: 32,
      evaluations: [
        { personId: 'T001', excellent: 25, competent: 6, basicallyCompetent: 1, incompetent: 0 },
        { personId: 'T002', excellent: 18, competent: 10, basicallyCompetent: 3, incompetent: 1 },
      ],
      fieldVisit: true,
    });
    for (const check of ['personnelFile', 'personalMatters', 'disciplineOpinion', 'complaints']) await cmd({ action: 'recordCheck', personId: 'T001', check, result: 'clear' });
    await cmd({ action: 'recordCheck', personId: 'T002', check: 'complaints', result: 'negative', note: '反映问题经核实属实' });
    await cmd({ action: 'signIntegrity', personId: 'T001', as: 'partySecretary', signedBy: signers.partySecretary });
    await cmd({ action: 'signIntegrity', personId: 'T001', as: 'disciplineSecretary', signedBy: signers.disciplineSecretary });
    await cmd({ action: 'completeInspection' });
    // The committee meets (召开会议: its date and who is present) in the console; the ballots open for those present.
    await staff.reload();
    await commands.getByTestId('command-openMeeting').click();
    await input(staff, 'date').fill(chinaDateOf(new Date()));
    await input(staff, 'date').press('Enter');
    await input(staff, 'present').fill('cw-1、cw-2、cw-3');
    await staff.getByTestId('command-submit').click();
    await staff.getByText('已召开会议').first().waitFor();

    // The principal (cw-1) votes first: refused at the ballots, with why.
    const ballot = async (user: string): Promise<Page> => {
      const p = await as(user);
      await openTask(p, `局长人选 ${id}`);
      // The member finds the candidate by name (issue 12): the ballot reads 张明（T001）, not the number alone.
      await p.getByTestId('ballot').filter({ hasText: '张明（T001）' }).getByLabel('对 T001 的表决').getByText('同意', { exact: true }).click();
      await p.getByTestId('act-submit').click();
      return p;
    };
    const principal = await ballot('cw-1');
    // What the member decides on, in Chinese: T002's removal says which check found what, and T001's eligibility
    // reads predicate by predicate (the domain's English glosses, ids and field names translated, web/src/predicates.ts).
    const candidates = principal.getByTestId('candidates');
    await candidates.getByText('已移出：信访举报核查有问题：反映问题经核实属实').waitFor();
    // Each candidate by name and number, though a member may not read /people.
    await candidates.getByText('张明（T001）', { exact: true }).waitFor();
    await candidates.getByText('李华（T002）', { exact: true }).waitFor();
    await candidates.locator('.el-table__expand-icon').first().click();
    const predicates = principal.getByTestId('predicates').first();
    await predicates.getByText('工作年限 ≥ 5 年', { exact: true }).waitFor();
    await predicates.getByText(/^现职级：副处；任现职级时间：2021-03-01；拟任职级：正处$/).first().waitFor();
    expect(hasEnglish(await candidates.innerText())).toBe(false);
    const refusal = principal.getByTestId('ballots');
    await refusal.getByText('主要负责人须最后表态').waitFor();
    await refusal.getByText('主要负责人在其他到会成员都表态之后最后表态').waitFor();
    await expectChinese(principal);
    await shot(principal, '16-selection-vote-refused');
    await principal.close();
    for (const member of ['cw-2', 'cw-3']) {
      const p = await ballot(member);
      await p.waitForURL(/#\/inbox/);
      await p.close();
    }
    const last = await ballot('cw-1');
    await last.waitForURL(/#\/inbox/);
    await last.close();
    // The vote ends once the minutes are attached.
    await staff.reload();
    await commands.getByTestId('command-attachMinutes').click();
    await input(staff, 'minutesRef').fill('市委常委会会议纪要〔2026〕31号');
    await staff.getByTestId('command-submit').click();
    const decided = await eventually(async () => {
      const s = (await api('GET', `/procedures/${wf}`, 'zzb-staff')).body.state;
      return s?.stage === 'publicNotice' ? s : undefined;
    }, WAIT, 'the decision');
    expect(decided.candidates.find((x: { personId: string }) => x.personId === 'T001').decision).toBe('passed');
    // On public notice, the console offers the notice's commands.
    await staff.reload();
    await commands.getByTestId('command-recordObjection').waitFor();
    await staff.close();
  });

  test('the supervisor’s board: bulk 催办 of what it shows, and its XLSX export downloads', async () => {
    const feedbackId = uniqueId('XU').slice(0, 20);
    const start = await api('POST', '/procedures/rectification', 'zzb-staff', {
      feedbackId,
      title: `催办演示 ${feedbackId}`,
      inspectionGroup: '市委第二巡察组',
      feedbackDate: testDate('11-20'),
      problems: [{ no: '1', title: '整改进度滞后', difficulty: 'normal', leadUnitId: 'zzb', assignments: [{ unitId: 'wjw', dueDate: testDate('12-31') }] }],
    });
    expect(start.status).toBe(201);
    const wf = `rectification-${feedbackId}-p1-wjw`;
    await eventually(async () => ((await stack.t.orm.em.fork().count(ProcedureSchema, { workflowId: wf })) ? true : undefined), WAIT, 'the item row');
    // What the projection marks overdue is what the board shows (the deadline itself is the workflow tests' concern).
    await stack.t.orm.em.fork().nativeUpdate(ProcedureSchema, { workflowId: wf }, { overdue: true, dueAt: new Date('2026-11-25T16:00:00Z') });

    const sup = await as('dc-supervisor', '/board');
    await choose(sup, '单位', '市卫生健康委员会');
    await sup.getByTestId('board-groups').locator('tr', { hasText: `催办演示 ${feedbackId}` }).waitFor();
    await sup.getByRole('button', { name: '批量催办' }).click();
    await sup.getByLabel('催办说明').fill('请于本周内完成整改');
    await sup.getByRole('button', { name: '发送' }).click();
    await sup.getByText(/匹配 1 件，已催办 1 件/).first().waitFor();
    const urged = await eventually(async () => {
      const actions = (await api('GET', `/procedures/${wf}/actions`, 'dc-supervisor')).body as { action: string; actorId: string; comment: string | null }[];
      return actions.find((a) => a.action === 'urge');
    }, WAIT, 'the urge recorded');
    expect(urged).toMatchObject({ actorId: 'dc-supervisor', comment: '请于本周内完成整改' });
    await shot(sup, '17-board-urged');

    // The export of what is shown: a download, an XLSX (a zip: "PK").
    const [download] = await Promise.all([sup.waitForEvent('download'), sup.getByRole('button', { name: '导出 XLSX' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^督查看板-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-export-')), download.suggestedFilename());
    await download.saveAs(file);
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    expect(bytes.length).toBeGreaterThan(1000);
    await sup.close();
  });

  test('a batch and an examination started from their start forms; the batch’s progress by stage and by unit, and an examination’s strand recorded from its task form, with a 422 at its field', async () => {
    const batchId = uniqueId('QFG').slice(0, 20);
    const batchWf = `political-batch-${batchId}`;
    const plan = {
      dimensions: [{ dimension: 'loyalty', indicators: ['坚决维护党中央权威'] }],
      positiveList: ['贯彻落实党中央决策部署坚决有力'],
      negativeList: ['表态多调门高而行动少落实差'],
      group: ['zzb-staff', 'xcb-reviewer'],
    };
    // The batch is started from its schema-built start form (全覆盖): a list of units as its scope, one dimension
    // with its indicator, the two lists and the group; the answer opens the new batch.
    const staff = await as('zzb-staff', '/start');
    await staff.getByTestId('start-types').getByRole('link', { name: '政治素质考察批次', exact: true }).click();
    await staff.waitForURL(/#\/start\/politicalExaminationBatch$/);
    // A start form's default unit is said by its name, not its code.
    await staff.locator('[data-field="departmentUnitId"]').getByText('默认 市委组织部', { exact: true }).waitFor();
    await staff.locator('[data-field="inspectionOfficeUnitId"]').getByText('默认 市委巡察办', { exact: true }).waitFor();
    await input(staff, 'batchId').fill(batchId);
    await input(staff, 'title').fill(`政治素质考察 ${batchId}`);
    await staff.locator('[data-field="scope"] .el-radio', { hasText: /^单位$/ }).click();
    await pickMany(staff, 'scope.unitIds', ['市教育局', '市卫生健康委员会']);
    await fillPlan(staff, plan);
    await submitStart(staff, new RegExp(`#/procedures/${batchWf}$`));
    const child = `political-${batchId}-jyj`;
    // The department approves the plan of 市教育局's examination; its five strands open for the group.
    expect((await api('POST', `/tasks/${await inboxTask(stack.h, 'zzb-head', child, 'planApproval')}/actions`, 'zzb-head', { action: 'approve' })).status).toBe(200);
    // The form's plan is each child's, as filled in.
    expect((await api('GET', `/procedures/${child}`, 'zzb-staff')).body.state).toMatchObject({ subject: { kind: 'group', unitId: 'jyj' }, plan });

    await staff.goto(`${c.base}/#/procedures/${batchWf}`);
    await staff.reload();
    const chart = staff.getByTestId('batch-chart');
    await chart.getByText('取证').first().waitFor();
    await chart.getByTestId('batch-unit').filter({ hasText: '市教育局' }).waitFor();
    await chart.getByTestId('batch-unit').filter({ hasText: '市卫生健康委员会' }).waitFor();
    await shot(staff, '18-batch-progress');

    // 个别谈话: the strand's own verb, its form from the act schema; a list without a dissenting voice is refused at the list.
    await staff.goto(`${c.base}/#/tasks/${await inboxTask(stack.h, 'zzb-staff', child, 'talks')}`);
    await staff.getByTestId('act-form').waitFor();
    // The strand's deadline in the context is the task's own 到期: a dueAt is the end of its China day (the next
    // day's 00:00), and read as a plain date it showed one day late.
    const due = /到期 (\d{4}\/\d{2}\/\d{2})/.exec(await staff.locator('p.muted', { hasText: '当前环节' }).innerText())?.[1];
    expect(due).toMatch(/^\d{4}\/\d{2}\/\d{2}$/);
    expect(await staff.getByTestId('context').locator('tr', { hasText: '个别谈话' }).getByTestId('strand-due').innerText()).toBe(due);
    await staff.getByTestId('action-recordTalks').click();
    for (const [i, [name, kind]] of [['甲', '关键人'], ['乙', '知情人']].entries()) {
      await staff.getByRole('button', { name: '添加谈话对象' }).click();
      await input(staff, `data.interviewees[${i}].name`).fill(name!);
      await pick(staff, `data.interviewees[${i}].kind`, kind!);
    }
    await input(staff, 'data.summary').fill('与班子成员及干部群众个别谈话');
    await staff.getByTestId('act-submit').click();
    await staff.locator('[data-field="data.interviewees"]').getByText('不足：持不同意见者').first().waitFor();
    await expectChinese(staff);
    await shot(staff, '19-strand-422');
    await staff.getByRole('button', { name: '添加谈话对象' }).click();
    await input(staff, 'data.interviewees[2].name').fill('丙');
    await pick(staff, 'data.interviewees[2].kind', '持不同意见者');
    await staff.getByTestId('act-submit').click();
    await staff.waitForURL(/#\/inbox/);
    const talks = await eventually(async () => {
      const s = (await api('GET', `/procedures/${child}`, 'zzb-staff')).body.state as { strands?: { strand: string; status: string }[] };
      return s.strands?.find((x) => x.strand === 'talks' && x.status === 'done');
    }, WAIT, 'the talks recorded');
    expect(talks).toBeTruthy();
    // The examination's page says who recorded the talks by name, not by account.
    await staff.goto(`${c.base}/#/procedures/${child}`);
    await staff.getByTestId('context').locator('tr', { hasText: '个别谈话' }).getByTestId('strand-record').getByText(/^组织部经办人 王敏 /).waitFor();

    // One examination, of a unit's leading group (领导班子), from its own schema-built start form: the answer
    // opens it, and its state has the subject and plan as filled in.
    const examinationId = uniqueId('ZZ').slice(0, 20);
    await staff.goto(`${c.base}/#/start`);
    await staff.getByTestId('start-types').getByRole('link', { name: '政治素质考察', exact: true }).click();
    await staff.waitForURL(/#\/start\/politicalExamination$/);
    await input(staff, 'examinationId').fill(examinationId);
    await input(staff, 'title').fill(`卫健委领导班子政治素质考察 ${examinationId}`);
    await staff.locator('[data-field="subject"] .el-radio', { hasText: /^领导班子$/ }).click();
    await pick(staff, 'subject.unitId', '市卫生健康委员会');
    await fillPlan(staff, plan);
    await submitStart(staff, new RegExp(`#/procedures/political-${examinationId}$`));
    await staff.getByRole('heading', { name: `卫健委领导班子政治素质考察 ${examinationId}` }).waitFor();
    const examination = (await api('GET', `/procedures/political-${examinationId}`, 'zzb-staff')).body.state as { subject?: unknown; plan?: { group?: unknown; positiveList?: unknown } };
    expect(examination.subject).toMatchObject({ kind: 'group', unitId: 'wjw' });
    expect(examination.plan).toMatchObject({ group: plan.group, positiveList: plan.positiveList, negativeList: plan.negativeList, dimensions: plan.dimensions });
    await staff.close();
  });
});

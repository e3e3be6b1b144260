/**
 * The batch report (全覆盖) on a real political-examination batch (issue 13): its examinations per stage and per
 * unit, one examined to its close within its deadlines, one late (its deadline activity is replaced) and on the
 * ladder; and the same as XLSX, with stages and units named.
 */
import { Context } from '@temporalio/activity';
import ExcelJS from 'exceljs';
import { politicalExaminationBatchWorkflowId } from '../../procedures/political-examination/messages';
import { inboxTask, newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { workflowIds } from '../helpers/ids';
import { loadTestYear, testDate } from '../helpers/rectification';
import { CLEAR_EVIDENCE } from '../helpers/examination';

const PAST = { effectiveDueDate: '2026-11-02', dueAt: '2026-11-02T16:00:00.000Z', remindAt: '2026-10-29T01:00:00.000Z' };
const AHEAD = { effectiveDueDate: testDate('12-31'), dueAt: `${testDate('12-31')}T16:00:00.000Z`, remindAt: `${testDate('12-29')}T01:00:00.000Z` };
const workflowOf = (): string => Context.current().info.workflowExecution?.workflowId ?? '?';

const stack = useApiStack((t) => loadTestYear(t.orm), {
  // wjw's examination runs past its deadlines; jyj's are ahead.
  examinationDeadlines: async (input: { workingDays: number[] }) => Object.fromEntries(input.workingDays.map((n) => [String(n), workflowOf().endsWith('-wjw') ? PAST : AHEAD])),
});

const STAFF = 'zzb-staff';
const HEAD = 'zzb-head';
const call = async (method: string, path: string, user: string, body?: unknown) =>
  stack.h.call(method, path, { token: await stack.h.login(user), ...(body !== undefined ? { key: newKey(), body } : {}) });
const act = (user: string, taskId: string, body: unknown) => call('POST', `/tasks/${taskId}/actions`, user, body);
const taskOf = (answer: { openTasks: { taskId: string; step: string }[] }, step: string): string => {
  const found = answer.openTasks.find((x) => x.step === step);
  if (!found) throw new Error(`no open ${step} task in ${JSON.stringify(answer.openTasks)}`);
  return found.taskId;
};

const plan = {
  dimensions: [{ dimension: 'loyalty', indicators: ['坚决维护党中央权威'] }],
  positiveList: ['贯彻落实党中央决策部署坚决有力'],
  negativeList: ['表态多调门高、行动少落实差'],
  group: ['zzb-staff', 'xcb-reviewer'],
  timetable: { evidenceWorkingDays: 10, acknowledgeWorkingDays: 5 },
};

/** jyj's examination from its approved plan to its close: every strand, the analysis, the feedback, the use. */
async function examine(approved: { openTasks: { taskId: string; step: string }[] }): Promise<void> {
  const t = (step: string) => taskOf(approved, step);
  for (const [step, body] of CLEAR_EVIDENCE) {
    expect((await act(STAFF, t(step), body)).status).toBe(200);
  }
  const analysis = await act(STAFF, t('reverseInspection'), { action: 'recordReverseInspection', data: { sources: ['complaints'], summary: '走访', findings: [] } });
  const analysed = await act(STAFF, taskOf(analysis.body, 'analysis'), { action: 'analyse', data: { evaluations: [{ dimension: 'loyalty', text: '对党忠诚' }], grade: '好' } });
  const fed = await act(HEAD, taskOf(analysed.body, 'headApproval'), { action: 'approve' });
  const acknowledged = await act('jyj-head', taskOf(fed.body, 'feedback'), { action: 'acknowledge' });
  expect((await act(STAFF, taskOf(acknowledged.body, 'useOfResult'), { action: 'recordUse', data: { promotionNote: '列入表扬名单' } })).status).toBe(200);
}

test('a political-examination batch per stage and per unit: one closed on time, one late on the ladder; as XLSX with names', async () => {
  const batchId = uniqueId('qfr');
  const batchWf = politicalExaminationBatchWorkflowId(batchId);
  const child = (unitId: string) => workflowIds.politicalExamination(`${batchId}-${unitId}`);
  const started = await call('POST', '/procedures/politicalExaminationBatch', STAFF, { batchId, title: '2026年度领导班子政治素质考察', scope: { unitIds: ['jyj', 'wjw'] }, plan });
  expect(started.status).toBe(201);

  const wjwApproved = await act(HEAD, await inboxTask(stack.h, HEAD, child('wjw'), 'planApproval'), { action: 'approve' });
  expect(wjwApproved.body.stage).toBe('evidence');
  const jyjApproved = await act(HEAD, await inboxTask(stack.h, HEAD, child('jyj'), 'planApproval'), { action: 'approve' });
  await examine(jyjApproved.body);
  // jyj's examination closes; wjw's strands climb their whole ladder.
  await eventually(async () => {
    const [j, w] = await Promise.all([call('GET', `/procedures/${child('jyj')}`, STAFF), call('GET', `/procedures/${child('wjw')}`, STAFF)]);
    return j.body.procedure?.status === 'closed' && w.body.procedure?.escalation?.rung === 'accountability' ? true : undefined;
  }, 60_000, 'jyj closed and wjw at 问责');

  const r = await call('GET', `/supervision/reports/batch/${batchWf}`, 'dc-supervisor');
  expect(r.status).toBe(200);
  const none = { supervisionNotice: 0, warning: 0, accountability: 0 };
  const late = { key: 'evidence', items: 1, open: 1, overdue: 1, closed: 0, onTime: 0, escalations: { ...none, accountability: 1 } };
  // jyj met every deadline (its strands' and its feedback's), though its row has no due date of its own.
  const done = { items: 1, open: 0, overdue: 0, closed: 1, onTime: 1, escalations: none };
  expect(r.body).toEqual({
    workflowId: batchWf,
    type: 'politicalExaminationBatch',
    title: '2026年度领导班子政治素质考察',
    perStage: [{ key: 'closed', ...done }, late],
    perUnit: [
      { key: 'jyj', ...done },
      { ...late, key: 'wjw' },
    ],
  });

  const res = await fetch(`${stack.api.baseUrl}/supervision/reports/batch/${batchWf}/export`, { headers: { authorization: `Bearer ${await stack.h.login('dc-supervisor')}` } });
  expect(res.status).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ExcelJS.Buffer);
  const sheet = (name: string) => (wb.getWorksheet(name)?.getSheetValues() ?? []).slice(1).map((row) => (row as unknown[]).slice(1));
  expect(sheet('按环节')).toEqual([
    ['环节', '事项数', '在办', '逾期在办', '办结', '按期办结', '督办通知', '预警', '问责'],
    ['已办结', 1, 0, 0, 1, 1, 0, 0, 0],
    ['取证', 1, 1, 1, 0, 0, 0, 0, 1],
  ]);
  expect(sheet('按单位')).toEqual([
    ['单位', '事项数', '在办', '逾期在办', '办结', '按期办结', '督办通知', '预警', '问责'],
    ['市教育局', 1, 0, 0, 1, 1, 0, 0, 0],
    ['市卫生健康委员会', 1, 1, 1, 0, 0, 0, 0, 1],
  ]);
});

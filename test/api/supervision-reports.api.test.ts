/**
 * Supervision reports over HTTP: per period and per unit across types (started, closed, on time, working
 * days per stage, returns, escalations), a rectification feedback per problem and per unit, and the XLSX
 * exports with Chinese headings.
 */
import ExcelJS from 'exceljs';
import { chinaDateOf } from '../../domain/dates';
import { inboxTask, newKey, useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';
import { workflowIds } from '../helpers/ids';
import { dueInWorkingDays, setDue, startItem } from '../helpers/supervision';

const stack = useApiStack();

const submission = {
  action: 'submit',
  comment: '已完成整改',
  data: { measures: '修订规程', evidence: [{ name: '整改报告', ref: 'doc-001' }], institutionalRule: { title: '选人用人工作规程', documentRef: '教党〔2026〕12号' } },
};

async function act(user: string, wf: string, step: string, body: unknown): Promise<void> {
  const taskId = await inboxTask(stack.h, user, wf, step);
  const r = await stack.h.call('POST', `/tasks/${taskId}/actions`, { token: await stack.h.login(user), key: newKey(), body });
  if (r.status !== 200) throw new Error(`${user} ${step}: ${r.status} ${JSON.stringify(r.body)}`);
}

async function download(path: string, token: string): Promise<ExcelJS.Workbook> {
  const res = await fetch(`${stack.api.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ExcelJS.Buffer);
  return wb;
}

const rowValues = (ws: ExcelJS.Worksheet | undefined, n: number): unknown[] => ((ws?.getRow(n).values as unknown[]) ?? []).slice(1);

describe('supervision reports', () => {
  const month = chinaDateOf(new Date()).slice(0, 7);
  let feedbackWf: string;
  let closedWf: string;

  beforeAll(async () => {
    const fid = uniqueId('fb');
    feedbackWf = workflowIds.rectification(fid);
    closedWf = await startItem(stack.h, fid, 'jyj');
    // One return, then through to 销号.
    await act('jyj-staff', closedWf, 'submit', submission);
    await act('xcb-reviewer', closedWf, 'review', { action: 'return', comment: '证明材料不全' });
    await act('jyj-staff', closedWf, 'submit', submission);
    await act('xcb-reviewer', closedWf, 'review', { action: 'pass' });
    await act('jyj-head', closedWf, 'unitHead', { action: 'sign' });
    await act('zzb-head', closedWf, 'leadDepartment', { action: 'sign' });
    await act('xcb-director', closedWf, 'inspectionOffice', { action: 'sign' });
    // Another unit's item, overdue and escalated (the ladder's own timing is the workflow tests'; the report reads the action log).
    const other = await startItem(stack.h, uniqueId('fb'), 'wjw');
    await setDue(stack.t, other, dueInWorkingDays(-6), { overdue: true, rung: 'warning' });
    await stack.t.orm.em
      .fork()
      .getConnection()
      .execute(`insert into action_log (id, workflow_id, seq, actor_id, action, data, at) values (?, ?, 9999, 'system', 'escalate', '{"rung":"warning"}', now())`, [`${other}:9999`, other]);
  });

  test('per period and per unit across types', async () => {
    const r = await stack.h.call('GET', `/supervision/reports?period=month&at=${month}&type=rectificationItem`, { token: await stack.h.login('dc-supervisor') });
    expect(r.status).toBe(200);
    expect(r.body.period).toMatchObject({ kind: 'month', label: month });
    const jyj = r.body.rows.find((x: { unitId: string }) => x.unitId === 'jyj');
    expect(jyj).toMatchObject({ type: 'rectificationItem', started: 1, closed: 1, onTime: 1, due: 1, onTimeRate: 1, returns: 1, returnsPerItem: 1, escalations: { supervisionNotice: 0, warning: 0, accountability: 0 } });
    // Each stage's tasks completed this month; all within the day, so 0 working days.
    expect(jyj.stages).toEqual(
      expect.arrayContaining([
        { stage: 'submit', tasks: 2, avgWorkingDays: 0, p90WorkingDays: 0 },
        { stage: 'review', tasks: 2, avgWorkingDays: 0, p90WorkingDays: 0 },
        { stage: 'inspectionOffice', tasks: 1, avgWorkingDays: 0, p90WorkingDays: 0 },
      ]),
    );
    const wjw = r.body.rows.find((x: { unitId: string }) => x.unitId === 'wjw');
    expect(wjw).toMatchObject({ started: 1, closed: 0, onTimeRate: null, returnsPerItem: null, escalations: { warning: 1 } });
  });

  test('a rectification feedback per problem and per unit', async () => {
    const r = await stack.h.call('GET', `/supervision/reports/rectification/${feedbackWf}`, { token: await stack.h.login('zzb-staff') });
    expect(r.status).toBe(200);
    const part = { items: 1, open: 0, overdue: 0, returns: 1, ended: expect.objectContaining({ signedOff: 1, onTime: 1, onTimeRate: 1 }) };
    expect(r.body.perProblem).toEqual([expect.objectContaining({ key: '1', ...part })]);
    expect(r.body.perUnit).toEqual([expect.objectContaining({ key: 'jyj', ...part })]);
  });

  test('a batch (any fan-out parent) per stage and per unit of its procedures', async () => {
    const r = await stack.h.call('GET', `/supervision/reports/batch/${feedbackWf}`, { token: await stack.h.login('dc-supervisor') });
    expect(r.status).toBe(200);
    const part = { items: 1, open: 0, overdue: 0, closed: 1, onTime: 1, escalations: { supervisionNotice: 0, warning: 0, accountability: 0 } };
    expect(r.body).toEqual({ workflowId: feedbackWf, type: 'rectification', title: expect.any(String), perStage: [{ key: 'signedOff', ...part }], perUnit: [{ key: 'jyj', ...part }] });
    expect((await stack.h.call('GET', '/supervision/reports/batch/political-batch-nope', { token: await stack.h.login('dc-supervisor') })).status).toBe(404);
  });

  test('XLSX exports with Chinese headings', async () => {
    const token = await stack.h.login('dc-supervisor');
    const board = await download('/supervision/board/export', token);
    expect(board.worksheets.map((w) => w.name)).toEqual(['看板', '明细']);
    expect(rowValues(board.getWorksheet('看板'), 1)).toEqual(['单位', '事项类型', '环节', '事项数', '逾期数', '挂账督办', '最高等级', '最早到期事项', '最早到期时间', '逾期工作日', '当前办理人']);
    // Units, types, stages, rungs and people as staff call them (master data, the descriptor's label, the console's
    // stage labels, the ladder's names), never the API's codes.
    expect(rowValues(board.getWorksheet('看板'), 2).slice(0, 7)).toEqual(['市卫生健康委员会', '整改事项', '单位提交', 1, 1, 0, '预警']);
    expect(rowValues(board.getWorksheet('看板'), 2)[10]).toBe('卫健委经办人 吴芳');
    expect(rowValues(board.getWorksheet('明细'), 2).slice(3, 5)).toEqual(['市卫生健康委员会', '单位提交']);

    const report = await download(`/supervision/reports/export?period=month&at=${month}`, token);
    expect(report.worksheets.map((w) => w.name)).toEqual(['分单位', '环节用时']);
    expect(rowValues(report.getWorksheet('分单位'), 1).slice(0, 6)).toEqual(['单位', '事项类型', '发起数', '办结数', '按期办结数', '按期率']);
    const reportRows = (report.getWorksheet('分单位')?.getSheetValues() ?? []).slice(2).map((r) => (r as unknown[]).slice(1, 3));
    expect(reportRows).toEqual(expect.arrayContaining([['市教育局', '整改事项'], ['市卫生健康委员会', '整改事项']]));
    const stageRows = (report.getWorksheet('环节用时')?.getSheetValues() ?? []).slice(2).map((r) => (r as unknown[]).slice(1, 4));
    expect(stageRows).toEqual(expect.arrayContaining([['市教育局', '整改事项', '单位提交'], ['市教育局', '整改事项', '巡察办销号']]));

    const fb = await download(`/supervision/reports/rectification/${feedbackWf}/export`, token);
    expect(rowValues(fb.getWorksheet('按单位'), 2).slice(0, 2)).toEqual(['市教育局', 1]);

    const batch = await download(`/supervision/reports/batch/${feedbackWf}/export`, token);
    expect(batch.worksheets.map((w) => w.name)).toEqual(['按环节', '按单位']);
    expect(rowValues(batch.getWorksheet('按环节'), 2)).toEqual(['已销号', 1, 0, 0, 1, 1, 0, 0, 0]);
    expect(rowValues(batch.getWorksheet('按单位'), 2)).toEqual(['市教育局', 1, 0, 0, 1, 1, 0, 0, 0]);
  });

  test('refusals: a bad period is a 400 naming it; others than supervisors and staff get 403', async () => {
    const token = await stack.h.login('dc-supervisor');
    const bad = await stack.h.call('GET', '/supervision/reports?period=quarter&at=2026-Q9', { token });
    expect(bad).toMatchObject({ status: 400, body: { code: 'validation_error' } });
    expect(bad.body.message).toMatch(/^at:/);
    expect((await stack.h.call('GET', '/supervision/reports', { token: await stack.h.login('jyj-head') })).status).toBe(403);
    const res = await fetch(`${stack.api.baseUrl}/supervision/board/export?dueWithin=-1`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/^dueWithin:/);
  });
});

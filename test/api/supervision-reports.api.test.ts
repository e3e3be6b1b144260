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

test('working days per stage skip the National Day holiday and count its make-up Saturday: average and p90 over the calendar', async () => {
  // 2026's National Day: 10-01 to 10-07 off, Saturday 10-10 a make-up workday (调休). One stage's tasks, China time:
  //   09-30 -> 10-08  1 working day across the holiday (6 on a Monday-to-Friday count)
  //   10-09 -> 10-12  2, the make-up Saturday counted (1 on Monday to Friday)
  //   10-12 -> 10-12  0
  //   10-13 -> 10-20  5, a weekend between
  // Average (1 + 2 + 0 + 5) / 4 = 2; p90 (linear, as percentile_cont) 2 + 0.7 * (5 - 2) = 4.1.
  // A unit in the supervisor's scope; nothing else of it was done in October 2026 (the other tests' work is of today).
  const unit = 'jyj';
  const wf = uniqueId('holiday-item');
  const conn = stack.t.orm.em.fork().getConnection();
  await conn.execute(
    `insert into procedure (workflow_id, type, title, unit_ids, status, stage, overdue, due_at, started_by, started_at, closed_at, updated_at)
     values (?, 'rectificationItem', '跨节假日', array[?], 'closed', 'signedOff', false, null, 'zzb-staff', '2026-09-30T02:00:00Z', '2026-10-20T02:00:00Z', now())`,
    [wf, unit],
  );
  const spans = [
    ['2026-09-30', '2026-10-08'],
    ['2026-10-09', '2026-10-12'],
    ['2026-10-12', '2026-10-12'],
    ['2026-10-13', '2026-10-20'],
  ];
  for (const [i, [opened, done]] of spans.entries()) {
    await conn.execute(
      `insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at, completed_at, completed_by, action)
       values (?, ?, 'rectificationItem', 'review', ?, 1, '{xcb-reviewer}', 'done', ?::timestamptz, ?::timestamptz, 'xcb-reviewer', 'pass')`,
      // 10:00 and 16:00 China time: the instants fall on those China dates.
      [`${wf}:${i + 1}`, wf, i + 1, `${opened}T10:00:00+08:00`, `${done}T16:00:00+08:00`],
    );
  }
  const r = await stack.h.call('GET', `/supervision/reports?period=month&at=2026-10&unit=${unit}`, { token: await stack.h.login('dc-supervisor') });
  expect(r.status).toBe(200);
  expect(r.body.rows).toEqual([expect.objectContaining({ unitId: unit, type: 'rectificationItem', stages: [{ stage: 'review', tasks: 4, avgWorkingDays: 2, p90WorkingDays: 4.1 }] })]);
});

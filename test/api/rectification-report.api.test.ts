/**
 * 整改报告 and 三张清单 over HTTP (issue 11): a unit's report task goes to its Party secretary (master data:
 * unit_office_holder, the person linked to a user), or to its head without one; it is due 2 months after the
 * feedback; the feedback's state shows the reports and the lists. The ladder itself runs on a compressed clock
 * in test/workflows/rectification.test.ts; no test here waits on a timer.
 */
import { stateQuery } from '../../procedures/kernel/messages';
import { ProcedureSchema } from '../../platform/entities';
import type { rectification } from '../../procedures/rectification/feedback.workflow';
import { rectificationReportWorkflowId } from '../../procedures/rectification/messages';
import { workflowIds } from '../helpers/ids';
import { inboxTask, newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { maybeRecordHistory } from '../helpers/histories';
import { loadTestYear, rectificationInput, testYear } from '../helpers/rectification';

const stack = useApiStack();
/** The test year and the one after (helpers/rectification.ts): dated there, no due date has passed whenever the test runs. */
const Y = testYear();
const NEXT = Y + 1;

/** wjw's Party secretary: a person holding the post since 2020, whose account is wjw-staff. Idempotent across runs. */
async function addWjwSecretary(): Promise<void> {
  const conn = stack.t.orm.em.getConnection();
  await conn.execute(
    `insert into person (id, name, unit_id, user_id, birth_date, current_grade, work_start_date, grassroots_years, education, party_join_date, last_promotion_date, grade_since, last_promotion_out_of_turn, created_at, updated_at)
     values ('SJ-RPT-wjw', '卫健委党组书记', 'wjw', 'wjw-staff', '1975-01-01', 'division', '1997-07-01', 5, 'master', '1996-06-01', '2020-01-01', '2020-01-01', false, now(), now())
     on conflict do nothing`,
  );
  await conn.execute(`insert into unit_office_holder (unit_id, office, person_id, since) values ('wjw', 'partySecretary', 'SJ-RPT-wjw', '2020-01-01') on conflict do nothing`);
}

const body = (feedbackId: string, o: Record<string, unknown> = {}) => ({
  feedbackId,
  title: '市委第二巡察组反馈意见',
  inspectionGroup: '市委第二巡察组',
  // The report's default date, 2 months on, is 12-20 of the test year: a Sunday (as in 2026), in a year the calendar covers.
  feedbackDate: `${Y}-10-20`,
  problems: [
    {
      no: '1',
      title: '基层党组织建设薄弱',
      leadUnitId: 'zzb',
      assignments: [
        { unitId: 'jyj', dueDate: `${Y}-12-31` },
        { unitId: 'wjw', dueDate: `${Y}-12-31` },
      ],
      tasks: [
        { no: '1', measure: '健全支部工作制度' },
        { no: '2', measure: '开展专项培训', dueDate: `${Y}-12-15` },
      ],
      responsibilities: [
        { taskNo: '1', unitId: 'zzb', kind: 'lead', leader: '组织部部长' },
        { taskNo: '2', unitId: 'jyj', person: '教育局组织人事科科长' },
      ],
    },
  ],
  report: {},
  ...o,
});

describe('整改报告 (rectification report) and 三张清单', () => {
  beforeAll(async () => {
    await addWjwSecretary();
    await loadTestYear(stack.t.orm);
  });

  test('each unit gets a report task: its Party secretary, else its head; due 2 months after the feedback', async () => {
    const fid = uniqueId('fb');
    const token = await stack.h.login('zzb-staff');
    const r = await stack.h.call('POST', '/procedures/rectification', { token, key: newKey(), body: body(fid) });
    expect(r.status).toBe(201);
    const wjwReport = rectificationReportWorkflowId(fid, 'wjw');
    const jyjReport = rectificationReportWorkflowId(fid, 'jyj');

    // wjw has a secretary in master data; jyj has none, so its head takes it.
    const wjwTask = await inboxTask(stack.h, 'wjw-staff', wjwReport, 'report');
    await inboxTask(stack.h, 'jyj-head', jyjReport, 'report');
    const row = await eventually(async () => (await stack.t.orm.em.fork().findOne(ProcedureSchema, { workflowId: wjwReport })) ?? undefined, 30_000, 'the report row');
    // 12-20 is a Sunday: due at the end of Monday 12-21, China time.
    expect(row.dueAt?.toISOString()).toBe(`${Y}-12-21T16:00:00.000Z`);
    expect(row.parentWorkflowId).toBe(workflowIds.rectification(fid));

    // Someone else cannot take the secretary's task; a report without its document is refused at the field.
    const other = await stack.h.call('POST', `/tasks/${wjwTask}/actions`, { token: await stack.h.login('wjw-head'), key: newKey(), body: { action: 'report', data: { documentRef: 'x' } } });
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('not_assignee');
    const empty = await stack.h.call('POST', `/tasks/${wjwTask}/actions`, { token: await stack.h.login('wjw-staff'), key: newKey(), body: { action: 'report', data: {} } });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toMatch(/documentRef/);

    const done = await stack.h.call('POST', `/tasks/${wjwTask}/actions`, {
      token: await stack.h.login('wjw-staff'),
      key: newKey(),
      body: { action: 'report', comment: '按期报送', data: { documentRef: '卫党〔2026〕30号', summary: '整改情况报告及主要负责人组织落实情况报告' } },
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'submitted', nextTask: null });
    const shown = await stack.h.call('GET', `/procedures/${wjwReport}`, { token: await stack.h.login('dc-supervisor') });
    expect(shown.status).toBe(200);
    expect(shown.body.state).toMatchObject({ type: 'rectificationItem', kind: 'report', status: 'submitted', report: { documentRef: '卫党〔2026〕30号' } });
    expect(shown.body.procedure).toMatchObject({ title: '市委第二巡察组反馈意见 · 整改报告', status: 'submitted' });

    const fb = await eventually(async () => {
      const s = await stack.h.call('GET', `/procedures/${workflowIds.rectification(fid)}`, { token: await stack.h.login('dc-supervisor') });
      const reports = s.body.state?.reports as { unitId: string; result: unknown }[] | undefined;
      return reports?.find((x) => x.unitId === 'wjw')?.result ? s.body.state : undefined;
    }, 30_000, 'the feedback to see the report');
    expect(fb.reports).toEqual([
      expect.objectContaining({ unitId: 'jyj', dueDate: `${Y}-12-20`, assignee: { userId: 'jyj-head', as: 'unitHead' }, result: null }),
      expect.objectContaining({ unitId: 'wjw', assignee: { userId: 'wjw-staff', as: 'partySecretary' }, result: expect.objectContaining({ status: 'submitted', onTime: true, by: 'partySecretary' }) }),
    ]);
    // 三张清单 in the state: the problem with its tasks and responsibilities.
    expect(fb.problems).toEqual([
      expect.objectContaining({
        no: '1',
        units: 2,
        tasks: [{ no: '1', measure: '健全支部工作制度' }, { no: '2', measure: '开展专项培训', dueDate: `${Y}-12-15` }],
        responsibilities: [
          { taskNo: '1', unitId: 'zzb', kind: 'lead', leader: '组织部部长' },
          { taskNo: '2', unitId: 'jyj', kind: 'responsible', person: '教育局组织人事科科长' },
        ],
      }),
    ]);
    // Each item shows the part of the lists its unit answers for: jyj is responsible for task 2 only, wjw for none.
    const jyjItem = await stack.h.call('GET', `/procedures/${workflowIds.rectificationItem(fid, '1', 'jyj')}`, { token: await stack.h.login('dc-supervisor') });
    expect(jyjItem.body.state.problem).toMatchObject({
      tasks: [{ no: '2', measure: '开展专项培训', dueDate: `${Y}-12-15` }],
      responsibilities: [{ taskNo: '2', unitId: 'jyj', kind: 'responsible', person: '教育局组织人事科科长' }],
    });
    const wjwItem = await stack.h.call('GET', `/procedures/${workflowIds.rectificationItem(fid, '1', 'wjw')}`, { token: await stack.h.login('dc-supervisor') });
    expect(wjwItem.body.state.problem).toMatchObject({ tasks: [], responsibilities: [] });
  });

  test('on by default: a feedback without a report plan gets one report per unit; one due in a year the calendar does not cover starts without deadlines; report: false opts out', async () => {
    const token = await stack.h.login('zzb-staff');
    const fid = uniqueId('fb');
    // 2 months after 11-20 is 01-20 of the year after the test year: neither chinese-days nor this database covers it.
    const { report: _plan, ...unplanned } = body(fid, { feedbackDate: `${Y}-11-20` });
    const r = await stack.h.call('POST', '/procedures/rectification', { token, key: newKey(), body: unplanned });
    expect(r.status).toBe(201);
    const wjwReport = rectificationReportWorkflowId(fid, 'wjw');
    expect(r.body.items).toEqual([
      workflowIds.rectificationItem(fid, '1', 'jyj'),
      workflowIds.rectificationItem(fid, '1', 'wjw'),
      rectificationReportWorkflowId(fid, 'jyj'),
      wjwReport,
    ]);
    // The secretary has the task at once; the deadline is not known until that year is loaded.
    await inboxTask(stack.h, 'wjw-staff', wjwReport, 'report');
    const shown = await stack.h.call('GET', `/procedures/${wjwReport}`, { token: await stack.h.login('dc-supervisor') });
    expect(shown.body.state).toMatchObject({ kind: 'report', status: 'open', dueDate: `${NEXT}-01-20`, deadlines: null, reminded: false, overdue: false });
    expect(shown.body.procedure).toMatchObject({ dueAt: null, overdue: false });

    const optOut = uniqueId('fb');
    const without = await stack.h.call('POST', '/procedures/rectification', { token, key: newKey(), body: body(optOut, { report: false }) });
    expect(without.status).toBe(201);
    expect(without.body.items).toEqual([workflowIds.rectificationItem(optOut, '1', 'jyj'), workflowIds.rectificationItem(optOut, '1', 'wjw')]);
    const malformed = await stack.h.call('POST', '/procedures/rectification', { token, key: newKey(), body: body(uniqueId('fb'), { report: true }) });
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toMatch(/^report: must be \{ dueDate\? \} or false/);
  });

  test('a report waiting for its year computes its deadlines once the year is loaded (PUT /calendar/years), then is on time by them', async () => {
    const fid = uniqueId('fb');
    // The input the API builds (report planned by default, due 01-20 of the year after, no deadlines), asking again every 300 ms instead of daily.
    const input = await rectificationInput(stack.t.orm, { feedbackId: fid, title: `日历等待 ${fid}`, inspectionGroup: '市委第一巡察组', reportByDefault: true });
    expect(input.report).toMatchObject({ dueDate: `${NEXT}-01-20`, calendarRetryMs: 86_400_000 });
    expect(input.report?.deadlines).toBeUndefined();
    if (input.report) input.report.calendarRetryMs = 300;
    await stack.t.env.client.workflow.start<typeof rectification>('rectification', { taskQueue: stack.api.taskQueue, workflowId: workflowIds.rectification(fid), args: [input] });
    const rwf = rectificationReportWorkflowId(fid, 'jyj');
    const state = async (): Promise<{ deadlines: unknown } | undefined> => {
      try {
        return (await stack.t.env.client.workflow.getHandle(rwf).query(stateQuery)) as { deadlines: unknown };
      } catch {
        return undefined;
      }
    };
    const waiting = await eventually(state, 30_000, 'the report to start');
    expect(waiting.deadlines).toBeNull();

    // 01-20 made a holiday, so the loaded year visibly decides the deadline.
    const put = await stack.h.call('PUT', `/calendar/years/${NEXT}`, {
      token: await stack.h.login('calendar-admin'),
      key: newKey(),
      body: { source: '国办发明电〔2026〕测试号', days: [{ date: `${NEXT}-01-20`, workday: false, name: '测试假日' }] },
    });
    expect(put.status).toBe(200);
    const known = await eventually(async () => ((await state())?.deadlines ? await state() : undefined), 30_000, 'the deadlines once the year is loaded');
    // Due Thursday 01-21 (the year after is laid out as 2027); reminded three working days before (01-19, 01-18, then Friday 01-15) at 09:00 China time.
    expect(known.deadlines).toEqual({ effectiveDueDate: `${NEXT}-01-21`, dueAt: `${NEXT}-01-21T16:00:00.000Z`, remindAt: `${NEXT}-01-15T01:00:00.000Z` });
    const row = await eventually(async () => {
      const p = await stack.t.orm.em.fork().findOne(ProcedureSchema, { workflowId: rwf });
      return p?.dueAt ? p : undefined;
    }, 30_000, 'the row to carry its due date');
    expect(row.dueAt?.toISOString()).toBe(`${NEXT}-01-21T16:00:00.000Z`);
    // The open task carries it too: the secretary's inbox row (sorted and flagged by it) and the procedure's current task.
    const inboxRow = await eventually(async () => {
      const r = await stack.h.call('GET', '/inbox', { token: await stack.h.login('jyj-head') });
      const mine = (r.body as { id: string; workflowId: string; step: string; dueAt: string | null }[]).find((x) => x.workflowId === rwf);
      return mine?.dueAt ? mine : undefined;
    }, 30_000, 'the inbox row to carry the due date');
    expect(inboxRow).toMatchObject({ step: 'report', dueAt: `${NEXT}-01-21T16:00:00.000Z` });
    const shown = await stack.h.call('GET', `/procedures/${rwf}`, { token: await stack.h.login('dc-supervisor') });
    expect(shown.body.procedure).toMatchObject({ dueAt: `${NEXT}-01-21T16:00:00.000Z` });
    expect(shown.body.state.currentTask).toMatchObject({ taskId: inboxRow.id, dueAt: `${NEXT}-01-21T16:00:00.000Z` });

    const task = await inboxTask(stack.h, 'jyj-head', rwf, 'report');
    const done = await stack.h.call('POST', `/tasks/${task}/actions`, { token: await stack.h.login('jyj-head'), key: newKey(), body: { action: 'report', data: { documentRef: '教党〔2026〕40号' } } });
    expect(done.status).toBe(200);
    const fb = await eventually(async () => {
      const s = await stack.h.call('GET', `/procedures/${workflowIds.rectification(fid)}`, { token: await stack.h.login('dc-supervisor') });
      return s.body.state?.reports?.[0]?.result ? s.body.state : undefined;
    }, 30_000, 'the feedback to see the report');
    expect(fb.reports[0].result).toMatchObject({ status: 'submitted', dueAt: `${NEXT}-01-21T16:00:00.000Z`, onTime: true });
    // The report's run: the patches, the failed tries, the timers between them, the deadlines and the task's due date, the submission.
    await maybeRecordHistory('rectification-report-calendar-wait-task-due.json', stack.t.env.client.workflow.getHandle(rwf));
  });

  test('refusals: broken lists, a report date out of range, a unit nobody could report for; nothing starts', async () => {
    const token = await stack.h.login('zzb-staff');
    const post = (b: unknown) => stack.h.call('POST', '/procedures/rectification', { token, key: newKey(), body: b });
    const base = body('x').problems[0] as Record<string, unknown>;

    const uncovered = await post(body(uniqueId('fb'), { problems: [{ ...base, responsibilities: [{ taskNo: '1', unitId: 'jyj' }] }] }));
    expect(uncovered.status).toBe(400);
    expect(uncovered.body.message).toMatch(/^problems\[0\]\.tasks\[1\]: task 2 has no responsibility/);

    const foreign = await post(body(uniqueId('fb'), { problems: [{ ...base, responsibilities: [{ taskNo: '1', unitId: 'fgw' }, { taskNo: '2', unitId: 'jyj' }] }] }));
    expect(foreign.status).toBe(400);
    expect(foreign.body.message).toMatch(/^problems\[0\]\.responsibilities\[0\]\.unitId:/);

    const badDate = await post(body(uniqueId('fb'), { report: { dueDate: `${Y}-10-01` } }));
    expect(badDate.status).toBe(422);
    expect(badDate.body).toMatchObject({ code: 'invalid_due_date', details: { field: 'report.dueDate' } });

    // 青溪县教育局 has no head and no secretary in master data.
    const fid = uniqueId('fb');
    const nobody = await post(body(fid, { problems: [{ no: '1', title: 't', leadUnitId: 'zzb', assignments: [{ unitId: 'qx-jyj', dueDate: `${Y}-12-31` }] }] }));
    expect(nobody.status).toBe(422);
    expect(nobody.body).toMatchObject({ code: 'no_report_assignee', details: { field: 'report', unitId: 'qx-jyj' } });
    expect(await stack.t.orm.em.fork().count(ProcedureSchema, { workflowId: workflowIds.rectification(fid) })).toBe(0);
  });
});

/**
 * The supervision board across procedure types (issue 13): a political examination keeps its deadlines on
 * its evidence strands, not on its row, and the board, /metrics and the on-time rate read the earliest open
 * deadline (procedure_open_due, Migration20261212000000_board_open_deadline). The strand's deadline is
 * stubbed into the past so its whole ladder has fired; the rungs come from the real calendar activity.
 */
import { boardGroups } from '../../platform/board';
import { periodReport } from '../../platform/reports';
import { periodOf } from '../../domain/reports';
import { inboxTask, useApiStack } from '../helpers/api';
import { startApprovedExamination } from '../helpers/examination';
import { eventually, uniqueId } from '../helpers/env';
import { workflowIds } from '../helpers/ids';
import { loadTestYear, testYear } from '../helpers/rectification';
import { dueInWorkingDays } from '../helpers/supervision';

/** The questionnaire's deadline, long past and inside the calendar's covered years: every rung is due. */
const PAST = { effectiveDueDate: '2026-11-02', dueAt: '2026-11-02T16:00:00.000Z', remindAt: '2026-10-29T01:00:00.000Z' };
/** The other strands' deadline (10 working days), ahead in the loaded test year. */
const Y = testYear();
const AHEAD = { effectiveDueDate: `${Y}-12-31`, dueAt: `${Y}-12-31T16:00:00.000Z`, remindAt: `${Y}-12-29T01:00:00.000Z` };
const stack = useApiStack((t) => loadTestYear(t.orm), {
  examinationDeadlines: async (input: { workingDays: number[] }) => Object.fromEntries(input.workingDays.map((n) => [String(n), n === 3 ? PAST : AHEAD])),
});

/** Working days from PAST's due date to today, counted forward on the calendar (not by the board's own function). */
function workingDaysSincePast(): number {
  for (let n = 0; n < 400; n++) if (dueInWorkingDays(-n).toISOString() === PAST.dueAt) return n;
  throw new Error('PAST is not a working day behind today');
}

test('a political examination with an overdue strand is on the board with its days overdue and rung, and in /metrics', async () => {
  const id = uniqueId('zz');
  const wf = workflowIds.politicalExamination(id);
  const staff = await stack.h.login('zzb-staff');
  const { approved } = await startApprovedExamination(stack.h, id, { questionnaire: 3 });
  expect(approved.status).toBe(200);
  await inboxTask(stack.h, 'zzb-staff', wf, 'questionnaire');

  // The questionnaire's ladder climbs to its last rung (问责); the row has no due date of its own.
  const procedure = await eventually(async () => {
    const r = await stack.h.call('GET', `/procedures/${wf}`, { token: staff });
    return r.body.procedure?.escalation?.rung === 'accountability' ? r.body.procedure : undefined;
  }, 30_000, 'the questionnaire to reach 问责');
  expect(procedure.overdue).toBe(true);
  const [row] = await stack.t.orm.em.fork().getConnection().execute<{ due_at: Date | null }[]>('select due_at from procedure where workflow_id = ?', [wf]);
  expect(row?.due_at).toBeNull();

  const token = await stack.h.login('dc-supervisor');
  const r = await stack.h.call('GET', '/supervision/board?type=politicalExamination', { token });
  expect(r.status).toBe(200);
  expect(r.body.totals).toEqual({ items: 1, overdue: 1 });
  expect(r.body.groups).toEqual([
    expect.objectContaining({
      type: 'politicalExamination',
      items: 1,
      overdue: 1,
      rungs: { none: 0, supervisionNotice: 0, warning: 0, accountability: 1 },
      highestRung: 'accountability',
      // The earliest open deadline: the questionnaire's, not the other strands' later one.
      oldest: { workflowId: wf, title: '李晓红同志政治素质考察', dueAt: PAST.dueAt, daysOverdue: workingDaysSincePast() },
      assigneeIds: ['xcb-reviewer', 'zzb-staff'],
    }),
  ]);
  // The pre-aggregates and the projection's rows agree, and the triggers left no drift.
  const em = stack.t.orm.em.fork();
  const now = new Date(r.body.asOf);
  expect({ ...(await boardGroups(em, { dueWithin: 3, type: 'politicalExamination' }, now, 'rows')), filter: r.body.filter }).toEqual(r.body);
  expect((await em.getConnection().execute<{ kind: string; rows: string }[]>('select * from board_drift() where rows > 0'))).toEqual([]);

  // /metrics counts what the board shows.
  const metrics = await stack.h.call('GET', '/metrics', { token });
  expect(metrics.body as string).toMatch(/^tingjin_overdue_procedures\{type="politicalExamination",rung="accountability"\} 1$/m);
});

test('the on-time rate counts a political examination by its strands’ deadlines: met, missed, or none', async () => {
  const unit = uniqueId('unit');
  const conn = stack.t.orm.em.fork().getConnection();
  const closedAt = new Date();
  const day = 24 * 3600 * 1000;
  // Three closed examinations, none with a due date on its row: one whose strand was done before its deadline,
  // one whose strand was done after it, one without any deadline (not counted).
  const cases = [
    { wf: `${unit}-met`, due: new Date(closedAt.getTime() + day), done: new Date(closedAt.getTime() - day) },
    { wf: `${unit}-missed`, due: new Date(closedAt.getTime() - 2 * day), done: new Date(closedAt.getTime() - day) },
    { wf: `${unit}-none`, due: null, done: new Date(closedAt.getTime() - day) },
  ];
  for (const c of cases) {
    await conn.execute(
      `insert into procedure (workflow_id, type, title, unit_ids, status, stage, overdue, due_at, started_by, started_at, closed_at, updated_at)
       values (?, 'politicalExamination', ?, array[?], 'closed', 'archived', false, null, 'zzb-staff', ?, ?, now())`,
      [c.wf, c.wf, unit, new Date(closedAt.getTime() - 3 * day), closedAt],
    );
    await conn.execute(
      `insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at, due_at, completed_at, completed_by, action)
       values (?, ?, 'politicalExamination', 'questionnaire', 1, 1, '{zzb-staff}', 'done', ?, ?, ?, 'zzb-staff', 'recordQuestionnaire')`,
      [`${c.wf}:1`, c.wf, new Date(closedAt.getTime() - 3 * day), c.due, c.done],
    );
  }
  const month = periodOf('month', new Date(closedAt.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 7));
  if (!month) throw new Error('no period');
  const report = await periodReport(stack.t.orm.em.fork(), month, { unit });
  expect(report.rows).toEqual([expect.objectContaining({ unitId: unit, type: 'politicalExamination', closed: 3, due: 2, onTime: 1, onTimeRate: 0.5 })]);
});

test('a redeployment term is due at its earliest open report, not at the term’s end; /metrics counts it as the board does', async () => {
  // Projection rows as the term writes them: the row's due date is the term's end, a year ahead; the monthly
  // report's task is due 2 working days ago, and its watcher has not flagged it yet.
  const wf = uniqueId('redeployment-term');
  const conn = stack.t.orm.em.fork().getConnection();
  const reportDue = dueInWorkingDays(-2);
  await conn.execute(
    `insert into procedure (workflow_id, type, title, unit_ids, status, stage, overdue, due_at, started_by, started_at, updated_at)
     values (?, 'redeploymentTerm', '揭榜出征任期', '{jyj,zzb}', 'open', 'reports', false, now() + interval '1 year', 'zzb-staff', now(), now())`,
    [wf],
  );
  await conn.execute(
    `insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at, due_at)
     values (?, ?, 'redeploymentTerm', 'report', 1, 1, '{jyj-staff}', 'pending', now(), ?)`,
    [`${wf}:1`, wf, reportDue],
  );
  const token = await stack.h.login('dc-supervisor');
  const r = await stack.h.call('GET', '/supervision/board?type=redeploymentTerm&unit=jyj', { token });
  expect(r.body.groups).toEqual([
    expect.objectContaining({ unitId: 'jyj', type: 'redeploymentTerm', stage: 'reports', items: 1, overdue: 1, oldest: expect.objectContaining({ workflowId: wf, dueAt: reportDue.toISOString(), daysOverdue: 2 }) }),
  ]);
  const metrics = await stack.h.call('GET', '/metrics', { token });
  expect(metrics.body as string).toMatch(/^tingjin_overdue_procedures\{type="redeploymentTerm",rung="none"\} 1$/m);
});

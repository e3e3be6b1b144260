/**
 * A 揭榜出征 term (任期) started directly with the Temporal client, as the list's fan-out would, over a
 * short term: the schedule and report-deadline activities are replaced by fakes that record what they
 * were asked and answer with instants a second or so away, so a term of months runs in seconds. Reports,
 * confirmations and assessments go through the kernel's task actions over HTTP; early termination
 * through the term's command route.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { inboxTask, newKey, traceOf, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { maybeRecordHistory } from '../helpers/histories';
import { ruleKey } from '../../procedures/kernel/messages';
import type { Deadlines } from '../../procedures/kernel/deadline';
import { redeploymentTermWorkflowId, REDEPLOYMENT_TERM, type RedeploymentTermInput, type RedeploymentTermResult, type TermSchedule } from '../../procedures/redeployment/term-messages';
import { reportSchedule } from '../../procedures/redeployment/term-rules';
import { testYear } from '../helpers/rectification';

const FAR = '2099-01-01T00:00:00.000Z';
/** Overdue long ago, inside the calendar's covered years: the reminder, the urge and the supervision notice fire at once. */
const PAST: Deadlines = { effectiveDueDate: '2026-02-06', dueAt: '2026-02-06T16:00:00.000Z', remindAt: '2026-02-04T01:00:00.000Z' };
const AHEAD: Deadlines = { effectiveDueDate: '2098-12-31', dueAt: '2098-12-31T16:00:00.000Z', remindAt: '2098-12-29T01:00:00.000Z' };

const soon = (ms: number): string => new Date(Date.now() + ms).toISOString();

/** What each fake was asked, by term id. */
const asked = { schedule: [] as { term: { start: string; end: string }; reportEveryMonths: number }[], deadline: [] as { from: string; workingDays: number }[] };
/**
 * How each test's term runs, keyed by the term's start date: when its periods end (ms from the schedule's
 * computation; null = far away), when the term ends, and each report's deadline.
 */
const plans: Record<string, { end: string; periodsEndIn: (number | null)[]; termEndsIn: number | null; deadline: Deadlines }> = {};

const stack = useApiStack(undefined, {
  redeploymentTermSchedule: async (input: { term: { start: string; end: string }; reportEveryMonths: number }): Promise<TermSchedule> => {
    asked.schedule.push(input);
    const plan = plans[input.term.start];
    if (!plan) throw new Error(`no plan for a term starting ${input.term.start}`);
    // The periods are the real rule's; only their instants are brought near.
    const periods = reportSchedule(input.term, input.reportEveryMonths).map((p, i) => ({ ...p, endsAt: plan.periodsEndIn[i] == null ? FAR : soon(plan.periodsEndIn[i]) }));
    return { periods, termEndsAt: plan.termEndsIn == null ? FAR : soon(plan.termEndsIn) };
  },
  redeploymentReportDeadline: async (input: { from: string; workingDays: number }): Promise<Deadlines> => {
    asked.deadline.push(input);
    const plan = Object.entries(plans).find(([start, p]) => input.from >= start && input.from <= p.end)?.[1];
    return plan?.deadline ?? AHEAD;
  },
});

/** The assignees the API resolves at the list's start, for the seeded units: host 教育局 (jyj), department 组织部 (zzb). */
const ASSIGNEES = {
  [ruleKey({ kind: 'user', userId: 'wjw-staff' })]: ['wjw-staff'],
  [ruleKey({ kind: 'unitHead', unitId: 'jyj' })]: ['jyj-head'],
  [ruleKey({ kind: 'role', role: 'staff', unitId: 'jyj' })]: ['jyj-staff'],
  [ruleKey({ kind: 'role', role: 'staff', unitId: 'zzb' })]: ['zzb-staff'],
  [ruleKey({ kind: 'role', role: 'approver', unitId: 'zzb' })]: ['zzb-head'],
};

async function startTerm(term: { start: string; end: string }, personId = 'GB2005017'): Promise<{ wf: string; handle: WorkflowHandle }> {
  const listId = uniqueId('L');
  const input: RedeploymentTermInput = {
    listWorkflowId: `redeployment-${listId}`,
    listId,
    taskId: 'T1',
    taskTitle: '乡村振兴驻村帮扶',
    hostUnitId: 'jyj',
    personId,
    // The cadre reports as wjw-staff (a seeded user) in this test.
    cadreUserId: 'wjw-staff',
    departmentUnitId: 'zzb',
    term,
    reportEveryMonths: 1,
    reportWorkingDays: 5,
    assignees: ASSIGNEES,
    initiatorId: 'zzb-staff',
  };
  const wf = redeploymentTermWorkflowId(listId, 'T1', personId);
  const handle = await stack.t.env.client.workflow.start(REDEPLOYMENT_TERM, { taskQueue: stack.api.taskQueue, workflowId: wf, args: [input] });
  return { wf, handle };
}

const act = async (user: string, taskId: string, body: unknown) => stack.h.call('POST', `/tasks/${taskId}/actions`, { token: await stack.h.login(user), key: newKey(), body });
const stateOf = async (wf: string) => (await stack.h.call('GET', `/procedures/${wf}`, { token: await stack.h.login('zzb-staff') })).body;
const recordsOf = (wf: string) => stack.t.orm.em.fork().execute<{ kind: string; grade: string; achievements: string[]; follow_up: string | null; person_id: string }[]>('select * from redeployment_record where term_workflow_id = ?', [wf]);

test('a report by someone else is refused and leaves nothing; the host confirms; no assessment before the end; early termination goes to assessment; 优秀 is recognised', async () => {
  const term = { start: '2026-01-01', end: '2026-03-31' };
  // The first period ends at once, the others and the term far away: the term is running.
  plans[term.start] = { end: term.end, periodsEndIn: [1000, null, null], termEndsIn: null, deadline: AHEAD };
  const { wf, handle } = await startTerm(term);

  const reportTask = await inboxTask(stack.h, 'wjw-staff', wf, 'report');
  expect(asked.schedule).toContainEqual({ term, reportEveryMonths: 1 });
  // The first report is due 5 working days after the first period's last day.
  expect(asked.deadline).toContainEqual({ from: '2026-01-31', workingDays: 5 });
  expect((await stateOf(wf)).state.reports.map((r: { status: string }) => r.status)).toEqual(['open', 'waiting', 'waiting']);

  // The host unit's staff tries to file the cadre's report: refused, and nothing recorded anywhere.
  const token = await stack.h.login('zzb-staff');
  const before = await traceOf(stack.t, wf);
  const byOther = await act('jyj-staff', reportTask, { action: 'submitReport', data: { summary: '代为填报' } });
  expect(byOther.status).toBe(422);
  expect(byOther.body).toMatchObject({ code: 'not_cadre', details: { field: 'taskId' } });
  expect(JSON.stringify(byOther.body)).not.toContain('代为填报');
  // The cadre may not hand the report on either.
  expect((await act('wjw-staff', reportTask, { action: 'transfer', targetUserId: 'jyj-staff' })).body).toMatchObject({ code: 'not_cadre' });
  expect(await traceOf(stack.t, wf)).toEqual(before);

  // The cadre reports; the host unit's staff confirms.
  const reported = await act('wjw-staff', reportTask, { action: 'submitReport', data: { summary: '走访农户 40 户，协调项目 2 个' } });
  expect(reported.status).toBe(200);
  const confirmTask = reported.body.openTasks.find((t: { step: string }) => t.step === 'confirm').taskId;
  // An assessment before the term ends is refused naming the rule, on whichever task it is tried.
  const early = await act('jyj-staff', confirmTask, { action: 'assessTerm', data: { grade: '优秀', achievements: ['提前完成'] } });
  expect(early.status).toBe(422);
  expect(early.body).toMatchObject({ code: 'term_not_ended' });
  expect((await act('jyj-staff', confirmTask, { action: 'confirmReport' })).status).toBe(200);
  expect((await stateOf(wf)).state.reports[0]).toMatchObject({ status: 'confirmed', onTime: true });

  // Early termination: by the department only, with a reason.
  const byHost = await stack.h.call('POST', `/procedures/${wf}/term`, { token: await stack.h.login('jyj-head'), key: newKey(), body: { action: 'terminate', reason: 'health' } });
  expect(byHost.status).toBe(403);
  expect(byHost.body).toMatchObject({ code: 'not_department' });
  const badReason = await stack.h.call('POST', `/procedures/${wf}/term`, { token, key: newKey(), body: { action: 'terminate', reason: 'tired' } });
  expect(badReason.status).toBe(400);
  expect(badReason.body).toMatchObject({ code: 'validation_error', message: expect.stringContaining('reason') });
  const ended = await stack.h.call('POST', `/procedures/${wf}/term`, { token, key: newKey(), body: { action: 'terminate', reason: 'health', note: '因病不能坚持' } });
  expect(ended.status).toBe(200);
  // The assessment opens at once: the host unit's head first.
  expect(ended.body.openTasks.map((t: { step: string; assigneeIds: string[] }) => [t.step, t.assigneeIds])).toEqual([['hostAssessment', ['jyj-head']]]);
  const again = await stack.h.call('POST', `/procedures/${wf}/term`, { token, key: newKey(), body: { action: 'terminate', reason: 'health' } });
  expect(again.status).toBe(409);

  const hostTask = ended.body.openTasks[0].taskId;
  const graded = await act('jyj-head', hostTask, { action: 'assessTerm', data: { grade: '良好', achievements: [] } });
  expect(graded.status).toBe(400);
  expect(graded.body.message).toContain('data.grade');
  const host = await act('jyj-head', hostTask, { action: 'assessTerm', data: { grade: '优秀', achievements: ['帮扶村集体收入翻番'] } });
  expect(host.status).toBe(200);
  const deptTask = host.body.openTasks[0].taskId;
  const dept = await act('zzb-head', deptTask, { action: 'assessTerm', data: { grade: '优秀', achievements: ['帮扶村集体收入翻番', '引进项目 2 个'] } });
  expect(dept.status).toBe(200);

  const result = (await handle.result()) as RedeploymentTermResult;
  expect(result).toMatchObject({ personId: 'GB2005017', taskId: 'T1', grade: '优秀', endedEarly: true, reason: 'health', reportsOnTime: 1, reportsDue: 1, recognised: true, accountability: false });
  const rows = await recordsOf(wf);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ kind: 'recognition', grade: '优秀', person_id: 'GB2005017', achievements: ['帮扶村集体收入翻番', '引进项目 2 个'] });
  const s = await stateOf(wf);
  expect(s.procedure.status).toBe('assessed');
  // The periods still to end never opened.
  expect(s.state.reports.map((r: { status: string }) => r.status)).toEqual(['confirmed', 'cancelled', 'cancelled']);
  expect(asked.deadline.filter((d) => d.from >= '2026-02-01' && d.from <= '2026-03-31')).toEqual([]);
  await maybeRecordHistory('redeployment-term.json', handle);
});

test('a missing report is reminded, urged (overdue) and climbs to the supervision notice; the term ends, 不合格 records accountability', async () => {
  const term = { start: '2026-04-01', end: '2026-04-30' };
  plans[term.start] = { end: term.end, periodsEndIn: [1000], termEndsIn: 1000, deadline: PAST };
  const { wf, handle } = await startTerm(term);
  const token = await stack.h.login('zzb-staff');

  const state = await eventually(async () => {
    const s = await stateOf(wf);
    return s.state?.reports?.[0]?.escalations?.length === 1 ? s : undefined;
  }, 30_000, 'the missing report to reach the supervision notice');
  expect(asked.deadline).toContainEqual({ from: '2026-04-30', workingDays: 5 });
  expect(state.state.reports[0]).toMatchObject({ status: 'open', overdue: true, reportedAt: null });
  expect(state.state.reports[0].escalations.map((e: { rung: string }) => e.rung)).toEqual(['supervisionNotice']);
  expect(state.procedure.overdue).toBe(true);
  // Visible to supervisors: the overdue list and their notifications.
  const listed = await stack.h.call('GET', `/procedures?type=${REDEPLOYMENT_TERM}&overdue=true`, { token });
  expect(listed.body.items.map((p: { workflowId: string }) => p.workflowId)).toContain(wf);
  const supervisor = await stack.h.call('GET', '/notifications', { token: await stack.h.login('dc-supervisor') });
  const kinds = (supervisor.body as { workflowId: string; kind: string }[]).filter((n) => n.workflowId === wf).map((n) => n.kind);
  expect(kinds).toEqual(expect.arrayContaining(['overdue', 'escalation']));
  const reportTask = state.state.openTasks.find((t: { step: string }) => t.step === 'report').taskId;
  const actions = (await stack.h.call('GET', `/procedures/${wf}/actions`, { token })).body as { taskId: string; action: string }[];
  expect(actions.filter((a) => a.taskId === reportTask).map((a) => a.action)).toEqual(['remind', 'overdue', 'escalate']);

  // The term has ended: the assessment is open alongside the missing report.
  const hostTask = await inboxTask(stack.h, 'jyj-head', wf, 'hostAssessment');
  expect((await act('jyj-head', hostTask, { action: 'assessTerm', data: { grade: '不合格', achievements: [] } })).status).toBe(200);
  const deptTask = await inboxTask(stack.h, 'zzb-head', wf, 'departmentAssessment');
  // The department's 不合格 records the follow-up.
  const noFollowUp = await act('zzb-head', deptTask, { action: 'assessTerm', data: { grade: '不合格', achievements: [] } });
  expect(noFollowUp.status).toBe(422);
  expect(noFollowUp.body).toMatchObject({ code: 'assessment_incomplete' });
  expect((await act('zzb-head', deptTask, { action: 'assessTerm', data: { grade: '不合格', achievements: [], followUp: '约谈提醒，调整任务' } })).status).toBe(200);

  const result = (await handle.result()) as RedeploymentTermResult;
  expect(result).toMatchObject({ grade: '不合格', endedEarly: false, reportsOnTime: 0, reportsDue: 1, recognised: false, accountability: true });
  expect(await recordsOf(wf)).toMatchObject([{ kind: 'accountability', grade: '不合格', follow_up: '约谈提醒，调整任务' }]);
  expect((await stateOf(wf)).state.reports[0].status).toBe('cancelled');
  await maybeRecordHistory('redeployment-term-overdue.json', handle);
});

test('a 12-month term with monthly reports, each filed and confirmed, then assessed, stays far under 4,096 history events', async () => {
  // A calendar year ahead (the test year, never in the past): the fakes answer every instant, so no calendar is read.
  const year = testYear();
  const term = { start: `${year}-01-01`, end: `${year}-12-31` };
  plans[term.start] = { end: term.end, periodsEndIn: Array.from({ length: 12 }, (_, i) => 1000 + i * 300), termEndsIn: 6000, deadline: AHEAD };
  const { wf, handle } = await startTerm(term, 'GB2010032');
  // Periods end close together, so several reports are open at once: file whichever is open, twelve times.
  for (let n = 1; n <= 12; n++) {
    const s = await eventually(async () => {
      const x = await stateOf(wf);
      return x.state?.openTasks?.some((t: { step: string }) => t.step === 'report') ? x : undefined;
    }, 30_000, `a report to file (${n} of 12)`);
    const reportTask = s.state.openTasks.find((t: { step: string }) => t.step === 'report').taskId;
    const r = await act('wjw-staff', reportTask, { action: 'submitReport', data: { summary: `工作报告 ${n}` } });
    expect(r.status).toBe(200);
    const confirmTask = r.body.openTasks.find((t: { step: string }) => t.step === 'confirm').taskId;
    expect((await act('jyj-staff', confirmTask, { action: 'confirmReport' })).status).toBe(200);
  }
  expect((await stateOf(wf)).state.reports.map((r: { status: string }) => r.status)).toEqual(Array(12).fill('confirmed'));
  expect(asked.deadline.filter((d) => d.from.startsWith(`${year}-`)).map((d) => d.from)).toHaveLength(12);
  const hostTask = await inboxTask(stack.h, 'jyj-head', wf, 'hostAssessment');
  expect((await act('jyj-head', hostTask, { action: 'assessTerm', data: { grade: '合格', achievements: ['完成年度任务'] } })).status).toBe(200);
  const deptTask = await inboxTask(stack.h, 'zzb-head', wf, 'departmentAssessment');
  expect((await act('zzb-head', deptTask, { action: 'assessTerm', data: { grade: '合格', achievements: ['完成年度任务'] } })).status).toBe(200);
  const result = (await handle.result()) as RedeploymentTermResult;
  expect(result).toMatchObject({ grade: '合格', reportsDue: 12, reportsOnTime: 12, recognised: false, accountability: false });
  expect(await recordsOf(wf)).toEqual([]);
  const events = (await handle.fetchHistory()).events?.length ?? 0;
  console.log(`12-month term with 12 monthly reports confirmed and assessed: ${events} history events`);
  expect(events).toBeLessThan(4096);
});

/**
 * The evidence strands' deadlines (政治素质考察) through the kernel's deadline watcher: the deadline
 * activity is replaced so the strands open already past their deadline; the reminder, the overdue notice
 * and the whole overdue ladder (挂账督办) then fire for the open strands only, and a strand recorded in time
 * stays clear. The ladder's rungs come from the real calendar activity.
 */
import { inboxTask, newKey, useApiStack } from '../helpers/api';
import { startApprovedExamination } from '../helpers/examination';
import { eventually, uniqueId } from '../helpers/env';
import { maybeRecordHistory } from '../helpers/histories';
import { workflowIds } from '../helpers/ids';
import { loadTestYear, testYear } from '../helpers/rectification';

/** A deadline long past, inside the calendar's covered years: every rung is due at once. */
const PAST = { effectiveDueDate: '2026-11-02', dueAt: '2026-11-02T16:00:00.000Z', remindAt: '2026-10-29T01:00:00.000Z' };
/** The talks' own, shorter-listed deadline (5 working days) is still ahead: in the test year, loaded, so whenever the test runs. */
const Y = testYear();
const AHEAD = { effectiveDueDate: `${Y}-12-31`, dueAt: `${Y}-12-31T16:00:00.000Z`, remindAt: `${Y}-12-29T01:00:00.000Z` };
const stack = useApiStack((t) => loadTestYear(t.orm), {
  examinationDeadlines: async (input: { workingDays: number[] }) => Object.fromEntries(input.workingDays.map((n) => [String(n), n === 5 ? AHEAD : PAST])),
});

test('strands past their deadline are reminded, flagged overdue and climb the ladder; the one done does not', async () => {
  const id = uniqueId('zz');
  const wf = workflowIds.politicalExamination(id);
  const staff = await stack.h.login('zzb-staff');
  const { approved } = await startApprovedExamination(stack.h, id, { talks: 5 });
  const dueAt = Object.fromEntries(approved.body.openTasks.map((t: { step: string; dueAt: string }) => [t.step, t.dueAt]));
  expect(dueAt).toEqual({ talks: AHEAD.dueAt, questionnaire: PAST.dueAt, disciplineOpinion: PAST.dueAt, fileReview: PAST.dueAt, reverseInspection: PAST.dueAt });
  const talksTask = await inboxTask(stack.h, 'zzb-staff', wf, 'talks');
  const talks = { interviewees: [{ name: '甲', kind: 'key' }, { name: '乙', kind: 'informed' }, { name: '丙', kind: 'dissenting' }], summary: '谈话' };
  expect((await stack.h.call('POST', `/tasks/${talksTask}/actions`, { token: staff, key: newKey(), body: { action: 'recordTalks', data: talks } })).status).toBe(200);

  const state = await eventually(async () => {
    const r = await stack.h.call('GET', `/procedures/${wf}`, { token: staff });
    const strands = r.body.state?.strands as { strand: string; overdue: boolean; escalations: { rung: string }[] }[] | undefined;
    return strands?.filter((s) => s.strand !== 'talks').every((s) => s.escalations.length === 3) ? r.body : undefined;
  }, 30_000, 'every late strand to climb the whole ladder');
  const talksState = state.state.strands.find((s: { strand: string }) => s.strand === 'talks');
  expect(talksState).toMatchObject({ status: 'done', overdue: false, escalations: [] });
  for (const s of state.state.strands.filter((x: { strand: string }) => x.strand !== 'talks')) {
    expect(s.overdue).toBe(true);
    expect(s.escalations.map((e: { rung: string }) => e.rung)).toEqual(['supervisionNotice', 'warning', 'accountability']);
  }
  expect(state.procedure.overdue).toBe(true);

  const listed = await stack.h.call('GET', '/procedures?type=politicalExamination&overdue=true', { token: staff });
  expect(listed.body.items.map((p: { workflowId: string }) => p.workflowId)).toContain(wf);
  const supervisor = await stack.h.call('GET', '/notifications', { token: await stack.h.login('dc-supervisor') });
  const kinds = (supervisor.body as { workflowId: string; kind: string }[]).filter((n) => n.workflowId === wf).map((n) => n.kind);
  expect(kinds.filter((k) => k === 'overdue')).toHaveLength(4);
  expect(kinds.filter((k) => k === 'escalation')).toHaveLength(12);
  // The group's members are reminded and told, each strand on its own.
  const member = await stack.h.call('GET', '/notifications', { token: await stack.h.login('xcb-reviewer') });
  expect((member.body as { workflowId: string; kind: string }[]).filter((n) => n.workflowId === wf && n.kind === 'remind')).toHaveLength(4);

  // The actions log records each rung against its strand's task.
  const actions = await stack.h.call('GET', `/procedures/${wf}/actions`, { token: staff });
  const byTask = (taskId: string) => (actions.body as { taskId: string; action: string }[]).filter((a) => a.taskId === taskId).map((a) => a.action);
  expect(byTask(talksTask)).toEqual(['recordTalks']);
  const fileReviewTask = approved.body.openTasks.find((t: { step: string }) => t.step === 'fileReview').taskId;
  expect(byTask(fileReviewTask)).toEqual(['remind', 'overdue', 'escalate', 'escalate', 'escalate']);
  await maybeRecordHistory('political-examination-overdue.json', stack.t.env.client.workflow.getHandle(wf));
});

/**
 * The rectification procedure against a real Temporal dev server and a real PostgreSQL.
 * Only the deadline calculation is replaced, where a test cannot wait for days.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import { ActionLogSchema, NotificationSchema, ProcedureSchema, TaskSchema } from '../../platform/entities';
import { createWorker } from '../../worker/worker';
import type { Activities } from '../../activities';
import type { rectification } from '../../procedures/rectification/feedback.workflow';
import type { Deadlines } from '../../procedures/kernel/deadline';
import { actUpdate, manageUpdate, ruleKey, SearchAttr, stateQuery, type ActInput, type ManageInput } from '../../procedures/kernel/messages';
import { chinaDateOf } from '../../domain/dates';
import { rectificationReportWorkflowId, type ItemState, type RectificationInput } from '../../procedures/rectification/messages';
import { workflowIds } from '../helpers/ids';
import { rectificationInput, testDate } from '../helpers/rectification';
import { eventually, setupTestEnv, uniqueId, type TestEnv } from '../helpers/env';
import { maybeRecordHistory } from '../helpers/histories';

let t: TestEnv;
beforeAll(async () => {
  t = await setupTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

function makeWorker(taskQueue: string, activityOverrides?: Partial<Activities>): Promise<Worker> {
  return createWorker({
    connection: t.env.nativeConnection,
    namespace: 'default',
    taskQueue,
    orm: t.orm,
    workflowBundle: t.bundle,
    ...(activityOverrides ? { activityOverrides } : {}),
  });
}

/** A feedback's input as the API's start builds it, optionally with other deadlines. */
async function feedback(feedbackId: string, units: string[] = ['jyj'], deadlines?: Deadlines): Promise<RectificationInput> {
  const input = await rectificationInput(t.orm, { feedbackId, title: `第一轮巡察反馈 ${feedbackId}`, inspectionGroup: '市委第一巡察组', units });
  if (deadlines) for (const date of Object.keys(input.deadlines)) input.deadlines[date] = deadlines;
  return input;
}

async function start(taskQueue: string, input: RectificationInput): Promise<WorkflowHandle<typeof rectification>> {
  return t.env.client.workflow.start<typeof rectification>('rectification', {
    taskQueue,
    workflowId: workflowIds.rectification(input.feedbackId),
    args: [input],
  });
}

async function itemState(workflowId: string): Promise<ItemState> {
  return (await t.env.client.workflow.getHandle(workflowId).query(stateQuery)) as ItemState;
}

/** Waits until the item has an open task at `step`, and returns its id. */
async function pendingTask(workflowId: string, step: string): Promise<string> {
  return eventually(async () => {
    try {
      const s = await itemState(workflowId);
      return s.currentTask?.step === step ? s.currentTask.taskId : undefined;
    } catch {
      return undefined;
    }
  }, 30_000, `${workflowId} to reach ${step}`);
}

function act(workflowId: string, input: ActInput) {
  return t.env.client.workflow.getHandle(workflowId).executeUpdate(actUpdate, { args: [input] });
}

async function refusalOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return (cause as ApplicationFailure).type ?? '';
}

const submission = {
  measures: '修订选人用人工作规程，逐项整改',
  evidence: [{ name: '整改报告', ref: 'doc-001' }],
  institutionalRule: { title: '选人用人工作规程', documentRef: '教党〔2026〕12号' },
};

/** Drives one item through submit → review → three signatures, asserting each next step opens. */
async function driveToSignOff(wf: string, unit: 'jyj' | 'wjw'): Promise<void> {
  await act(wf, { taskId: await pendingTask(wf, 'submit'), actorId: `${unit}-staff`, action: 'submit', data: submission });
  await act(wf, { taskId: await pendingTask(wf, 'review'), actorId: 'xcb-reviewer', action: 'pass' });
  await act(wf, { taskId: await pendingTask(wf, 'unitHead'), actorId: `${unit}-head`, action: 'sign' });
  await act(wf, { taskId: await pendingTask(wf, 'leadDepartment'), actorId: 'zzb-head', action: 'sign' });
  const last = await act(wf, { taskId: await pendingTask(wf, 'inspectionOffice'), actorId: 'xcb-director', action: 'sign' });
  expect(last).toMatchObject({ status: 'signedOff', stage: 'signedOff', nextTask: null });
}


test('a feedback with one problem for two units (同题共答) closes when both items are signed off', async () => {
  const taskQueue = uniqueId('tq');
  const worker = await makeWorker(taskQueue);
  await worker.runUntil(async () => {
    const fid = uniqueId('fb');
    const handle = await start(taskQueue, await feedback(fid, ['jyj', 'wjw']));
    const jyj = workflowIds.rectificationItem(fid, '1', 'jyj');
    const wjw = workflowIds.rectificationItem(fid, '1', 'wjw');
    await driveToSignOff(jyj, 'jyj');
    await driveToSignOff(wjw, 'wjw');
    const summary = await handle.result();
    expect(summary).toMatchObject({ feedbackId: fid, items: 2, signedOff: 2, onTime: 2, submittedOnTime: 2, late: 0, onTimeRate: 1 });
    expect(summary.perUnit).toEqual([
      { unitId: 'jyj', items: 1, signedOff: 1, onTime: 1, submittedOnTime: 1 },
      { unitId: 'wjw', items: 1, signedOff: 1, onTime: 1, submittedOnTime: 1 },
    ]);

    const em = t.orm.em.fork();
    const procs = await em.find(ProcedureSchema, { workflowId: { $in: [handle.workflowId, jyj, wjw] } });
    expect(procs.map((p) => [p.workflowId, p.status]).sort()).toEqual(
      [
        [handle.workflowId, 'closed'],
        [jyj, 'signedOff'],
        [wjw, 'signedOff'],
      ].sort(),
    );
    // The deadline came from the working-day calendar: 12-31 of the test year is a Thursday, as in 2026.
    expect(procs.find((p) => p.workflowId === jyj)?.dueAt?.toISOString()).toBe(`${testDate('12-31')}T16:00:00.000Z`);
    // start + 5 actions, each written exactly once.
    const actions = await em.find(ActionLogSchema, { workflowId: jyj }, { orderBy: { seq: 'asc' } });
    expect(actions.map((a) => a.action)).toEqual(['start', 'submit', 'pass', 'sign', 'sign', 'sign']);
    const tasks = await em.find(TaskSchema, { workflowId: jyj }, { orderBy: { seq: 'asc' } });
    expect(tasks.map((x) => [x.step, x.status, x.completedBy])).toEqual([
      ['submit', 'done', 'jyj-staff'],
      ['review', 'done', 'xcb-reviewer'],
      ['unitHead', 'done', 'jyj-head'],
      ['leadDepartment', 'done', 'zzb-head'],
      ['inspectionOffice', 'done', 'xcb-director'],
    ]);
    await maybeRecordHistory('rectification-item.json', t.env.client.workflow.getHandle(jyj));
    await maybeRecordHistory('rectification-feedback.json', handle);
  });
});

test('one item failing is recorded against it; its sibling runs on and the feedback closes with both counted', async () => {
  const taskQueue = uniqueId('tq');
  const worker = await makeWorker(taskQueue);
  await worker.runUntil(async () => {
    const fid = uniqueId('fb');
    const input = await feedback(fid, ['jyj', 'wjw']);
    // wjw's staff were never resolved: its item fails at its first step (a start-path bug, on purpose).
    delete input.assignees[ruleKey({ kind: 'role', role: 'staff', unitId: 'wjw' })];
    const handle = await start(taskQueue, input);
    const jyj = workflowIds.rectificationItem(fid, '1', 'jyj');
    const wjw = workflowIds.rectificationItem(fid, '1', 'wjw');
    await expect(t.env.client.workflow.getHandle(wjw).result()).rejects.toThrow();
    await driveToSignOff(jyj, 'jyj');
    const summary = await handle.result();
    expect(summary).toMatchObject({ items: 2, signedOff: 1, failed: 1, onTime: 1 });
    const feedbackState = (await handle.query(stateQuery)) as { items: { workflowId: string; failure: string | null; result: unknown }[]; progress: { failed: number } };
    expect(feedbackState.progress.failed).toBe(1);
    expect(feedbackState.items.find((i) => i.workflowId === wjw)).toMatchObject({ failure: 'no_assignee', result: null });
    expect(feedbackState.items.find((i) => i.workflowId === jyj)?.failure).toBeNull();
  });
});

test('a return goes back to submission with the reason kept, for any number of rounds', async () => {
  const taskQueue = uniqueId('tq');
  const worker = await makeWorker(taskQueue);
  await worker.runUntil(async () => {
    const fid = uniqueId('fb');
    const handle = await start(taskQueue, await feedback(fid));
    const wf = workflowIds.rectificationItem(fid, '1', 'jyj');
    await act(wf, { taskId: await pendingTask(wf, 'submit'), actorId: 'jyj-staff', action: 'submit', data: { ...submission, institutionalRule: undefined } });
    const ret = await act(wf, { taskId: await pendingTask(wf, 'review'), actorId: 'xcb-reviewer', action: 'return', comment: '佐证材料不足' });
    expect(ret.nextTask).toMatchObject({ step: 'submit', round: 2 });
    await act(wf, { taskId: await pendingTask(wf, 'submit'), actorId: 'jyj-staff', action: 'submit', data: { ...submission, institutionalRule: undefined } });
    await act(wf, { taskId: await pendingTask(wf, 'review'), actorId: 'xcb-reviewer', action: 'pass' });
    // A return from the sign-off chain also goes back to the unit.
    await act(wf, { taskId: await pendingTask(wf, 'unitHead'), actorId: 'jyj-head', action: 'return', comment: '措施不具体' });
    const s = await itemState(wf);
    expect(s.round).toBe(3);
    expect(s.actions.filter((a) => a.action === 'return').map((a) => a.comment)).toEqual(['佐证材料不足', '措施不具体']);
    await driveToSignOffWithReason(wf);
    const summary = await handle.result();
    expect(summary.items).toBe(1);
    const item = (await t.env.client.workflow.getHandle(wf).result()) as { rounds: number };
    expect(item.rounds).toBe(3);
  });

  async function driveToSignOffWithReason(wf: string): Promise<void> {
    await act(wf, { taskId: await pendingTask(wf, 'submit'), actorId: 'jyj-staff', action: 'submit', data: { ...submission, institutionalRule: undefined } });
    await act(wf, { taskId: await pendingTask(wf, 'review'), actorId: 'xcb-reviewer', action: 'pass' });
    await act(wf, { taskId: await pendingTask(wf, 'unitHead'), actorId: 'jyj-head', action: 'sign' });
    await act(wf, { taskId: await pendingTask(wf, 'leadDepartment'), actorId: 'zzb-head', action: 'sign' });
    const final = await pendingTask(wf, 'inspectionOffice');
    // No 建章立制 and no reason: the 销号 is refused.
    expect(await refusalOf(act(wf, { taskId: final, actorId: 'xcb-director', action: 'sign' }))).toBe('institutional_rule_required');
    await act(wf, { taskId: final, actorId: 'xcb-director', action: 'sign', data: { noRuleReason: '已有制度覆盖，无需新建' } });
  }
});

test('refused actions are rejected by the validator and leave no trace in history or PostgreSQL', async () => {
  const taskQueue = uniqueId('tq');
  const worker = await makeWorker(taskQueue);
  await worker.runUntil(async () => {
    const fid = uniqueId('fb');
    await start(taskQueue, await feedback(fid));
    const wf = workflowIds.rectificationItem(fid, '1', 'jyj');
    const submitTask = await pendingTask(wf, 'submit');
    const before = await t.env.client.workflow.getHandle(wf).fetchHistory();
    const em = t.orm.em.fork();
    // The start's row comes from the projection activity; wait for it so the count below measures only refusals.
    const actionsBefore = await eventually(async () => ((await em.fork().count(ActionLogSchema, { workflowId: wf })) >= 1 ? em.fork().count(ActionLogSchema, { workflowId: wf }) : undefined), 10_000, 'the start row');

    // Not the assignee.
    expect(await refusalOf(act(wf, { taskId: submitTask, actorId: 'wjw-staff', action: 'submit', data: submission }))).toBe('not_assignee');
    // Not an action of this step.
    expect(await refusalOf(act(wf, { taskId: submitTask, actorId: 'jyj-staff', action: 'sign' }))).toBe('action_not_allowed');
    // A task that does not exist.
    expect(await refusalOf(act(wf, { taskId: `${wf}:99`, actorId: 'jyj-staff', action: 'submit', data: submission }))).toBe('task_not_pending');

    const after = await t.env.client.workflow.getHandle(wf).fetchHistory();
    const updateEvents = (h: typeof after) => (h.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionUpdateRejectedEventAttributes);
    // No Update event of any kind: the validator refused before anything reached history.
    expect(updateEvents(after)).toHaveLength(0);
    expect(updateEvents(before)).toHaveLength(0);
    expect(await em.count(ActionLogSchema, { workflowId: wf })).toBe(actionsBefore);

    // The task that was acted on is no longer pending.
    await act(wf, { taskId: submitTask, actorId: 'jyj-staff', action: 'submit', data: submission });
    expect(await refusalOf(act(wf, { taskId: submitTask, actorId: 'jyj-staff', action: 'submit', data: submission }))).toBe('task_not_pending');
    // A reviewer who is not the reviewer of the office cannot pass it.
    const review = await pendingTask(wf, 'review');
    expect(await refusalOf(act(wf, { taskId: review, actorId: 'xcb-director', action: 'pass' }))).toBe('not_assignee');
    const accepted = (await t.env.client.workflow.getHandle(wf).fetchHistory()).events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    expect(accepted).toHaveLength(1);
  });
});

test('a reminder before the deadline; past it the item is overdue, then climbs the ladder 督办通知 → 预警 → 问责', async () => {
  const taskQueue = uniqueId('tq');
  // Compressed clock: the reminder in 1 s, the deadline in 3 s, the rungs a second apart after
  // that. Production computes all of them from the working-day calendar.
  const asked: unknown[] = [];
  const worker = await makeWorker(taskQueue, {
    // Each rung is asked for once the one before has fired; the fake records what it was asked.
    computeRung: async (input) => {
      asked.push(input);
      const at = new Date(Date.now() + 500).toISOString();
      return input.rule.rung === 'warning' ? { rung: input.rule.rung, at, finalDate: '2027-01-22' } : { rung: input.rule.rung, at };
    },
  });
  const soon: Deadlines = { effectiveDueDate: '2026-12-31', remindAt: new Date(Date.now() + 1_000).toISOString(), dueAt: new Date(Date.now() + 3_000).toISOString() };
  await worker.runUntil(async () => {
    const fid = uniqueId('fb');
    const handle = await start(taskQueue, await feedback(fid, ['jyj'], soon));
    const wf = workflowIds.rectificationItem(fid, '1', 'jyj');
    await pendingTask(wf, 'submit');
    const s = await eventually(async () => {
      const st = await itemState(wf);
      return st.overdue ? st : undefined;
    }, 30_000, 'the item to fall overdue');
    expect(s.reminded).toBe(true);
    expect(s.actions.map((a) => a.action).slice(0, 3)).toEqual(['start', 'remind', 'overdue']);

    const desc = await t.env.client.workflow.getHandle(wf).describe();
    expect(desc.typedSearchAttributes.get(SearchAttr.overdue)).toBe(true);

    const em = t.orm.em.fork();
    const rows = await eventually(async () => {
      const r = await em.fork().find(ProcedureSchema, { workflowId: { $in: [wf, handle.workflowId] }, overdue: true });
      if (process.env.DEBUG_OVERDUE) console.log(JSON.stringify(await em.fork().find(ProcedureSchema, { workflowId: { $in: [wf, handle.workflowId] } })));
      return r.length === 2 ? r : undefined;
    }, 10_000, 'the overdue projection');
    expect(rows).toHaveLength(2);
    const notes = await em.find(NotificationSchema, { workflowId: wf }, { orderBy: { id: 'asc' } });
    expect(notes.filter((n) => n.kind === 'remind').map((n) => n.userId)).toEqual(['jyj-staff']);
    expect(notes.filter((n) => n.kind === 'overdue').map((n) => n.userId).sort()).toEqual(['dc-supervisor', 'jyj-staff']);

    // The ladder: each rung recorded in the workflow, on the projection and in the action log,
    // and sent to the supervisors.
    const climbed = await eventually(async () => {
      const st = await itemState(wf);
      return st.escalations.length === 3 ? st : undefined;
    }, 30_000, 'the ladder to reach accountability');
    expect(climbed.escalations.map((e) => e.rung)).toEqual(['supervisionNotice', 'warning', 'accountability']);
    expect(climbed.escalations[1]?.finalDate).toBe('2027-01-22');
    // The accountability rung was computed from the warning's final date.
    expect(asked).toEqual([
      { rule: expect.objectContaining({ rung: 'supervisionNotice' }), effectiveDueDate: '2026-12-31' },
      { rule: expect.objectContaining({ rung: 'warning' }), effectiveDueDate: '2026-12-31' },
      { rule: expect.objectContaining({ rung: 'accountability' }), effectiveDueDate: '2026-12-31', finalDate: '2027-01-22' },
    ]);
    const escalated = await eventually(async () => {
      const p = await em.fork().findOne(ProcedureSchema, { workflowId: wf });
      return p && p.escalation?.rung === 'accountability' ? p : undefined;
    }, 10_000, 'the escalation projection');
    expect(escalated.overdue).toBe(true);
    expect(await em.fork().count(ActionLogSchema, { workflowId: wf, action: 'escalate' })).toBe(3);
    const ladderNotes = await em.fork().find(NotificationSchema, { workflowId: wf, kind: 'escalation', userId: 'dc-supervisor' });
    expect(ladderNotes.map((n) => n.message.slice(0, 4)).sort()).toEqual(['督办通知', '问责:「', '预警:「'].sort());

    // Signed off late: the summary counts it as not on time.
    await driveToSignOff(wf, 'jyj');
    const summary = await handle.result();
    await maybeRecordHistory('rectification-item-overdue.json', t.env.client.workflow.getHandle(wf));
    expect(summary).toMatchObject({ items: 1, onTime: 0, late: 1, onTimeRate: 0 });
  });
});

test('defect 8: a rung the calendar cannot compute yet holds back that rung only; the reminder, the overdue notice and 督办通知 go out', async () => {
  const taskQueue = uniqueId('tq');
  const asked: string[] = [];
  // 督办通知 fires when the item falls overdue and needs no calendar; the warning counts working days in a year
  // not loaded (as the real computeRung answers then): it is asked once, and again only a day later.
  const worker = await makeWorker(taskQueue, {
    computeRung: async (input) => {
      asked.push(input.rule.rung);
      if (input.rule.rung !== 'supervisionNotice') throw ApplicationFailure.nonRetryable('the working-day calendar does not cover 2027', 'calendar_not_covered');
      return { rung: input.rule.rung, at: new Date(Date.now() + 500).toISOString() };
    },
  });
  const soon: Deadlines = { effectiveDueDate: '2026-12-31', remindAt: new Date(Date.now() + 1_000).toISOString(), dueAt: new Date(Date.now() + 3_000).toISOString() };
  await worker.runUntil(async () => {
    const fid = uniqueId('fb');
    const handle = await start(taskQueue, await feedback(fid, ['jyj'], soon));
    const wf = workflowIds.rectificationItem(fid, '1', 'jyj');
    await pendingTask(wf, 'submit');
    const s = await eventually(async () => {
      const st = await itemState(wf);
      return st.escalations.length === 1 && asked.includes('warning') ? st : undefined;
    }, 30_000, '督办通知, and the warning asked for');
    expect(s).toMatchObject({ reminded: true, overdue: true });
    expect(s.escalations.map((e) => e.rung)).toEqual(['supervisionNotice']);
    expect(s.actions.map((a) => a.action)).toEqual(['start', 'remind', 'overdue', 'escalate']);
    const notes = await eventually(async () => {
      const n = await t.orm.em.fork().find(NotificationSchema, { workflowId: wf, userId: 'dc-supervisor' });
      return n.some((x) => x.kind === 'escalation') ? n : undefined;
    }, 10_000, 'the supervisors notified');
    expect(notes.map((n) => n.kind).sort()).toEqual(['escalation', 'overdue']);
    expect(asked).toEqual(['supervisionNotice', 'warning']);
    await handle.terminate('done: the warning would be asked again tomorrow');
  });
});

test('defect 11: an item submitted on time and signed off late by the reviewers is submittedOnTime: the unit is not counted late, the sign-off is', async () => {
  const taskQueue = uniqueId('tq');
  // The ladder's rungs a day away: this test is about who was late, not the ladder.
  const worker = await makeWorker(taskQueue, { computeRung: async (input) => ({ rung: input.rule.rung, at: new Date(Date.now() + 86_400_000).toISOString() }) });
  await worker.runUntil(async () => {
    const fid = uniqueId('fb');
    const dueAt = Date.now() + 6_000;
    const soon: Deadlines = { effectiveDueDate: '2026-12-31', remindAt: new Date(dueAt - 4_000).toISOString(), dueAt: new Date(dueAt).toISOString() };
    const handle = await start(taskQueue, await feedback(fid, ['jyj'], soon));
    const wf = workflowIds.rectificationItem(fid, '1', 'jyj');
    // The unit submits, the review passes and the unit head signs, all before the deadline.
    await act(wf, { taskId: await pendingTask(wf, 'submit'), actorId: 'jyj-staff', action: 'submit', data: submission });
    await act(wf, { taskId: await pendingTask(wf, 'review'), actorId: 'xcb-reviewer', action: 'pass' });
    await act(wf, { taskId: await pendingTask(wf, 'unitHead'), actorId: 'jyj-head', action: 'sign' });
    expect(Date.now()).toBeLessThan(dueAt);
    // The lead department and the inspection office sign only after it.
    await eventually(async () => ((await itemState(wf)).overdue ? true : undefined), 30_000, 'the item to fall overdue');
    await act(wf, { taskId: await pendingTask(wf, 'leadDepartment'), actorId: 'zzb-head', action: 'sign' });
    const last = await act(wf, { taskId: await pendingTask(wf, 'inspectionOffice'), actorId: 'xcb-director', action: 'sign' });
    expect(last).toMatchObject({ status: 'signedOff' });

    const item = (await t.env.client.workflow.getHandle(wf).result()) as { onTime: boolean; submittedOnTime?: boolean };
    expect(item).toMatchObject({ onTime: false, submittedOnTime: true });
    const summary = await handle.result();
    // The sign-off was late (the reviewers' part); the unit's part, its submission, was on time.
    expect(summary).toMatchObject({ items: 1, signedOff: 1, onTime: 0, late: 1, submittedOnTime: 1, onTimeRate: 0 });
    expect(summary.perUnit).toEqual([{ unitId: 'jyj', items: 1, signedOff: 1, onTime: 0, submittedOnTime: 1 }]);
    expect(summary.perProblem?.[0]).toMatchObject({ problemNo: '1', onTime: 0, submittedOnTime: 1 });
  });
});

test('the business workflow id rejects a second start of the same feedback', async () => {
  const taskQueue = uniqueId('tq');
  const worker = await makeWorker(taskQueue);
  await worker.runUntil(async () => {
    const fid = uniqueId('fb');
    await start(taskQueue, await feedback(fid));
    await expect(start(taskQueue, await feedback(fid))).rejects.toThrow(/already started/i);
  });
});

test('整改报告: the unit head (no Party secretary in master data) is reminded, then the report climbs the ladder; the summary counts it and rolls up per problem', async () => {
  const taskQueue = uniqueId('tq');
  // Compressed clock, as the item's ladder above: the report's reminder in 1 s, its deadline in 3 s.
  const worker = await makeWorker(taskQueue, {
    computeRung: async (input) => {
      const at = new Date(Date.now() + 500).toISOString();
      return input.rule.rung === 'warning' ? { rung: input.rule.rung, at, finalDate: '2027-01-22' } : { rung: input.rule.rung, at };
    },
  });
  await worker.runUntil(async () => {
    const fid = uniqueId('fb');
    const input = await rectificationInput(t.orm, { feedbackId: fid, title: `第一轮巡察反馈 ${fid}`, inspectionGroup: '市委第一巡察组', reportDueDate: testDate('12-30') });
    expect(input.report).toMatchObject({ dueDate: testDate('12-30'), assignees: { jyj: { userId: 'jyj-head', as: 'unitHead' } } });
    const report = input.report;
    if (!report) throw new Error('no report planned');
    report.deadlines = { effectiveDueDate: '2026-12-30', remindAt: new Date(Date.now() + 1_000).toISOString(), dueAt: new Date(Date.now() + 3_000).toISOString() };
    const handle = await start(taskQueue, input);
    const rwf = rectificationReportWorkflowId(fid, 'jyj');
    const climbed = await eventually(async () => {
      try {
        const st = (await t.env.client.workflow.getHandle(rwf).query(stateQuery)) as { escalations: { rung: string }[]; reminded: boolean; overdue: boolean; currentTask: { taskId: string; assigneeIds: string[] } | null };
        return st.escalations.length === 3 ? st : undefined;
      } catch {
        return undefined;
      }
    }, 30_000, 'the report to climb the ladder');
    expect(climbed).toMatchObject({ reminded: true, overdue: true });
    expect(climbed.escalations.map((e) => e.rung)).toEqual(['supervisionNotice', 'warning', 'accountability']);
    expect(climbed.currentTask?.assigneeIds).toEqual(['jyj-head']);
    const em = t.orm.em.fork();
    const notes = await eventually(async () => {
      const n = await em.fork().find(NotificationSchema, { workflowId: rwf });
      return n.some((x) => x.kind === 'escalation' && x.userId === 'dc-supervisor') ? n : undefined;
    }, 10_000, 'the ladder notices');
    expect(notes.filter((n) => n.kind === 'remind').map((n) => n.userId)).toEqual(['jyj-head']);

    // Submitted late; the item signed off; the feedback closes with both counted.
    const late = await act(rwf, { taskId: climbed.currentTask?.taskId ?? '', actorId: 'jyj-head', action: 'report', data: { documentRef: '教党〔2027〕1号' } });
    expect(late).toMatchObject({ status: 'submitted', nextTask: null });
    await driveToSignOff(workflowIds.rectificationItem(fid, '1', 'jyj'), 'jyj');
    const summary = await handle.result();
    expect(summary).toMatchObject({ items: 1, signedOff: 1, onTime: 1, reports: { units: 1, submitted: 1, onTime: 0, withdrawn: 0, onTimeRate: 0 } });
    expect(summary.perProblem).toEqual([{ problemNo: '1', items: 1, signedOff: 1, onTime: 1, submittedOnTime: 1, withdrawnLate: 0, onTimeRate: 1 }]);
    await maybeRecordHistory('rectification-report-overdue.json', t.env.client.workflow.getHandle(rwf));
    await maybeRecordHistory('rectification-feedback-report.json', handle);
  });
});

test('a report past its due date while its year is not covered is overdue all the same: only a supervisor withdraws it, with a reason, and it counts as withdrawn late', async () => {
  const taskQueue = uniqueId('tq');
  // The calendar never covers the report's year here (as the real activity answers for a year not loaded).
  const worker = await makeWorker(taskQueue, {
    rectificationReportDeadlines: async () => {
      throw ApplicationFailure.nonRetryable('the working-day calendar does not cover the year', 'calendar_not_covered');
    },
  });
  await worker.runUntil(async () => {
    const fid = uniqueId('fb');
    const input = await rectificationInput(t.orm, { feedbackId: fid, title: `第一轮巡察反馈 ${fid}`, inspectionGroup: '市委第一巡察组', reportDueDate: testDate('12-30') });
    const report = input.report;
    if (!report) throw new Error('no report planned');
    // Due two days ago and no deadlines yet: the workflow's input as for a report waiting for its year, moved into the past.
    delete report.deadlines;
    report.calendarRetryMs = 3_600_000;
    report.dueDate = chinaDateOf(new Date(Date.now() - 2 * 86_400_000));
    const handle = await start(taskQueue, input);
    const rwf = rectificationReportWorkflowId(fid, 'jyj');
    await pendingTask(rwf, 'report');
    const manage = (m: ManageInput) => t.env.client.workflow.getHandle(rwf).executeUpdate(manageUpdate, { args: [m] });
    // The initiator could withdraw it before its due date; past it, only a supervisor, with a reason.
    expect(await refusalOf(manage({ actorId: 'zzb-staff', actorRoles: ['staff'], action: 'withdraw', comment: '并入其他报告' }))).toBe('cannot_withdraw');
    expect(await refusalOf(manage({ actorId: 'dc-supervisor', actorRoles: ['supervisor'], action: 'withdraw' }))).toBe('invalid_input');
    expect(await manage({ actorId: 'dc-supervisor', actorRoles: ['supervisor'], action: 'withdraw', comment: '单位撤并，报告并入上级单位' })).toMatchObject({ status: 'withdrawn' });
    await driveToSignOff(workflowIds.rectificationItem(fid, '1', 'jyj'), 'jyj');
    const summary = await handle.result();
    expect(summary.reports).toMatchObject({ units: 1, submitted: 0, withdrawn: 1, onTimeRate: 0 });
  });
});

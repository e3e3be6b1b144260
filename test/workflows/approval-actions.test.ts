/**
 * The approval actions on the rectification item, against the real dev server and PostgreSQL:
 * transfer (转办), add a signer before or after oneself (加签), return to any earlier step,
 * withdraw (撤回), urge (催办) and copy (抄送), each with the refusals users expect.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { type ApplicationFailure } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import { ActionLogSchema, NotificationSchema, TaskSchema } from '../../platform/entities';
import { createWorker } from '../../worker/worker';
import { applyTransitions } from '../../activities/projection';
import { actUpdate, manageUpdate, stateQuery, type ActInput, type ManageInput, type Transition } from '../../procedures/kernel/messages';
import type { rectification } from '../../procedures/rectification/feedback.workflow';
import type { ItemState } from '../../procedures/rectification/messages';
import { workflowIds } from '../helpers/ids';
import { rectificationInput } from '../helpers/rectification';
import { eventually, setupTestEnv, uniqueId, type TestEnv } from '../helpers/env';

let t: TestEnv;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueId('tq');

beforeAll(async () => {
  t = await setupTestEnv();
  worker = await createWorker({ connection: t.env.nativeConnection, namespace: 'default', taskQueue, orm: t.orm, workflowBundle: t.bundle });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await t?.teardown();
});

async function startItem(): Promise<{ wf: string; feedback: WorkflowHandle<typeof rectification> }> {
  const fid = uniqueId('fb');
  const input = await rectificationInput(t.orm, { feedbackId: fid, title: '审批动作测试', inspectionGroup: '市委第三巡察组' });
  const feedback = await t.env.client.workflow.start<typeof rectification>('rectification', {
    taskQueue,
    workflowId: workflowIds.rectification(fid),
    args: [input],
  });
  return { wf: workflowIds.rectificationItem(fid, '1', 'jyj'), feedback };
}

const state = async (wf: string) => (await t.env.client.workflow.getHandle(wf).query(stateQuery)) as ItemState;
/** Like the API: the Update, then its transitions committed before the caller reads PostgreSQL. */
async function project<R extends { transitions: Transition[] }>(p: Promise<R>): Promise<R> {
  const r = await p;
  await applyTransitions(t.orm.em.fork(), r.transitions);
  return r;
}
const act = (wf: string, a: ActInput) => project(t.env.client.workflow.getHandle(wf).executeUpdate(actUpdate, { args: [a] }));
const manage = (wf: string, m: ManageInput) => project(t.env.client.workflow.getHandle(wf).executeUpdate(manageUpdate, { args: [m] }));

/** The open task at `step` assigned to `user`. */
function taskFor(wf: string, step: string, user: string): Promise<string> {
  return eventually(async () => {
    try {
      const s = await state(wf);
      return s.openTasks.find((x) => x.step === step && x.assigneeIds.includes(user))?.taskId;
    } catch {
      return undefined;
    }
  }, 30_000, `${user}'s ${step} task`);
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return ((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type ?? '';
}

const submission = { measures: '整改措施', evidence: [{ name: '报告', ref: 'doc-1' }], noRuleReason: '现行制度已覆盖' };

async function toUnitHead(wf: string): Promise<string> {
  await act(wf, { taskId: await taskFor(wf, 'submit', 'jyj-staff'), actorId: 'jyj-staff', action: 'submit', data: submission });
  await act(wf, { taskId: await taskFor(wf, 'review', 'xcb-reviewer'), actorId: 'xcb-reviewer', action: 'pass' });
  return taskFor(wf, 'unitHead', 'jyj-head');
}

test('transfer (转办) hands the task to another person, who then acts; refusals for self and a current signer', async () => {
  const { wf } = await startItem();
  const head = await toUnitHead(wf);
  expect(await refusal(act(wf, { taskId: head, actorId: 'jyj-head', action: 'transfer', targetUserId: 'jyj-head' }))).toBe('invalid_target');
  expect(await refusal(act(wf, { taskId: head, actorId: 'jyj-head', action: 'transfer' }))).toBe('invalid_target');
  const r = await act(wf, { taskId: head, actorId: 'jyj-head', action: 'transfer', targetUserId: 'wjw-head', comment: '出差，转副职' });
  expect(r.nextTask).toMatchObject({ step: 'unitHead', assigneeIds: ['wjw-head'] });
  // The old task is closed; the original assignee can no longer act on it.
  expect(await refusal(act(wf, { taskId: head, actorId: 'jyj-head', action: 'sign' }))).toBe('task_not_pending');
  const next = await act(wf, { taskId: r.nextTask!.taskId, actorId: 'wjw-head', action: 'sign' });
  expect(next.nextTask).toMatchObject({ step: 'leadDepartment', assigneeIds: ['zzb-head'] });
  const rows = await t.orm.em.fork().find(TaskSchema, { workflowId: wf, step: 'unitHead' }, { orderBy: { seq: 'asc' } });
  expect(rows.map((x) => [x.assigneeIds, x.action])).toEqual([
    [['jyj-head'], 'transfer'],
    [['wjw-head'], 'sign'],
  ]);
});

test('add a signer before oneself (加签): they sign first, then the task comes back', async () => {
  const { wf } = await startItem();
  const head = await toUnitHead(wf);
  const r = await act(wf, { taskId: head, actorId: 'jyj-head', action: 'addSigner', targetUserId: 'wjw-head', position: 'before' });
  expect(r.openTasks.map((x) => x.assigneeIds)).toEqual([['wjw-head']]);
  const back = await act(wf, { taskId: r.openTasks[0]!.taskId, actorId: 'wjw-head', action: 'sign' });
  expect(back.nextTask).toMatchObject({ step: 'unitHead', assigneeIds: ['jyj-head'] });
  const done = await act(wf, { taskId: back.nextTask!.taskId, actorId: 'jyj-head', action: 'sign' });
  expect(done.nextTask).toMatchObject({ step: 'leadDepartment' });
});

test('add a signer after oneself (加签): one approves now, the added signer signs next', async () => {
  const { wf } = await startItem();
  const head = await toUnitHead(wf);
  expect(await refusal(act(wf, { taskId: head, actorId: 'jyj-head', action: 'addSigner', targetUserId: 'wjw-head' }))).toBe('invalid_target');
  const r = await act(wf, { taskId: head, actorId: 'jyj-head', action: 'addSigner', targetUserId: 'wjw-head', position: 'after' });
  expect(r.nextTask).toMatchObject({ step: 'unitHead', assigneeIds: ['wjw-head'] });
  const next = await act(wf, { taskId: r.nextTask!.taskId, actorId: 'wjw-head', action: 'sign' });
  expect(next.nextTask).toMatchObject({ step: 'leadDepartment' });
  // 或签 steps (the first approval completes them) have no added signers, and the state says so.
  const office = await act(wf, { taskId: next.nextTask!.taskId, actorId: 'zzb-head', action: 'sign' });
  expect(office.nextTask).toMatchObject({ step: 'inspectionOffice' });
  expect(((await state(wf)) as unknown as { currentStep: { allowed: string[] } }).currentStep.allowed).toEqual(['sign', 'return', 'transfer']);
  expect(await refusal(act(wf, { taskId: office.nextTask!.taskId, actorId: 'xcb-director', action: 'addSigner', targetUserId: 'zzb-head', position: 'after' }))).toBe(
    'action_not_allowed',
  );
});

test('return to any earlier step resumes from that step and keeps the history', async () => {
  const { wf } = await startItem();
  await toUnitHead(wf);
  await act(wf, { taskId: await taskFor(wf, 'unitHead', 'jyj-head'), actorId: 'jyj-head', action: 'sign' });
  const lead = await taskFor(wf, 'leadDepartment', 'zzb-head');
  // Not to a later step.
  expect(await refusal(act(wf, { taskId: lead, actorId: 'zzb-head', action: 'return', returnTo: 'inspectionOffice', comment: 'x' }))).toBe('invalid_target');
  const r = await act(wf, { taskId: lead, actorId: 'zzb-head', action: 'return', returnTo: 'review', comment: '请巡察办复核佐证材料' });
  expect(r.nextTask).toMatchObject({ step: 'review', round: 2, assigneeIds: ['xcb-reviewer'] });
  const s = await state(wf);
  expect(s.round).toBe(2);
  expect(s.submission).toMatchObject({ measures: '整改措施' });
  expect(s.actions.map((a) => a.action)).toEqual(['start', 'submit', 'pass', 'sign', 'return']);
  const log = await t.orm.em.fork().findOne(ActionLogSchema, { workflowId: wf, action: 'return' });
  expect(log?.data).toMatchObject({ returnTo: 'review' });
});

test('withdraw (撤回) by the initiator before anyone acts; refused after, or for anyone else', async () => {
  const { wf, feedback } = await startItem();
  await taskFor(wf, 'submit', 'jyj-staff');
  expect(await refusal(manage(wf, { actorId: 'jyj-staff', actorRoles: ['staff'], action: 'withdraw' }))).toBe('cannot_withdraw');
  const r = await manage(wf, { actorId: 'zzb-staff', actorRoles: ['staff'], action: 'withdraw', comment: '问题已并入其他条目' });
  expect(r.status).toBe('withdrawn');
  const summary = await feedback.result();
  expect(summary).toMatchObject({ items: 1, signedOff: 0, withdrawn: 1 });
  const tasks = await t.orm.em.fork().find(TaskSchema, { workflowId: wf });
  expect(tasks.map((x) => [x.status, x.action])).toEqual([['done', 'withdrawn']]);

  const other = await startItem();
  await act(other.wf, { taskId: await taskFor(other.wf, 'submit', 'jyj-staff'), actorId: 'jyj-staff', action: 'submit', data: submission });
  expect(await refusal(manage(other.wf, { actorId: 'zzb-staff', actorRoles: ['staff'], action: 'withdraw' }))).toBe('cannot_withdraw');
});

test('an action is projected by one local activity: its own transition and the next step\'s opening go in one batch', async () => {
  const { wf } = await startItem();
  const markers = async (): Promise<number> =>
    ((await t.env.client.workflow.getHandle(wf).fetchHistory()).events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length;
  const head = await toUnitHead(wf);
  const before = await markers();
  // Each of these closes a task and opens the next step's: two transitions, one projection.
  await act(wf, { taskId: head, actorId: 'jyj-head', action: 'sign' });
  await act(wf, { taskId: await taskFor(wf, 'leadDepartment', 'zzb-head'), actorId: 'zzb-head', action: 'sign' });
  expect((await markers()) - before).toBe(2);
});

test('an overdue item is withdrawn only by a supervisor, with a reason, and counts as withdrawn late: the on-time rate does not read 1.0', async () => {
  const fid = uniqueId('fb-late');
  const input = await rectificationInput(t.orm, { feedbackId: fid, title: '逾期撤回测试', inspectionGroup: '市委第三巡察组' });
  // Three months past its deadline.
  const past = { dueAt: '2026-08-31T16:00:00.000Z', remindAt: '2026-08-25T01:00:00.000Z', effectiveDueDate: '2026-08-31' };
  for (const key of Object.keys(input.deadlines)) input.deadlines[key] = past;
  const feedback = await t.env.client.workflow.start<typeof rectification>('rectification', { taskQueue, workflowId: workflowIds.rectification(fid), args: [input] });
  const wf = workflowIds.rectificationItem(fid, '1', 'jyj');
  await taskFor(wf, 'submit', 'jyj-staff');
  // The initiator, who could withdraw it before its deadline, cannot now; a supervisor needs a reason.
  expect(await refusal(manage(wf, { actorId: 'zzb-staff', actorRoles: ['staff'], action: 'withdraw', comment: '并入其他条目' }))).toBe('cannot_withdraw');
  expect(await refusal(manage(wf, { actorId: 'dc-supervisor', actorRoles: ['supervisor'], action: 'withdraw' }))).toBe('invalid_input');
  const r = await manage(wf, { actorId: 'dc-supervisor', actorRoles: ['supervisor'], action: 'withdraw', comment: '问题已由上级督办并入专项' });
  expect(r.status).toBe('withdrawn');
  expect(await feedback.result()).toMatchObject({ items: 1, withdrawn: 1, withdrawnLate: 1, onTime: 0, onTimeRate: 0 });
});

test('urge (催办) by a supervisor notifies the assignees; others and non-pending tasks are refused', async () => {
  const { wf } = await startItem();
  const submit = await taskFor(wf, 'submit', 'jyj-staff');
  expect(await refusal(manage(wf, { actorId: 'jyj-head', actorRoles: ['approver'], action: 'urge', taskId: submit }))).toBe('not_allowed');
  expect(await refusal(manage(wf, { actorId: 'dc-supervisor', actorRoles: ['supervisor'], action: 'urge', taskId: `${wf}:99` }))).toBe('task_not_pending');
  const r = await manage(wf, { actorId: 'dc-supervisor', actorRoles: ['supervisor'], action: 'urge', taskId: submit, comment: '请本周内提交' });
  expect(r.notified).toEqual(['jyj-staff']);
  const notes = await t.orm.em.fork().find(NotificationSchema, { workflowId: wf, kind: 'urge' });
  expect(notes.map((n) => n.userId)).toEqual(['jyj-staff']);
  // Urging leaves the task pending.
  expect((await state(wf)).currentTask?.taskId).toBe(submit);
});

test('copy (抄送) informs people who do not sign; outsiders cannot copy', async () => {
  const { wf } = await startItem();
  await taskFor(wf, 'submit', 'jyj-staff');
  expect(await refusal(manage(wf, { actorId: 'wjw-staff', actorRoles: ['staff'], action: 'copy', userIds: ['wjw-head'] }))).toBe('not_allowed');
  expect(await refusal(manage(wf, { actorId: 'jyj-staff', actorRoles: ['staff'], action: 'copy', userIds: [] }))).toBe('invalid_target');
  const r = await manage(wf, { actorId: 'jyj-staff', actorRoles: ['staff'], action: 'copy', userIds: ['jyj-head', 'zzb-head'] });
  expect(r.notified).toEqual(['jyj-head', 'zzb-head']);
  const notes = await t.orm.em.fork().find(NotificationSchema, { workflowId: wf, kind: 'copy' }, { orderBy: { userId: 'asc' } });
  expect(notes.map((n) => n.userId)).toEqual(['jyj-head', 'zzb-head']);
});

test('an action answers once the workflow has projected it: the answer carries nothing left to write, and PostgreSQL already has it', async () => {
  const { wf } = await startItem();
  const head = await toUnitHead(wf);
  // Straight to the workflow, without the API's write after the answer.
  const r = await t.env.client.workflow.getHandle(wf).executeUpdate(actUpdate, { args: [{ taskId: head, actorId: 'jyj-head', action: 'sign', comment: '同意' }] });
  expect(r.transitions).toEqual([]);
  const em = t.orm.em.fork();
  expect(await em.findOne(TaskSchema, { id: head })).toMatchObject({ status: 'done', action: 'sign', completedBy: 'jyj-head' });
  expect(await em.count(ActionLogSchema, { workflowId: wf, taskId: head, action: 'sign' })).toBe(1);
  expect(await em.findOne(TaskSchema, { id: r.nextTask!.taskId })).toMatchObject({ status: 'pending', step: 'leadDepartment' });
});

/**
 * Crash test: the worker is a separate process, killed with SIGKILL in the middle of a procedure:
 * once while an action is in flight, once while the projection of an urge (催办) is held open after
 * its database write (a test-only pause, worker/main.ts): the urge is still unanswered at the kill. A
 * new worker process picks the procedure up; the history shows the workflow task retried, and it
 * completes with nothing lost and nothing written twice: one action row per action, one audit entry
 * per event, one notification, an intact audit chain.
 */
import { verifyChain } from '../../domain/audit';
import { ActionLogSchema, AuditLogSchema, NotificationSchema, TaskSchema } from '../../platform/entities';
import { actUpdate, manageUpdate, stateQuery, type ActInput } from '../../procedures/kernel/messages';
import type { rectification } from '../../procedures/rectification/feedback.workflow';
import type { ItemState } from '../../procedures/rectification/messages';
import { workflowIds } from '../helpers/ids';
import { rectificationInput } from '../helpers/rectification';
import { eventually, setupTestEnv, uniqueId, type TestEnv } from '../helpers/env';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process';

let t: TestEnv;
beforeAll(async () => {
  t = await setupTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

test('a worker killed mid-procedure is replaced and the procedure completes exactly once', async () => {
  const taskQueue = uniqueId('tq');
  const fid = uniqueId('fb');
  const input = await rectificationInput(t.orm, { feedbackId: fid, title: '崩溃恢复测试', inspectionGroup: '市委第二巡察组' });
  const wf = workflowIds.rectificationItem(fid, '1', 'jyj');
  const client = t.env.client;
  const state = async () => (await client.workflow.getHandle(wf).query(stateQuery)) as ItemState;
  const pending = (step: string) =>
    eventually(async () => {
      try {
        const s = await state();
        return s.currentTask?.step === step ? s.currentTask.taskId : undefined;
      } catch {
        return undefined;
      }
    }, 60_000, `step ${step}`);
  const history = async () => (await client.workflow.getHandle(wf).fetchHistory()).events ?? [];
  const act = (a: ActInput) => client.workflow.getHandle(wf).executeUpdate(actUpdate, { args: [a], updateId: `${a.actorId}:${a.taskId}` });

  let first = spawnWorker(t, taskQueue);
  const workers: WorkerProcess[] = [first];
  try {
    await first.ready;
    const feedback = await client.workflow.start<typeof rectification>('rectification', {
      taskQueue,
      workflowId: workflowIds.rectification(fid),
      args: [input],
    });
    await act({
      taskId: await pending('submit'),
      actorId: 'jyj-staff',
      action: 'submit',
      data: { measures: '整改措施', evidence: [{ name: '报告', ref: 'doc-1' }], noRuleReason: '无需新建制度' },
    });
    const review = await pending('review');

    // Send the next action and kill the worker while it is being processed.
    const inFlight = act({ taskId: review, actorId: 'xcb-reviewer', action: 'pass' });
    await new Promise((r) => setTimeout(r, 150));
    await first.stop('SIGKILL');

    first = spawnWorker(t, taskQueue);
    workers.push(first);
    await first.ready;
    const passed = await inFlight;
    expect(passed).toMatchObject({ action: 'pass', nextTask: { step: 'unitHead' } });

    const unitHead = await pending('unitHead');
    // Kill again, with no action in flight; the next worker holds the projection of an urge open.
    await first.stop('SIGKILL');
    first = spawnWorker(t, taskQueue, { TINGJIN_TEST_HOLD_PROJECTION_OF: 'urge' });
    workers.push(first);
    await first.ready;
    let answered = false;
    const urging = client.workflow
      .getHandle(wf)
      .executeUpdate(manageUpdate, { args: [{ actorId: 'zzb-staff', actorRoles: ['staff'], action: 'urge', taskId: unitHead, comment: '请尽快签批' }], updateId: 'urge-1' })
      .then((r) => {
        answered = true;
        return r;
      });
    // The write is done and the projection is held open: the workflow task, and so the answer, waits for it.
    const em0 = t.orm.em.fork();
    await eventually(async () => ((await em0.fork().count(NotificationSchema, { workflowId: wf, kind: 'urge' })) === 1 ? true : undefined), 30_000, 'the urge written');
    await eventually(async () => (first.output().includes('holding the projection of urge') ? true : undefined), 30_000, 'the projection held');
    expect(answered).toBe(false);
    const timedOutBefore = (await history()).filter((e) => e.workflowTaskTimedOutEventAttributes).length;
    await first.stop('SIGKILL');
    first = spawnWorker(t, taskQueue);
    workers.push(first);
    await first.ready;
    // The workflow task times out on the dead worker and runs again on the new one: the projection is
    // written again (changing nothing), and only then is the urge answered.
    const urged = await urging;
    expect(urged.notified).toEqual(['jyj-head']);
    expect((await history()).filter((e) => e.workflowTaskTimedOutEventAttributes).length).toBeGreaterThan(timedOutBefore);

    await act({ taskId: unitHead, actorId: 'jyj-head', action: 'sign' });
    await act({ taskId: await pending('leadDepartment'), actorId: 'zzb-head', action: 'sign' });
    await act({ taskId: await pending('inspectionOffice'), actorId: 'xcb-director', action: 'sign' });

    const summary = await feedback.result();
    expect(summary).toMatchObject({ items: 1, signedOff: 1 });

    const em = t.orm.em.fork();
    const actions = await em.find(ActionLogSchema, { workflowId: wf }, { orderBy: { seq: 'asc' } });
    // Exactly one row per action, in order, whatever the worker kills did.
    expect(actions.map((a) => `${a.actorId}:${a.action}`)).toEqual([
      'zzb-staff:start',
      'jyj-staff:submit',
      'xcb-reviewer:pass',
      'zzb-staff:urge',
      'jyj-head:sign',
      'zzb-head:sign',
      'xcb-director:sign',
    ]);
    expect(new Set(actions.map((a) => a.seq)).size).toBe(actions.length);
    const tasks = await em.find(TaskSchema, { workflowId: wf }, { orderBy: { seq: 'asc' } });
    expect(tasks.map((x) => `${x.step}:${x.status}`)).toEqual(['submit:done', 'review:done', 'unitHead:done', 'leadDepartment:done', 'inspectionOffice:done']);
    const notes = await em.find(NotificationSchema, { workflowId: wf, kind: 'urge' });
    expect(notes.map((n) => n.userId)).toEqual(['jyj-head']);
    const audit = await em.find(AuditLogSchema, { workflowId: wf }, { orderBy: { seq: 'asc' } });
    const kinds = audit.map((e) => e.kind);
    expect(kinds.filter((k) => k.startsWith('action:'))).toEqual(['action:start', 'action:submit', 'action:pass', 'action:urge', 'action:sign', 'action:sign', 'action:sign']);
    expect(kinds.filter((k) => k === 'task:opened')).toHaveLength(5);
    expect(kinds.filter((k) => k === 'procedure:closed')).toHaveLength(1);
    expect(verifyChain(audit)).toMatchObject({ ok: true, checked: audit.length });
  } finally {
    for (const w of workers) await w.stop('SIGKILL');
  }
});

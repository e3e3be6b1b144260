/**
 * Crash test: the worker is a separate process, killed with SIGKILL in the middle of a procedure
 * (while an action is in flight). A new worker process picks the procedure up, and it completes
 * with nothing lost and nothing written twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ActionLogSchema, TaskSchema } from '../../platform/entities';
import { actUpdate, stateQuery, type ActInput } from '../../procedures/kernel/messages';
import type { rectification } from '../../procedures/rectification/feedback.workflow';
import type { ItemState } from '../../procedures/rectification/messages';
import { workflowIds } from '../helpers/ids';
import { rectificationInput } from '../helpers/rectification';
import { eventually, setupTestEnv, uniqueId, type TestEnv } from '../helpers/env';

let t: TestEnv;
beforeAll(async () => {
  t = await setupTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

const root = path.join(__dirname, '..', '..');

function spawnWorker(taskQueue: string): { child: ChildProcess; ready: Promise<void> } {
  // `node --import tsx` keeps the worker in this one process, so SIGKILL really kills the worker
  // (the tsx launcher would forward the signal to a child it cannot protect from SIGKILL).
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'worker', 'main.ts')], {
    cwd: root,
    env: { ...process.env, TEMPORAL_ADDRESS: t.address, DATABASE_URL: t.databaseUrl, TEMPORAL_TASK_QUEUE: taskQueue },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.includes('[worker] polling')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited early (${code}):\n${output}`)));
  });
  return { child, ready };
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

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
  const act = (a: ActInput) => client.workflow.getHandle(wf).executeUpdate(actUpdate, { args: [a], updateId: `${a.actorId}:${a.taskId}` });

  let first = spawnWorker(taskQueue);
  const workers: ChildProcess[] = [first.child];
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
    await kill(first.child);

    first = spawnWorker(taskQueue);
    workers.push(first.child);
    await first.ready;
    const passed = await inFlight;
    expect(passed).toMatchObject({ action: 'pass', nextTask: { step: 'unitHead' } });

    await act({ taskId: await pending('unitHead'), actorId: 'jyj-head', action: 'sign' });
    // Kill again between steps, with no action in flight.
    await kill(first.child);
    first = spawnWorker(taskQueue);
    workers.push(first.child);
    await first.ready;
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
      'jyj-head:sign',
      'zzb-head:sign',
      'xcb-director:sign',
    ]);
    expect(new Set(actions.map((a) => a.seq)).size).toBe(actions.length);
    const tasks = await em.find(TaskSchema, { workflowId: wf }, { orderBy: { seq: 'asc' } });
    expect(tasks.map((x) => `${x.step}:${x.status}`)).toEqual(['submit:done', 'review:done', 'unitHead:done', 'leadDepartment:done', 'inspectionOffice:done']);
  } finally {
    for (const w of workers) await kill(w);
  }
});

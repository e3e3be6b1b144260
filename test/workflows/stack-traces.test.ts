/**
 * Temporal's stack-trace query is answered only by a worker started with TINGJIN_WORKFLOW_STACK_TRACES=on: the
 * SDK's promise hook behind it is patched to be opt-in (patches/README.md). Off, the default, the query says so.
 * This fails when the patch no longer applies (the default worker would answer with a stack).
 */
import { resolveAssignees } from '../../api/assignees';
import type { approvalRequest } from '../../procedures/approval-request/approval-request.workflow';
import type { ApprovalStepInput } from '../../procedures/approval-request/messages';
import { workflowIds } from '../helpers/ids';
import { setupTestEnv, uniqueId, type TestEnv } from '../helpers/env';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process';

let t: TestEnv;
const workers: WorkerProcess[] = [];

/**
 * `npm run worker` with the setting as given (undefined: unset), on a task queue of its own. A process, because
 * the SDK's workflow threads copy the real environment, which jest's sandboxed process.env does not reach.
 */
function worker(taskQueue: string, setting: string | undefined): WorkerProcess {
  const w = spawnWorker(t, taskQueue, { TINGJIN_WORKFLOW_STACK_TRACES: setting });
  workers.push(w);
  return w;
}

beforeAll(async () => {
  t = await setupTestEnv();
});
afterAll(async () => {
  for (const w of workers) await w.stop();
  await t?.teardown();
});

/** An approval request waiting at its one step: a workflow blocked in its conditions, as procedures mostly are. */
async function waitingRequest(taskQueue: string) {
  const requestId = uniqueId('req');
  const steps: ApprovalStepInput[] = [{ key: 'decide', name: '审议', mode: 'sequential', assignees: { kind: 'user', userId: 'zzb-head' } }];
  return t.env.client.workflow.start<typeof approvalRequest>('approvalRequest', {
    taskQueue,
    workflowId: workflowIds.approvalRequest(requestId),
    args: [{ requestId, title: '堆栈查询测试', initiatorId: 'zzb-staff', steps, assignees: await resolveAssignees(t.orm.em.fork(), steps.map((s, i) => ({ rule: s.assignees, field: `steps[${i}]` }))) }],
  });
}

test('by default a worker records no workflow stack traces, and the query says they are not enabled', async () => {
  const queue = uniqueId('tq-off');
  const w = worker(queue, undefined);
  await w.ready;
  expect(w.output()).not.toContain('workflow stack traces are on');
  const handle = await waitingRequest(queue);
  await expect(handle.query('__stack_trace')).rejects.toThrow(/stack traces are not enabled/);
  await handle.terminate('test done');
});

test('with TINGJIN_WORKFLOW_STACK_TRACES=on the query shows where the procedure waits, in its source files', async () => {
  const queue = uniqueId('tq-on');
  const w = worker(queue, 'on');
  await w.ready;
  expect(w.output()).toContain('workflow stack traces are on');
  const handle = await waitingRequest(queue);
  const stack = await handle.query<string>('__stack_trace');
  expect(stack).toMatch(/procedures\/kernel\/\w+\.ts:\d+:\d+/);
  await handle.terminate('test done');
});

test('a value that is neither on nor off stops the worker at startup, naming the setting', async () => {
  // Exits with a code other than 0 before it polls.
  await expect(worker(uniqueId('tq-bad'), 'maybe').ready).rejects.toThrow(/^worker exited early \([1-9]\d*\):[\s\S]*TINGJIN_WORKFLOW_STACK_TRACES must be on or off/);
});

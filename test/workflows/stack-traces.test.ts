/**
 * Temporal's stack-trace query is answered only by a worker started with TINGJIN_WORKFLOW_STACK_TRACES=on: the
 * SDK's promise hook behind it is patched to be opt-in (patches/README.md). Off, the default, the query says so.
 * This fails when the patch no longer applies (the default worker would answer with a stack).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { resolveAssignees } from '../../api/assignees';
import type { approvalRequest } from '../../procedures/approval-request/approval-request.workflow';
import type { ApprovalStepInput } from '../../procedures/approval-request/messages';
import { workflowIds } from '../helpers/ids';
import { eventually, setupTestEnv, uniqueId, type TestEnv } from '../helpers/env';

let t: TestEnv;
const children: ChildProcess[] = [];
const root = path.join(__dirname, '..', '..');

/**
 * `npm run worker` (worker/main.ts) with the setting as given, on a task queue of its own. A process, because the
 * SDK's workflow threads copy the real environment, which jest's sandboxed process.env does not reach. Resolves
 * once it polls, or with its exit code and output when it stops first.
 */
function worker(taskQueue: string, setting: string | undefined): Promise<{ polling: true } | { exitCode: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: t.address, DATABASE_URL: t.databaseUrl, TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'info' };
  delete env.TINGJIN_WORKFLOW_STACK_TRACES;
  if (setting !== undefined) env.TINGJIN_WORKFLOW_STACK_TRACES = setting;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'worker', 'main.ts')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<{ exitCode: number | null; output: string }>((resolve) => child.once('exit', (exitCode) => resolve({ exitCode, output })));
  // Stops polling once the process has exited, so no timer outlives the test.
  const polling = eventually(async () => (output.includes('polling task queue') ? ({ polling: true } as const) : child.exitCode !== null ? exited : undefined), 90_000, 'the worker to poll');
  return Promise.race([polling, exited]);
}

beforeAll(async () => {
  t = await setupTestEnv();
});
afterAll(async () => {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
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
  expect(await worker(queue, undefined)).toEqual({ polling: true });
  const handle = await waitingRequest(queue);
  await expect(handle.query('__stack_trace')).rejects.toThrow(/stack traces are not enabled/);
  await handle.terminate('test done');
});

test('with TINGJIN_WORKFLOW_STACK_TRACES=on the query shows where the procedure waits, in its source files', async () => {
  const queue = uniqueId('tq-on');
  expect(await worker(queue, 'on')).toEqual({ polling: true });
  const handle = await waitingRequest(queue);
  const stack = await handle.query<string>('__stack_trace');
  expect(stack).toMatch(/procedures\/kernel\/\w+\.ts:\d+:\d+/);
  await handle.terminate('test done');
});

test('a value that is neither on nor off stops the worker at startup, naming the setting', async () => {
  const r = await worker(uniqueId('tq-bad'), 'maybe');
  expect(r).toMatchObject({ exitCode: expect.any(Number) });
  expect(r).not.toMatchObject({ exitCode: 0 });
  expect((r as { output: string }).output).toMatch(/TINGJIN_WORKFLOW_STACK_TRACES must be on or off/);
});

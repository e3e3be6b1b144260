/**
 * A start whose API process dies (issue 10 §5): the API runs as its own process and kills itself with
 * SIGKILL at a chosen point inside POST /procedures/<type> (api/crash-points.ts, TINGJIN_TEST_CRASH_AT),
 * so the client sees a dropped connection and no answer. A new API process then gets the same request
 * with the same Idempotency-Key:
 *   - after the reservation, before the start: nothing started; the retry starts the procedure once;
 *   - after Temporal accepted the start, before the answer was stored: the retry answers with that
 *     start's procedure, not `409 procedure_exists`, and nothing runs twice.
 * While the dead request's reservation still holds its lease, a retry answers 409 idempotency_in_progress
 * (never a second run); the lease's 120 s are advanced in the database rather than waited for, which is
 * the only part of the crash that is not real.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { CrashPoint } from '../../api/crash-points';
import { IdempotencyRecordSchema, ProcedureSchema, TaskSchema } from '../../platform/entities';
import { http, newKey, useApiStack, type Http } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { workflowIds } from '../helpers/ids';

// The in-process API and worker: the worker polls the task queue the spawned API starts on; the
// in-process API only logs in (sessions are rows in the shared database).
const stack = useApiStack();
const root = path.join(__dirname, '..', '..');
const em = () => stack.t.orm.em.fork();
// Two API processes per test, each compiled by tsx at its start (15 s and more on a loaded machine).
const SPAWNS_TIMEOUT_MS = 240_000;

const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) await stopped(c, 'SIGTERM');
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** The API as `npm run api` runs it, in its own process; resolves once it answers /health. */
async function spawnApi(crashAt?: CrashPoint): Promise<{ child: ChildProcess; h: Http; exited: Promise<NodeJS.Signals | number | null> }> {
  const port = await freePort();
  // `node --import tsx`, not the tsx launcher: the SIGKILL then ends the API itself, with no parent left over.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'api', 'main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.t.address,
      DATABASE_URL: stack.t.databaseUrl,
      TEMPORAL_TASK_QUEUE: stack.api.taskQueue,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      ...(crashAt ? { TINGJIN_TEST_CRASH_AT: crashAt } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const h = http(`http://127.0.0.1:${port}`);
  await eventually(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the API exited before it answered:\n${output}`);
      return (await h.call('GET', '/health').catch(() => null))?.status === 200 ? true : undefined;
    },
    60_000,
    'the spawned API to answer /health',
  );
  return { child, h, exited };
}

function stopped(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

function startBody(requestId: string) {
  return {
    requestId,
    title: '进程崩溃后重试发起',
    steps: [{ key: 's', name: '审批', mode: 'any', assignees: { kind: 'user', userId: 'zzb-head' } }],
  };
}

/** The start, sent to an API that dies inside it: the connection drops and no answer arrives. */
async function startThatCrashes(point: CrashPoint, token: string, key: string, body: unknown): Promise<void> {
  const dying = await spawnApi(point);
  await expect(dying.h.call('POST', '/procedures/approvalRequest', { token, key, body })).rejects.toThrow();
  expect(await dying.exited).toBe('SIGKILL');
}

/** A new approval request started by zzb-staff through an API that dies at `point`: what the retry repeats. */
async function crashedStart(point: CrashPoint): Promise<{ token: string; key: string; rid: string; wf: string }> {
  const token = await stack.h.login('zzb-staff');
  const key = newKey();
  const rid = uniqueId('crash');
  await startThatCrashes(point, token, key, startBody(rid));
  return { token, key, rid, wf: workflowIds.approvalRequest(rid) };
}

/** The workflow's runs under its id. */
async function runsOf(workflowId: string): Promise<string[]> {
  const runs: string[] = [];
  for await (const w of stack.t.env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(w.runId);
  return runs;
}

const recordOf = (key: string) => em().findOne(IdempotencyRecordSchema, { key });
/** The dead request's lease running out: what 120 s of waiting would do. */
const lapse = (key: string) => em().execute("update idempotency_record set locked_until = now() - interval '1 second' where key = ?", [key]);

test('crash after the reservation, before the start: nothing ran; the retry starts the procedure once', async () => {
  const { token, key, rid, wf } = await crashedStart('after-reserve');

  // What the crash left: the key reserved by the dead request, nothing started.
  expect(await recordOf(key)).toMatchObject({ state: 'in_progress', statusCode: null });
  expect(await runsOf(wf)).toEqual([]);
  expect(await em().count(ProcedureSchema, { workflowId: wf })).toBe(0);

  const api = await spawnApi();
  await lapse(key);
  const retry = await api.h.call('POST', '/procedures/approvalRequest', { token, key, body: startBody(rid) });
  expect(retry.status).toBe(201);
  expect(retry.body).toMatchObject({ workflowId: wf, openTasks: [expect.objectContaining({ step: 's' })] });
  expect(await runsOf(wf)).toEqual([retry.body.runId]);
  expect(await em().count(ProcedureSchema, { workflowId: wf })).toBe(1);
  expect(await em().count(TaskSchema, { workflowId: wf })).toBe(1);
  // The key is no longer held: completed with this answer, which a repeat replays.
  expect(await recordOf(key)).toMatchObject({ state: 'completed', statusCode: 201, owner: null });
  const again = await api.h.call('POST', '/procedures/approvalRequest', { token, key, body: startBody(rid) });
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  expect(again.body).toEqual(retry.body);
  await stopped(api.child, 'SIGTERM');
}, SPAWNS_TIMEOUT_MS);

test('crash after Temporal accepted the start, before the answer was stored: the retry gets that start, which ran once', async () => {
  const { token, key, rid, wf } = await crashedStart('after-start');

  // What the crash left: the procedure started and projected, its answer nowhere, the key still held.
  const [run] = await runsOf(wf);
  expect(run).toBeTruthy();
  expect(await em().count(ProcedureSchema, { workflowId: wf })).toBe(1);
  expect(await recordOf(key)).toMatchObject({ state: 'in_progress', statusCode: null });

  const api = await spawnApi();
  // While the dead request's lease holds, a retry waits, then is told to come back; it runs nothing.
  const early = await api.h.call('POST', '/procedures/approvalRequest', { token, key, body: startBody(rid) });
  expect(early.status).toBe(409);
  expect(early.body).toEqual({ status: 409, code: 'idempotency_in_progress', message: expect.any(String) });
  expect(early.headers.get('retry-after')).toBe('1');

  await lapse(key);
  const retry = await api.h.call('POST', '/procedures/approvalRequest', { token, key, body: startBody(rid) });
  expect(retry.status).toBe(201);
  expect(retry.body).toMatchObject({ workflowId: wf, runId: run, openTasks: [expect.objectContaining({ step: 's' })] });
  // One run, one procedure row, one task: the start was not repeated, its projection not written twice.
  expect(await runsOf(wf)).toEqual([run]);
  expect(await em().count(ProcedureSchema, { workflowId: wf })).toBe(1);
  expect(await em().count(TaskSchema, { workflowId: wf })).toBe(1);
  expect(await recordOf(key)).toMatchObject({ state: 'completed', statusCode: 201, owner: null });
  const again = await api.h.call('POST', '/procedures/approvalRequest', { token, key, body: startBody(rid) });
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  expect(again.body).toEqual(retry.body);
  // Another key for the same procedure is a second start, refused as before.
  const other = await api.h.call('POST', '/procedures/approvalRequest', { token, key: newKey(), body: startBody(rid) });
  expect(other.body).toMatchObject({ status: 409, code: 'procedure_exists' });
  await stopped(api.child, 'SIGTERM');
}, SPAWNS_TIMEOUT_MS);

test('crash after Temporal accepted a start the API opened, before the API wrote its opening: the run writes it, and the retry gets that start', async () => {
  const { token, key, rid, wf } = await crashedStart('before-opening-written');

  // The API died before its write; the run writes the same opening (kernel/procedure.ts PreOpened.rewrite).
  const [run] = await runsOf(wf);
  expect(run).toBeTruthy();
  const task = await eventually(async () => (await em().findOne(TaskSchema, { workflowId: wf })) ?? undefined, 30_000, 'the run to write its opening');
  expect(task).toMatchObject({ step: 's', status: 'pending' });
  expect(await em().count(ProcedureSchema, { workflowId: wf })).toBe(1);

  const api = await spawnApi();
  await lapse(key);
  const retry = await api.h.call('POST', '/procedures/approvalRequest', { token, key, body: startBody(rid) });
  expect(retry.status).toBe(201);
  // The answer is the first start's opening: the same run and the very task the run wrote.
  expect(retry.body).toMatchObject({ workflowId: wf, runId: run, openTasks: [expect.objectContaining({ taskId: task.id, step: 's' })] });
  expect(await runsOf(wf)).toEqual([run]);
  expect(await em().count(TaskSchema, { workflowId: wf })).toBe(1);
  // The task can be acted on: the run resumed the step the API opened.
  const act = await api.h.call('POST', `/tasks/${task.id}/actions`, { token: await stack.h.login('zzb-head'), key: newKey(), body: { action: 'approve' } });
  expect(act.status).toBe(200);
  expect(act.body).toMatchObject({ status: 'approved' });
  await stopped(api.child, 'SIGTERM');
}, SPAWNS_TIMEOUT_MS);

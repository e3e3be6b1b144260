/**
 * The worker process (`npm run worker`, worker/main.ts) as operators run it: with WORKER_METRICS_PORT it
 * serves the Temporal SDK's own metrics for Prometheus (Runtime.install's prometheus exporter), with the
 * drift found by the reconciler runs it executes (a per-process counter, summed over the workers), and it
 * logs JSON lines. Started as a process because the SDK's runtime is installed once per process, and the
 * jest process already has its own (test/helpers/setup-file.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { eventually, setupTestEnv, uniqueId, type TestEnv } from '../helpers/env';

let t: TestEnv;
let child: ChildProcess | undefined;
beforeAll(async () => {
  t = await setupTestEnv();
});
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await t?.teardown();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

test('the worker process serves the Temporal SDK metrics on WORKER_METRICS_PORT, with the drift its reconciler runs find, and logs JSON lines', async () => {
  const port = await freePort();
  const root = path.join(__dirname, '..', '..');
  const taskQueue = uniqueId('tq');
  child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'worker', 'main.ts')], {
    cwd: root,
    env: { ...process.env, TEMPORAL_ADDRESS: t.address, DATABASE_URL: t.databaseUrl, TEMPORAL_TASK_QUEUE: taskQueue, WORKER_METRICS_PORT: String(port), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<never>((_, reject) => child!.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${stdout}\n${stderr}`))));
  await Promise.race([eventually(async () => (stdout.includes('polling task queue') ? true : undefined), 90_000, 'the worker to poll'), exited]);

  // Gauges (pollers, free slots) are there once the worker polls; counters once it has done work.
  const text = await Promise.race([
    eventually(async () => {
      const r = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => null);
      const body = r?.ok ? await r.text() : '';
      return /^temporal_\w+/m.test(body) ? body : undefined;
    }, 30_000, 'a temporal_ metric'),
    exited,
  ]);
  expect(text).toMatch(/^temporal_\w+(\{[^}]*\})? \S+$/m);

  // The reconciler's run in this worker counts the drift it finds on the same port: a procedure the
  // projection calls open, with no workflow behind it, is not_running.
  const orphan = uniqueId('orphan');
  await t.orm.em
    .fork()
    .getConnection()
    .execute(
      `insert into procedure (workflow_id, type, title, unit_ids, status, stage, overdue, started_by, started_at, updated_at)
       values (?, 'rectificationItem', 'orphan', '{jyj}', 'open', 'submit', false, 'zzb-staff', now(), now())`,
      [orphan],
    );
  const summary = await Promise.race([t.env.client.workflow.execute('reconcileProjectionsJob', { taskQueue, workflowId: uniqueId('reconcile'), args: [] }), exited]);
  expect(summary).toMatchObject({ drift: { not_running: 1 }, repaired: 0 });
  const drift = await Promise.race([
    eventually(async () => {
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return body.match(/^tingjin_reconcile_drift\{[^}]*kind="not_running"[^}]*\} (\S+)$/m)?.[1];
    }, 30_000, 'the reconciler\'s drift counter'),
    exited,
  ]);
  expect(Number(drift)).toBe(1);

  // Every line the worker wrote is a JSON object (the SDK's own lines included), named and levelled.
  const lines = stdout.split('\n').filter((l) => l.trim());
  expect(lines.length).toBeGreaterThan(0);
  for (const l of lines) expect(JSON.parse(l)).toEqual(expect.objectContaining({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) }));
  expect(lines.map((l) => JSON.parse(l) as { name?: string; msg: string })).toContainEqual(expect.objectContaining({ name: 'worker', msg: expect.stringContaining('polling task queue') }));
  expect(stderr).toBe('');
});

/**
 * The worker process (`npm run worker`, worker/main.ts) as operators run it: with WORKER_METRICS_PORT it
 * serves the Temporal SDK's own metrics for Prometheus (Runtime.install's prometheus exporter), with the
 * drift found by the reconciler runs it executes (a per-process counter, summed over the workers), and it
 * logs JSON lines. Started as a process because the SDK's runtime is installed once per process, and the
 * jest process already has its own (test/helpers/setup-file.ts).
 */
import { createServer } from 'node:net';
import { eventually, setupTestEnv, uniqueId, type TestEnv } from '../helpers/env';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process';

let t: TestEnv;
let worker: WorkerProcess | undefined;
beforeAll(async () => {
  t = await setupTestEnv();
});
afterAll(async () => {
  await worker?.stop();
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
  const taskQueue = uniqueId('tq');
  const w = spawnWorker(t, taskQueue, { WORKER_METRICS_PORT: String(port) });
  worker = w;
  const exited = new Promise<never>((_, reject) => w.child.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${w.output()}`))));
  await w.ready;

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
  const lines = w.stdout().split('\n').filter((l) => l.trim());
  expect(lines.length).toBeGreaterThan(0);
  for (const l of lines) expect(JSON.parse(l)).toEqual(expect.objectContaining({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) }));
  expect(lines.map((l) => JSON.parse(l) as { name?: string; msg: string })).toContainEqual(expect.objectContaining({ name: 'worker', msg: expect.stringContaining('polling task queue') }));
  expect(w.stderr()).toBe('');
});

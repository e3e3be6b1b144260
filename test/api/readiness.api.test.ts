/**
 * Readiness (issue 10, "a worker that dies is noticed"): /health is liveness only; /ready checks
 * PostgreSQL, the Temporal frontend and the task queue's live workflow and activity pollers. With the
 * worker shut down, /ready is a 503 naming the missing pollers, and an action or a start is refused at
 * once with 503 worker_unavailable (nothing sent, nothing started) instead of waiting 30 s for an
 * answer; with a worker again, the same request with the same key goes through and nothing was lost.
 *
 * The server keeps a stopped poller listed with the time of its last poll, and a live idle worker
 * polls again only when its long poll expires (60 s by default). This file's dev server expires long
 * polls after 2 s, so the API's window can be 6 s and a stopped worker shows as gone within seconds.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createApp } from '../../api/app';
import { ActionLogSchema, NotificationSchema, ProcedureSchema } from '../../platform/entities';
import { createOrm, migrate } from '../../platform/orm';
import { payloadDataConverter } from '../../platform/payload-codec';
import { dropDatabase, ensureDatabase, withDatabase } from '../../platform/postgres';
import { seedDemoData } from '../../platform/seed';
import { ALL_SEARCH_ATTRIBUTES } from '../../procedures/kernel/messages';
import { createWorker } from '../../worker/worker';
import { apiClient, http, inboxTask, newKey, type Http } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';

let env: TestWorkflowEnvironment;
let client: Client;
let orm: MikroORM;
let bundle: WorkflowBundleWithSourceMap;
let dbName: string;
let server: Server;
let h: Http;
const taskQueue = uniqueId('tq');
let worker: { w: Worker; running: Promise<void> } | null = null;

async function startWorker(): Promise<void> {
  const w = await createWorker({ connection: env.nativeConnection, namespace: 'default', taskQueue, orm, workflowBundle: bundle });
  worker = { w, running: w.run() };
}
async function stopWorker(): Promise<void> {
  if (!worker) return;
  worker.w.shutdown();
  await worker.running;
  worker = null;
}

beforeAll(async () => {
  const adminUrl = process.env.TINGJIN_TEST_PG_ADMIN_URL!;
  dbName = `tingjin_test_${uniqueId('ready').replace(/-/g, '_')}`;
  await ensureDatabase(adminUrl, dbName);
  orm = await createOrm(withDatabase(adminUrl, dbName));
  await migrate(orm);
  await seedDemoData(orm);
  [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: process.env.TINGJIN_TEST_TEMPORAL_CLI! },
        searchAttributes: ALL_SEARCH_ATTRIBUTES,
        extraArgs: ['--log-level', 'error', '--dynamic-config-value', 'matching.longPollExpirationInterval="2s"'],
      },
      client: { dataConverter: payloadDataConverter() },
    }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } }),
  ]);
  await startWorker();
  client = apiClient(env);
  const { app } = createApp({ orm, client, taskQueue, sessionHours: 1 }, { readiness: { pollerWindowMs: 6_000 } });
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  h = http(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await stopWorker();
  await env?.teardown();
  await orm?.close();
  if (dbName) await dropDatabase(process.env.TINGJIN_TEST_PG_ADMIN_URL!, dbName);
});

const approval = (requestId: string) => ({
  requestId,
  title: '就绪检查测试',
  steps: [{ key: 's1', name: '审核', mode: 'sequential', assignees: { kind: 'user', userId: 'zzb-head' } }],
});

test('/ready is 200 with every check passing while a worker runs; /health is liveness', async () => {
  const ready = await eventually(async () => {
    const r = await h.call('GET', '/ready');
    return r.status === 200 ? r : undefined;
  }, 30_000, '/ready 200');
  // Public, so nothing beyond the verdict: no counts, no error texts.
  expect(ready.body).toEqual({ ready: true });
  expect(ready.headers.get('cache-control')).toBe('no-store');
  expect((await h.call('GET', '/health')).body).toEqual({ ok: true });
  // Both are in the OpenAPI document, as public routes.
  const doc = (await h.call('GET', '/openapi.json')).body;
  expect(doc.paths['/ready'].get.security).toEqual([]);
  expect(doc.paths['/ready'].get.responses).toHaveProperty('503');
  expect(doc.paths['/health'].get.security).toEqual([]);
});

test('with the worker shut down: /ready names the missing pollers, an action and a start are refused at once; with a worker again they go through', async () => {
  const token = await h.login('zzb-staff');
  const requestId = uniqueId('rd');
  const wf = `approval-${requestId}`;
  const started = await h.call('POST', '/procedures/approvalRequest', { token, key: newKey(), body: approval(requestId) });
  expect(started.status).toBe(201);
  const taskId = await inboxTask(h, 'zzb-head', wf, 's1');

  await stopWorker();
  // The server forgets the two kinds of pollers one after the other: wait until both are gone.
  const notReady = await eventually(async () => {
    const r = await h.call('GET', '/ready');
    return r.status === 503 && r.body.missing?.includes('workflowPollers') && r.body.missing?.includes('activityPollers') ? r : undefined;
  }, 30_000, '/ready 503 without either kind of poller');
  expect(notReady.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(notReady.body).toEqual({
    status: 503,
    code: 'not_ready',
    message: 'not ready: workflowPollers, activityPollers',
    missing: ['workflowPollers', 'activityPollers'],
  });
  // Liveness is not readiness: the process still answers.
  expect((await h.call('GET', '/health')).status).toBe(200);

  // An action (urge, by the initiator) is refused before it is sent: it would have waited 30 s.
  const urgeKey = newKey();
  const urge = { action: 'urge', taskId, comment: '请尽快审核' };
  const refused = await h.call('POST', `/procedures/${wf}/actions`, { token, key: urgeKey, body: urge });
  expect(refused.status).toBe(503);
  expect(refused.body).toMatchObject({ status: 503, code: 'worker_unavailable' });
  expect(refused.body.message).toMatch(/no worker is polling/);
  // So is a start: nothing is started in Temporal, and no procedure row is written.
  const otherId = uniqueId('rd');
  const startKey = newKey();
  const refusedStart = await h.call('POST', '/procedures/approvalRequest', { token, key: startKey, body: approval(otherId) });
  expect(refusedStart.status).toBe(503);
  expect(refusedStart.body).toMatchObject({ code: 'worker_unavailable' });
  await expect(env.client.workflow.getHandle(`approval-${otherId}`).describe()).rejects.toThrow();
  expect(await orm.em.fork().count(ProcedureSchema, { workflowId: `approval-${otherId}` })).toBe(0);
  // And the task action itself.
  const approveKey = newKey();
  const refusedAct = await h.call('POST', `/tasks/${taskId}/actions`, { token: await h.login('zzb-head'), key: approveKey, body: { action: 'approve' } });
  expect(refusedAct.status).toBe(503);
  expect(refusedAct.body).toMatchObject({ code: 'worker_unavailable' });

  // A worker again: ready, and the same requests with the same keys go through.
  await startWorker();
  await eventually(async () => ((await h.call('GET', '/ready')).status === 200 ? true : undefined), 30_000, '/ready 200 again');
  const urged = await h.call('POST', `/procedures/${wf}/actions`, { token, key: urgeKey, body: urge });
  expect(urged.status).toBe(200);
  expect(urged.body).toMatchObject({ action: 'urge', notified: ['zzb-head'] });
  expect((await h.call('POST', '/procedures/approvalRequest', { token, key: startKey, body: approval(otherId) })).status).toBe(201);
  const approved = await h.call('POST', `/tasks/${taskId}/actions`, { token: await h.login('zzb-head'), key: approveKey, body: { action: 'approve' } });
  expect(approved.status).toBe(200);
  expect(approved.body).toMatchObject({ status: 'approved' });
  // Nothing lost, nothing twice: the start, one urge, one approval.
  const em = orm.em.fork();
  const actions = await em.find(ActionLogSchema, { workflowId: wf }, { orderBy: { seq: 'asc' } });
  expect(actions.map((a) => a.action)).toEqual(['start', 'urge', 'approve']);
  expect(await em.count(NotificationSchema, { workflowId: wf, kind: 'urge' })).toBe(1);
});

test('/ready checks the backends at most once per 2 s: concurrent and repeated calls share one check', async () => {
  // Past any answer cached by the tests above.
  await new Promise((r) => setTimeout(r, 2_100));
  const systemInfo = jest.spyOn(client.workflowService, 'getSystemInfo');
  try {
    const burst = await Promise.all(Array.from({ length: 20 }, () => h.call('GET', '/ready')));
    expect(new Set(burst.map((r) => r.status))).toEqual(new Set([200]));
    const again = await h.call('GET', '/ready');
    expect(again.status).toBe(200);
    // One check for 21 calls: one call to the Temporal frontend.
    expect(systemInfo).toHaveBeenCalledTimes(1);
    // Once the answer is older than 2 s, the next call checks again.
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await h.call('GET', '/ready')).status).toBe(200);
    expect(systemInfo).toHaveBeenCalledTimes(2);
  } finally {
    systemInfo.mockRestore();
  }
});

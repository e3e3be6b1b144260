/**
 * PostgreSQL down (issue 10: "while PostgreSQL is down, every route answers 503 database_unavailable,
 * never 500 internal_error"). This file runs its own PostgreSQL, stops it for real (a fast shutdown:
 * open connections are terminated with 57P01, new ones refused), and asks login, the inbox, a start,
 * a task action, a procedure action and /ready meanwhile. Then it starts the same cluster again: the
 * API serves again without a restart, the refused requests repeated with their keys go through, an
 * action that was in flight at the stop is there exactly once, and nothing from before was lost.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { applyTransitions } from '../../activities/projection';
import { ActionLogSchema, ProcedureSchema } from '../../platform/entities';
import type { Transition } from '../../procedures/kernel/messages';
import { startEmbeddedPostgres, type RunningPostgres } from '../../platform/postgres';
import { http, inboxTask, newKey, startApi, type ApiHarness, type Http } from '../helpers/api';
import { eventually, setupTestEnv, uniqueId, type TestEnv } from '../helpers/env';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

let dir: string;
let port: number;
let pg: RunningPostgres | null = null;
let t: TestEnv;
let api: ApiHarness;
let h: Http;
/** The procedure whose next approval stops PostgreSQL from inside its projection (set by the test). */
let stopInProjectionOf: string | null = null;
let stoppedInProjection: (() => void) | null = null;

const startPg = async () => {
  pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port });
};
const stopPg = async () => {
  await pg?.stop();
  pg = null;
};

beforeAll(async () => {
  // Not the shared PostgreSQL of the test run: other files use it meanwhile.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-pgdown-'));
  fs.chmodSync(dir, 0o755); // initdb runs as the postgres user, which must enter it
  port = await freePort();
  await startPg();
  const shared = process.env.TINGJIN_TEST_PG_ADMIN_URL;
  process.env.TINGJIN_TEST_PG_ADMIN_URL = pg!.adminUrl;
  try {
    t = await setupTestEnv();
  } finally {
    process.env.TINGJIN_TEST_PG_ADMIN_URL = shared;
  }
  // The projection, as the worker runs it, except that the approval named by the test stops PostgreSQL
  // first: that action is then truly in flight, past the API's reads, inside Temporal, unwritten.
  api = await startApi(t, {
    project: async (transitions: Transition[]) => {
      if (stopInProjectionOf && transitions.some((x) => x.workflowId === stopInProjectionOf && x.action?.action === 'approve')) {
        stopInProjectionOf = null;
        await stopPg();
        stoppedInProjection?.();
      }
      return applyTransitions(t.orm.em.fork(), transitions);
    },
  });
  h = http(api.baseUrl);
});

afterAll(async () => {
  stopInProjectionOf = null;
  // First: a test that failed mid-outage leaves work waiting for PostgreSQL (the in-flight projection,
  // which the worker's shutdown waits for), and the teardown drops the test database.
  if (!pg && dir) await startPg();
  await api?.stop();
  await t?.teardown();
  await stopPg();
  fs.rmSync(dir, { recursive: true, force: true });
});

const approval = (requestId: string) => ({
  requestId,
  title: '数据库中断测试',
  steps: [
    { key: 's1', name: '审核', mode: 'sequential', assignees: { kind: 'user', userId: 'zzb-head' } },
    { key: 's2', name: '审批', mode: 'sequential', assignees: { kind: 'user', userId: 'zzb-head' } },
  ],
});

test('while PostgreSQL is down every route answers 503 database_unavailable; afterwards it serves again and nothing was lost', async () => {
  const staff = await h.login('zzb-staff');
  const head = await h.login('zzb-head');
  const a = uniqueId('dbd');
  const wfA = `approval-${a}`;
  expect((await h.call('POST', '/procedures/approvalRequest', { token: staff, key: newKey(), body: approval(a) })).status).toBe(201);
  const taskA = await inboxTask(h, 'zzb-head', wfA, 's1');
  const c = uniqueId('dbd');
  const wfC = `approval-${c}`;
  expect((await h.call('POST', '/procedures/approvalRequest', { token: staff, key: newKey(), body: approval(c) })).status).toBe(201);
  const taskC = await inboxTask(h, 'zzb-head', wfC, 's1');

  // An action in flight when PostgreSQL stops: the worker's projection of it stops the server.
  const inFlightKey = newKey();
  const stopped = new Promise<void>((resolve) => (stoppedInProjection = resolve));
  stopInProjectionOf = wfC;
  const inFlight = h.call('POST', `/tasks/${taskC}/actions`, { token: head, key: inFlightKey, body: { action: 'approve' } });
  await stopped;

  const b = uniqueId('dbd');
  const approveKey = newKey();
  const startKey = newKey();
  const during = {
    login: await h.call('POST', '/auth/login', { body: { username: 'zzb-staff', password: 'whatever-it-is' } }),
    inbox: await h.call('GET', '/inbox', { token: head }),
    start: await h.call('POST', '/procedures/approvalRequest', { token: staff, key: startKey, body: approval(b) }),
    act: await h.call('POST', `/tasks/${taskA}/actions`, { token: head, key: approveKey, body: { action: 'approve' } }),
    manage: await h.call('POST', `/procedures/${wfA}/actions`, { token: staff, key: newKey(), body: { action: 'urge', taskId: taskA } }),
    procedure: await h.call('GET', `/procedures/${wfA}`, { token: staff }),
  };
  for (const [what, r] of Object.entries(during)) {
    expect({ what, status: r.status, body: r.body }).toEqual({
      what,
      status: 503,
      body: { status: 503, code: 'database_unavailable', message: expect.stringMatching(/database is unavailable/) },
    });
  }
  const ready = await h.call('GET', '/ready');
  expect(ready.status).toBe(503);
  expect(ready.body).toMatchObject({ code: 'not_ready' });
  expect(ready.body.missing).toContain('database');
  expect(ready.body.missing).not.toContain('temporal');
  // Nothing was sent to Temporal meanwhile: the refused start does not exist there.
  await expect(t.env.client.workflow.getHandle(`approval-${b}`).describe()).rejects.toThrow();

  await startPg();
  // The same API process, the same pool: it reconnects on its own.
  await eventually(async () => ((await h.call('GET', '/ready')).status === 200 ? true : undefined), 60_000, '/ready 200 after the restart');
  expect((await h.call('POST', '/auth/login', { body: { username: 'zzb-staff', password: 'whatever-it-is' } })).status).toBe(401);
  expect((await h.call('GET', '/inbox', { token: head })).status).toBe(200);

  // The in-flight action completes: its projection was retried until PostgreSQL came back, and it answers.
  const first = await inFlight;
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ action: 'approve', nextTask: { step: 's2' } });
  // Its repeat gets the same outcome and takes nothing again.
  const again = await h.call('POST', `/tasks/${taskC}/actions`, { token: head, key: inFlightKey, body: { action: 'approve' } });
  expect(again.status).toBe(200);
  expect(again.body).toEqual(first.body);
  const approved = await h.call('POST', `/tasks/${taskA}/actions`, { token: head, key: approveKey, body: { action: 'approve' } });
  expect(approved.status).toBe(200);
  expect(approved.body).toMatchObject({ action: 'approve', nextTask: { step: 's2' } });
  expect((await h.call('POST', '/procedures/approvalRequest', { token: staff, key: startKey, body: approval(b) })).status).toBe(201);

  const em = t.orm.em.fork();
  for (const wf of [wfA, wfC]) {
    const rows = await em.find(ActionLogSchema, { workflowId: wf }, { orderBy: { seq: 'asc' } });
    expect({ wf, actions: rows.map((r) => r.action) }).toEqual({ wf, actions: ['start', 'approve'] });
  }
  expect(await em.count(ProcedureSchema, { workflowId: { $in: [wfA, wfC, `approval-${b}`] } })).toBe(3);
  const inbox = await h.call('GET', '/inbox', { token: head });
  const open = (inbox.body as { workflowId: string; step: string }[]).filter((x) => [wfA, wfC].includes(x.workflowId)).map((x) => `${x.workflowId}:${x.step}`);
  expect(open.sort()).toEqual([`${wfA}:s2`, `${wfC}:s2`].sort());
});

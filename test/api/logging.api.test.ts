/**
 * Operators' view of a request (issue 13, "For operators"): the request id comes back in X-Request-Id and
 * names the request's JSON log lines, with the workflow and task the request was about; a hostile
 * X-Request-Id is replaced, never echoed; and an action's Update latency reaches /metrics labelled with
 * its procedure type. The app logs to a stream the test reads, so nothing depends on LOG_LEVEL.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app';
import { serve } from '../../api/server';
import { createLogger } from '../../platform/log';
import { createWorker } from '../../worker/worker';
import { apiClient, inboxTask, http, type Http } from '../helpers/api';
import { setupTestEnv, uniqueId, type TestEnv } from '../helpers/env';
import { workflowIds } from '../helpers/ids';
import { addCommittee } from '../helpers/members';

const METRICS_TOKEN = 'metrics-token-for-this-test';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Line = Record<string, unknown> & { msg?: string; reqId?: string };
const lines: Line[] = [];
const raw: string[] = [];

let t: TestEnv;
let server: Server;
let baseUrl: string;
let h: Http;
let stopWorker: () => Promise<void>;
let leaders: string[];

beforeAll(async () => {
  t = await setupTestEnv();
  leaders = await addCommittee(t.orm, 'ld', 'ld', 2);
  const taskQueue = uniqueId('tq');
  const worker = await createWorker({ connection: t.env.nativeConnection, namespace: 'default', taskQueue, orm: t.orm, workflowBundle: t.bundle });
  const running = worker.run();
  stopWorker = async () => {
    worker.shutdown();
    await running;
  };
  const logger = createLogger({
    level: 'debug',
    destination: {
      write(s: string) {
        raw.push(s);
        lines.push(JSON.parse(s) as Line);
      },
    },
  });
  const { app } = createApp({ orm: t.orm, client: apiClient(t.env), taskQueue, sessionHours: 1 }, { logger, metricsToken: METRICS_TOKEN });
  server = await serve(app, 0, '127.0.0.1');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  h = http(baseUrl);
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await stopWorker?.();
  await t?.teardown();
});

async function send(method: string, path: string, opts: { token?: string; key?: string; body?: unknown; headers?: [string, string][] } = {}) {
  const headers = new Headers();
  if (opts.token) headers.set('authorization', `Bearer ${opts.token}`);
  if (opts.key) headers.set('idempotency-key', opts.key);
  if (opts.body !== undefined) headers.set('content-type', 'application/json');
  for (const [k, v] of opts.headers ?? []) headers.append(k, v);
  const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
}

/** The request's closing line (written when the answer is finished, so it may trail the answer). */
async function closingLine(reqId: string): Promise<Line> {
  for (let i = 0; i < 100; i++) {
    const line = lines.find((l) => l.reqId === reqId && typeof l.status === 'number');
    if (line) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no closing line for ${reqId}; lines: ${raw.slice(-5).join('')}`);
}

async function startRequest(token: string, requestId: string, reqId?: string) {
  return send('POST', '/procedures/approvalRequest', {
    token,
    key: uniqueId('key-0000'),
    body: { requestId, title: '日志测试', steps: [{ key: 'countersign', name: '会签', mode: 'all', assignees: { kind: 'role', role: 'approver', unitId: 'ld' } }] },
    ...(reqId ? { headers: [['X-Request-Id', reqId]] } : {}),
  });
}

async function scrape(): Promise<string> {
  const r = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(r.status).toBe(200);
  return r.text();
}

function sampleCount(text: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`tingjin_update_duration_seconds_count{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

test('the request id comes back and names the request’s log lines, with its workflow and task', async () => {
  const staff = await h.login('zzb-staff');
  const rid = uniqueId('req');
  const wf = workflowIds.approvalRequest(rid);
  const startId = `start-${rid}`;
  const started = await startRequest(staff, rid, startId);
  expect(started.status).toBe(201);
  expect(started.headers.get('x-request-id')).toBe(startId);
  const startLine = await closingLine(startId);
  expect(startLine).toMatchObject({ level: 'info', reqId: startId, workflowId: wf, method: 'POST', route: '/procedures/approvalRequest', status: 201 });

  const taskId = await inboxTask(h, leaders[0]!, wf, 'countersign');
  const actId = `trace.${rid}:act_1`;
  const acted = await send('POST', `/tasks/${taskId}/actions`, {
    token: await h.login(leaders[0]!),
    key: uniqueId('key-0000'),
    body: { action: 'approve', comment: '同意' },
    headers: [['X-Request-Id', actId]],
  });
  expect(acted.status).toBe(200);
  expect(acted.headers.get('x-request-id')).toBe(actId);
  // The task route names the task; the Update it sent names the workflow.
  expect(await closingLine(actId)).toMatchObject({ reqId: actId, workflowId: wf, taskId, route: '/tasks/:taskId/actions', status: 200 });
  // No header of the request (a bearer token) reaches the logs.
  expect(raw.join('')).not.toContain(staff);

  // Without a header, a fresh id; every answer has one, an error too.
  const none = await send('GET', '/no/such/route');
  expect(none.status).toBe(404);
  expect(none.headers.get('x-request-id')).toMatch(UUID);
  expect(await closingLine(none.headers.get('x-request-id')!)).toMatchObject({ status: 404, path: '/no/such/route' });
});

test('a hostile X-Request-Id is replaced with a fresh one and never echoed, in the answer or the logs', async () => {
  const hostile = [
    'a'.repeat(129),
    'two words',
    '"},"level":"fatal","admin":true,"x":{"',
    '<script>alert(1)</script>',
    // UTF-8 bytes, as a client sends them (fetch takes a header only as bytes 0-255).
    Buffer.from('请求-1').toString('latin1'),
    '../../etc/passwd',
  ];
  for (const value of hostile) {
    const r = await send('GET', '/health', { headers: [['X-Request-Id', value]] });
    expect(r.status).toBe(200);
    const id = r.headers.get('x-request-id');
    expect(id).toMatch(UUID);
    expect((await closingLine(id!)).reqId).toBe(id);
  }
  // Two headers arrive joined with a comma: not one safe id.
  const twice = await send('GET', '/health', { headers: [['X-Request-Id', 'first-id'], ['X-Request-Id', 'second-id']] });
  expect(twice.headers.get('x-request-id')).toMatch(UUID);
  const all = raw.join('');
  for (const value of ['a'.repeat(129), 'two words', '"admin"', '\\"admin\\"', '<script>', '请求', Buffer.from('请求').toString('latin1'), 'etc/passwd', 'first-id']) expect(all).not.toContain(value);
});

test('an action’s Update latency is in /metrics, labelled with its procedure type, update and outcome', async () => {
  const staff = await h.login('zzb-staff');
  const rid = uniqueId('req');
  const wf = workflowIds.approvalRequest(rid);
  const before = await scrape();
  const okBefore = sampleCount(before, 'type="approvalRequest",update="act",outcome="ok"');
  const refusedBefore = sampleCount(before, 'type="approvalRequest",update="act",outcome="refused"');
  const openedBefore = sampleCount(before, 'type="approvalRequest",update="opened",outcome="ok"');

  expect((await startRequest(staff, rid)).status).toBe(201);
  const taskId = await inboxTask(h, leaders[1]!, wf, 'countersign');
  const token = await h.login(leaders[1]!);
  expect((await send('POST', `/tasks/${taskId}/actions`, { token, key: uniqueId('key-0000'), body: { action: 'approve' } })).status).toBe(200);
  // The same task again: the workflow's validator refuses it; the type then comes from the projection.
  const again = await send('POST', `/tasks/${taskId}/actions`, { token, key: uniqueId('key-0000'), body: { action: 'approve' } });
  expect(again.status).toBe(409);

  const after = await scrape();
  expect(after).toContain('# TYPE tingjin_update_duration_seconds histogram');
  expect(sampleCount(after, 'type="approvalRequest",update="opened",outcome="ok"')).toBe(openedBefore + 1);
  expect(sampleCount(after, 'type="approvalRequest",update="act",outcome="ok"')).toBe(okBefore + 1);
  expect(sampleCount(after, 'type="approvalRequest",update="act",outcome="refused"')).toBe(refusedBefore + 1);
  expect(after).not.toContain('type="unknown"');
});

/** Runs the API over HTTP (on a free port) and a worker, against the file's Temporal server and database. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { createApp } from '../../api/app';
import { serve } from '../../api/server';
import { ActionLogSchema, AuditLogSchema, IdempotencyRecordSchema } from '../../platform/entities';
import { payloadDataConverter } from '../../platform/payload-codec';
import { DEMO_PASSWORD } from '../../platform/seed';
import { createWorker } from '../../worker/worker';
import { eventually, setupTestEnv, uniqueId, type TestEnv } from './env';

export interface ApiHarness {
  baseUrl: string;
  taskQueue: string;
  worker: Worker;
  stop(): Promise<void>;
}

/** The API's client, on the native connection and with the payload codec, as platform/temporal.ts connectClient makes it in production. */
export function apiClient(env: TestWorkflowEnvironment): Client {
  return new Client({ connection: env.nativeConnection, namespace: 'default', dataConverter: payloadDataConverter() });
}

export async function startApi(t: TestEnv, activityOverrides?: Partial<Activities>): Promise<ApiHarness> {
  const taskQueue = uniqueId('tq');
  const worker = await createWorker({
    connection: t.env.nativeConnection,
    namespace: 'default',
    taskQueue,
    orm: t.orm,
    workflowBundle: t.bundle,
    ...(activityOverrides ? { activityOverrides } : {}),
  });
  const running = worker.run();
  const { app } = createApp({ orm: t.orm, client: apiClient(t.env), taskQueue, sessionHours: 1 });
  const server: Server = await serve(app, 0, '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    taskQueue,
    worker,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      worker.shutdown();
      await running;
    },
  };
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export function http(baseUrl: string) {
  async function call<T = any>(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; rawBody?: string; key?: string } = {},
  ): Promise<HttpResult<T>> {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.key) headers['idempotency-key'] = opts.key;
    if (opts.body !== undefined || opts.rawBody !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: opts.rawBody ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: body as T, headers: res.headers };
  }
  const tokens = new Map<string, string>();
  return {
    call,
    async login(username: string): Promise<string> {
      const cached = tokens.get(username);
      if (cached) return cached;
      const r = await call('POST', '/auth/login', { body: { username, password: DEMO_PASSWORD } });
      if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.body)}`);
      tokens.set(username, r.body.token);
      return r.body.token as string;
    },
  };
}

export type Http = ReturnType<typeof http>;

/**
 * One stack per test file: a database, a Temporal dev server, a worker and the API over HTTP.
 * `prepare` runs once the database exists, before the API starts (extra master data, say).
 */
export function useApiStack(
  prepare?: (t: TestEnv) => Promise<void>,
  activityOverrides?: Partial<Activities>,
): { t: TestEnv; api: ApiHarness; h: Http } {
  const stack = {} as { t: TestEnv; api: ApiHarness; h: Http };
  beforeAll(async () => {
    stack.t = await setupTestEnv();
    await prepare?.(stack.t);
    stack.api = await startApi(stack.t, activityOverrides);
    stack.h = http(stack.api.baseUrl);
  });
  afterAll(async () => {
    await stack.api?.stop();
    await stack.t?.teardown();
  });
  return stack;
}

/** A fresh Idempotency-Key. */
export const newKey = (): string => uniqueId('key-0000');

/** The user's pending task at `step` of a procedure, once the inbox projection shows it. */
export async function inboxTask(h: Http, user: string, workflowId: string, step: string): Promise<string> {
  const token = await h.login(user);
  return eventually(async () => {
    const r = await h.call('GET', '/inbox', { token });
    return (r.body as { id: string; workflowId: string; step: string }[]).find((x) => x.workflowId === workflowId && x.step === step)?.id;
  }, 30_000, `${user}'s ${step} task on ${workflowId}`);
}

/**
 * What a refused action must leave unchanged: the procedure's action rows, audit entries and workflow
 * history, and the idempotency records. Measured once the procedure is quiet (no activity pending),
 * so a projection finishing in the background is not mistaken for a trace.
 */
export async function traceOf(t: TestEnv, workflowId: string): Promise<{ actions: number; audit: number; history: number; idempotency: number }> {
  const history = await historyAtRest(t, workflowId);
  const em = t.orm.em.fork();
  return {
    actions: await em.count(ActionLogSchema, { workflowId }),
    audit: await em.count(AuditLogSchema, { workflowId }),
    history,
    idempotency: await em.count(IdempotencyRecordSchema, {}),
  };
}

/**
 * The length of a workflow's history once it is at rest: no activity and no workflow task in flight (under
 * load, a task row is written by the local activity before its workflow task completes, so a count taken
 * then would still grow). A procedure can be in an inbox before its run has taken its first workflow task (a
 * fanned-out child, a start the API opened), so on a slow day a count can catch that task still to run: the
 * history must end at rest, and describe and the history must agree on its length, or it is read again.
 */
export async function historyAtRest(t: TestEnv, workflowId: string): Promise<number> {
  const handle = t.env.client.workflow.getHandle(workflowId);
  return eventually(
    async () => {
      const described = await handle.describe().catch((err: unknown) => {
        // Not started yet: its parent projected its first task before starting it.
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      });
      if (!described || described.raw.pendingActivities?.length || described.raw.pendingWorkflowTask) return undefined;
      const events = (await handle.fetchHistory()).events ?? [];
      const last = events.at(-1)?.eventType;
      if (last == null || IN_FLIGHT.has(last)) return undefined;
      const again = await handle.describe();
      return Number(again.raw.workflowExecutionInfo?.historyLength) === events.length ? events.length : undefined;
    },
    30_000,
    `${workflowId} to be at rest`,
  );
}

/** History events after which the workflow is not at rest: a workflow task or an activity is under way. */
const IN_FLIGHT: ReadonlySet<temporal.api.enums.v1.EventType> = new Set([
  temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
]);

/**
 * The load side of the benches: an HTTP client, a closed loop of clients, and the API procedure one
 * client runs (start, then five approvals). Kept apart from the stack so that it can run in a process of
 * its own (bench/api-clients.ts): a load generator sharing the server's event loop would bill its own
 * CPU (HTTP, JSON) to the server under test.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import type { StartAnswer } from '../api/temporal';
import type { ActResult, TaskView } from '../procedures/kernel/messages';
import type { ClientJob } from './api-clients';
import { approveUpdate, BASELINE_TASK_QUEUE, type baselineApproval } from './baseline-workflow';

export const STEPS = 5;
/** Starts approval requests (role staff). */
export const STARTER = 'zzb-staff';
/** One seeded user per step; a step's assignee must be a real user, any role. */
export const ASSIGNEES = ['zzb-head', 'xcb-reviewer', 'xcb-director', 'jyj-head', 'wjw-head'] as const;

export const round1 = (n: number): number => Math.round(n * 10) / 10;
export const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export interface HttpAnswer<T> {
  status: number;
  body: T;
  ms: number;
}

/**
 * Node's own HTTP client on kept-alive sockets, not fetch: the load generator shares the machine's 2 cores
 * with the stack it measures, and fetch (undici) took about 5 times the CPU per request (305 against 53 µs,
 * 8 concurrent POSTs to a trivial server), 10–13 ms per procedure in the API mode's clients process.
 */
const agent = new http.Agent({ keepAlive: true });

function request(url: string, headers: http.OutgoingHttpHeaders, payload: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export async function post<T>(baseUrl: string, urlPath: string, opts: { token?: string; key?: string; body: unknown }): Promise<HttpAnswer<T>> {
  const payload = JSON.stringify(opts.body);
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.key) headers['idempotency-key'] = opts.key;
  const started = performance.now();
  const { status, text } = await request(`${baseUrl}${urlPath}`, headers, payload);
  const ms = performance.now() - started;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status, body: body as T, ms };
}

export interface Sample {
  workflowId: string;
  startMs: number;
  actionMs: number[];
  /** With a retry policy: requests sent again (same Idempotency-Key) after a failure. */
  retries?: number;
  /** With a retry policy: every request's final answer, to compare with a later repeat. */
  answers?: KeyedAnswer[];
}

/** One POST as a client made it, and the answer it kept. */
export interface KeyedAnswer {
  path: string;
  user: string;
  key: string;
  body: unknown;
  status: number;
  answer: unknown;
}

/**
 * How a client rides out a fault (bench/cluster-faults.ts): a request that fails in transport, with
 * a 5xx, or with 409 idempotency_in_progress (its first attempt died with an API process and holds the
 * key until its lease lapses) is sent again with the same Idempotency-Key, to the next API, every
 * `intervalMs` for up to `forMs`.
 */
export interface RetryPolicy {
  forMs: number;
  intervalMs: number;
}

function retriable(a: HttpAnswer<unknown>): boolean {
  return a.status >= 500 || (a.status === 409 && (a.body as { code?: string } | null)?.code === 'idempotency_in_progress');
}

async function postRetrying<T>(urls: readonly string[], first: number, urlPath: string, opts: { token?: string; key: string; body: unknown }, policy: RetryPolicy, count: { retries: number }): Promise<HttpAnswer<T>> {
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    const url = urls[(first + attempt) % urls.length] as string;
    let answer: HttpAnswer<T> | null = null;
    let failure = '';
    try {
      answer = await post<T>(url, urlPath, opts);
      if (!retriable(answer)) return { ...answer, ms: performance.now() - started };
      failure = `${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`;
    } catch (err) {
      failure = String((err as { cause?: unknown }).cause ?? err);
    }
    if (performance.now() - started > policy.forMs) throw new Error(`${urlPath} (key ${opts.key}) still failing after ${attempt + 1} attempts: ${failure}`);
    count.retries += 1;
    await sleep(policy.intervalMs);
  }
}

export interface LoopResult {
  samples: Sample[];
  errors: string[];
  wallMs: number;
}

/** `clients` concurrent clients, each running one procedure after another until `total` have run. */
export async function closedLoop(clients: number, total: number, one: (i: number) => Promise<Sample>): Promise<LoopResult> {
  let next = 0;
  const samples: Sample[] = [];
  const errors: string[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        try {
          samples.push(await one(i));
        } catch (err) {
          errors.push(err instanceof Error ? err.message : String(err));
        }
      }
    }),
  );
  return { samples, errors, wallMs: performance.now() - started };
}

/**
 * One API procedure: POST /procedures/approvalRequest (5 sequential steps, one seeded user each), then
 * POST /tasks/:taskId/actions {"action":"approve"} by each step's assignee, from the answer's nextTask.
 * With several base URLs, procedure i starts on the (i mod n)-th API; with a retry policy, a failed
 * request is sent again with the same key (RetryPolicy) and every answer is kept in the sample.
 */
export function apiRunner(baseUrl: string | readonly string[], tokens: ReadonlyMap<string, string>, tag: string, retry?: RetryPolicy): (i: number) => Promise<Sample> {
  const urls = typeof baseUrl === 'string' ? [baseUrl] : baseUrl;
  return async (i) => {
    const count = { retries: 0 };
    const answers: KeyedAnswer[] = [];
    const send = async <T>(urlPath: string, user: string, key: string, body: unknown): Promise<HttpAnswer<T>> => {
      const opts = { token: tokens.get(user), key, body };
      const r = retry ? await postRetrying<T>(urls, i, urlPath, opts, retry, count) : await post<T>(urls[i % urls.length] as string, urlPath, opts);
      if (retry) answers.push({ path: urlPath, user, key, body, status: r.status, answer: r.body });
      return r;
    };
    const requestId = `bench-${tag}-${i}`;
    const body = {
      requestId,
      title: `bench ${tag} #${i}`,
      steps: ASSIGNEES.map((userId, s) => ({ key: `s${s + 1}`, name: `step ${s + 1}`, mode: 'sequential', assignees: { kind: 'user', userId } })),
    };
    const started = await send<StartAnswer>('/procedures/approvalRequest', STARTER, `start-${requestId}`, body);
    if (started.status !== 201) throw new Error(`start ${requestId}: ${started.status} ${JSON.stringify(started.body)}`);
    let task: TaskView | null = started.body.openTasks[0] ?? null;
    const actionMs: number[] = [];
    for (let s = 0; s < STEPS; s++) {
      if (!task) throw new Error(`${requestId}: no open task before step ${s + 1}`);
      const assignee = task.assigneeIds[0] ?? '';
      const r = await send<Omit<ActResult, 'transitions'>>(`/tasks/${encodeURIComponent(task.taskId)}/actions`, assignee, `act-${requestId}-${s + 1}`, { action: 'approve' });
      if (r.status !== 200) throw new Error(`${task.taskId} approve by ${assignee}: ${r.status} ${JSON.stringify(r.body)}`);
      actionMs.push(r.ms);
      task = r.body.nextTask;
      if (s === STEPS - 1 && (task || r.body.status !== 'approved')) throw new Error(`${requestId}: after the last step ${JSON.stringify(r.body)}`);
    }
    return { workflowId: started.body.workflowId, startMs: started.ms, actionMs, ...(retry ? { retries: count.retries, answers } : {}) };
  };
}

/**
 * One raw procedure: the Temporal client starts the baseline workflow (bench/baseline-workflow.ts),
 * then sends its 5 Updates; each awaits one activity, a regular one or (local) a local one.
 */
export function rawRunner(client: Client, local: boolean, tag: string): (i: number) => Promise<Sample> {
  const mode = local ? 'raw-local' : 'raw-regular';
  return async (i) => {
    const workflowId = `bench-${mode}-${tag}-${i}`;
    const s0 = performance.now();
    const handle = await client.workflow.start<typeof baselineApproval>('baselineApproval', {
      taskQueue: BASELINE_TASK_QUEUE,
      workflowId,
      args: [{ steps: STEPS, local }],
    });
    const startMs = performance.now() - s0;
    const actionMs: number[] = [];
    for (let step = 0; step < STEPS; step++) {
      const a0 = performance.now();
      const answer = await handle.executeUpdate(approveUpdate, { args: [{ step, actorId: ASSIGNEES[step] as string }] });
      actionMs.push(performance.now() - a0);
      if (answer.approved !== step + 1) throw new Error(`${workflowId}: step ${step} answered ${JSON.stringify(answer)}`);
    }
    return { workflowId, startMs, actionMs };
  };
}

/** A port nobody listens on now, for a server the bench starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        out[i] = await fn(items[i] as T, i);
      }
    }),
  );
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A command-line integer of the benches, at least `min`; anything else stops the bench with its flag named. */
export function intArg(flag: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer >= ${min}, got ${String(v)}`);
  return n;
}

/**
 * Runs the API mode's closed loop in a child process (bench/api-clients.ts), so the load generator's
 * CPU (fetch, JSON) is not billed to the server it measures; it reports its own as `cores.clients`.
 */
export function loopInChild(job: ClientJob): Promise<{ loop: LoopResult; cpuMicros: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(require.resolve('./api-clients'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answer: { loop: LoopResult; cpuMicros: number } | null = null;
    child.once('message', (m) => (answer = m as { loop: LoopResult; cpuMicros: number }));
    child.once('error', reject);
    child.once('exit', (code) => (answer ? resolve(answer) : reject(new Error(`the clients' process exited with ${String(code)}`))));
    child.send(job);
  });
}

/**
 * Fuzz test (issue 10 §9): fast-check generates requests for every route of the API's own OpenAPI
 * document (GET /openapi.json) — valid, near-valid and hostile bodies, path parameters, query strings
 * and headers (test/helpers/fuzz.ts) — and sends them to the running stack (API, worker, Temporal,
 * PostgreSQL). What must hold for every one of them:
 *  - no 5xx (a 503 too: the worker is running, so worker_unavailable would mean it died);
 *  - every 4xx is a JSON problem {status, code, message} that does not echo the hostile text it refuses;
 *  - a request that breaks a rule of the edge (unclean text, nesting, no credential, no key) is a 4xx;
 *  - no change of state after a 4xx: the content of every table (sessions and login throttling aside),
 *    the number of workflows and the histories of the procedures the fuzzer aims at are the same before
 *    and after requests that were all refused;
 *  - the worker still runs at the end, and a new procedure still starts and moves.
 *
 * The requests come from a fixed seed and from a seed of this run; both are printed, and a failure
 * names its seed and index, so `FUZZ_SEED=<seed>` repeats the run's part exactly.
 */
import { request as httpRequest, Agent } from 'node:http';
import fc from 'fast-check';
import { DEMO_USERS } from '../../platform/seed';
import { describeRequest, recipeArb, requestArb, routesOf, type FuzzRequest, type FuzzWorld, type Recipe } from '../helpers/fuzz';
import { historyAtRest, inboxTask, newKey, useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';

jest.setTimeout(300_000);

const stack = useApiStack();

const FIXED_SEED = 20_261_130;
const RUN_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
/** Per seed: requests that must be refused (phase 1), then a mix (phase 2): 2 × (1,100 + 1,000) = 4,200. */
const HOSTILE_PER_SEED = Number(process.env.FUZZ_HOSTILE ?? 1_100);
const MIXED_PER_SEED = Number(process.env.FUZZ_MIXED ?? 1_000);
const CONCURRENCY = 6;

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/**
 * Sends the request as generated: node:http, so the path is not normalised and latin1 bytes go as they are.
 * A kept-alive socket that the server closed while it was idle (its keep-alive timeout passed while the next
 * phase's requests were generated) resets the request before the server reads it: that one is sent again on
 * a new socket, as Node's documentation advises (`request.reusedSocket`). A reset on a new socket is reported.
 */
async function send(baseUrl: string, r: FuzzRequest): Promise<Answer> {
  try {
    return await sendOnce(baseUrl, r);
  } catch (err) {
    if ((err as { staleSocket?: boolean }).staleSocket) return sendOnce(baseUrl, r);
    throw err;
  }
}

function sendOnce(baseUrl: string, r: FuzzRequest): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: r.method,
        path: r.path,
        agent,
        headers: { ...r.headers, ...(r.body ? { 'content-length': String(r.body.length) } : {}) },
        timeout: 45_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer in 45 s (a stuck request)')));
    req.on('error', (err: NodeJS.ErrnoException) => reject(req.reusedSocket && err.code === 'ECONNRESET' ? Object.assign(err, { staleSocket: true }) : err));
    if (r.body) req.write(r.body);
    req.end();
  });
}

/** What is wrong with one answer, or null. */
function problemWith(r: FuzzRequest, a: Answer): string | null {
  if (a.status >= 500) return `answered ${a.status}: ${a.text.slice(0, 300)}`;
  if (r.mustRefuse && (a.status < 400 || a.status >= 500)) return `must be refused (${r.why.join('; ')}) but answered ${a.status}`;
  if (a.status >= 400) {
    if (!/json/.test(a.contentType)) return `a ${a.status} that is not JSON (${a.contentType}): ${a.text.slice(0, 200)}`;
    let body: { status?: unknown; code?: unknown; message?: unknown };
    try {
      body = JSON.parse(a.text);
    } catch {
      return `a ${a.status} whose body is not JSON: ${a.text.slice(0, 200)}`;
    }
    if (body.status !== a.status || typeof body.code !== 'string' || typeof body.message !== 'string') return `a ${a.status} that is not a problem {status, code, message}: ${a.text.slice(0, 300)}`;
    const echoed = r.markers.find((m) => a.text.includes(m));
    if (echoed) return `a ${a.status} echoes the hostile input (marker ${echoed}): ${a.text.slice(0, 300)}`;
  }
  return null;
}

interface Snapshot {
  tables: Record<string, string>;
  workflows: number;
  histories: Record<string, number>;
}

/**
 * Tables that change on a refusal or a read by design: sessions (last use), the failed-login throttle, and
 * person_read, the log of who read a person's record (api/authz.ts), which grows with every successful read.
 */
const NOT_STATE = new Set(['session', 'login_throttle', 'mikro_orm_migrations', 'person_read']);

async function snapshot(aimedAt: string[]): Promise<Snapshot> {
  const conn = stack.t.orm.em.fork().getConnection();
  const names = (await conn.execute<{ tablename: string }[]>(`select tablename from pg_tables where schemaname = 'public' order by tablename`))
    .map((x) => x.tablename)
    .filter((n) => !NOT_STATE.has(n));
  const rows = await conn.execute<{ t: string; n: number; h: string }[]>(
    names.map((n) => `select '${n}' as t, count(*)::int as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from "${n}" x`).join(' union all '),
  );
  const client = stack.t.env.client;
  const histories: Record<string, number> = {};
  // At rest: a start answers before its run has taken its first workflow task (api/temporal.ts startOpened).
  for (const id of aimedAt) histories[id] = await historyAtRest(stack.t, id);
  return { tables: Object.fromEntries(rows.map((r) => [r.t, `${r.n}:${r.h}`])), workflows: (await client.workflow.count()).count, histories };
}

/** The state once nothing moves in the background any more (the projection of an answered start, say). */
async function settled(aimedAt: string[]): Promise<Snapshot> {
  let prev = await snapshot(aimedAt);
  const deadline = Date.now() + 30_000;
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const next = await snapshot(aimedAt);
    if (JSON.stringify(next) === JSON.stringify(prev) || Date.now() > deadline) return next;
    prev = next;
  }
}

const approval = (requestId: string) => ({
  requestId,
  title: '模糊测试审批',
  steps: [
    { key: 's1', name: '审核', mode: 'sequential', assignees: { kind: 'user', userId: 'zzb-head' } },
    { key: 's2', name: '审批', mode: 'sequential', assignees: { kind: 'user', userId: 'jyj-head' } },
  ],
});

async function buildWorld(): Promise<{ world: FuzzWorld; aimedAt: string[]; doc: any }> {
  const h = stack.h;
  const doc = (await h.call('GET', '/openapi.json')).body;
  const tokens: Record<string, string> = {};
  for (const u of DEMO_USERS) tokens[u.id] = await h.login(u.id);
  // Procedures the fuzzer aims at: their ids, and their open tasks, are path parameters and body fields.
  const aimedAt: string[] = [];
  const taskIds: string[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await h.call('POST', '/procedures/approvalRequest', { token: tokens['zzb-staff'], key: newKey(), body: approval(uniqueId('fz')) });
    expect(r.status).toBe(201);
    aimedAt.push(r.body.workflowId);
    taskIds.push(await inboxTask(h, 'zzb-head', r.body.workflowId, 's1'));
  }
  const world: FuzzWorld = {
    tokens,
    ids: {
      workflowId: [...aimedAt, 'approval-nope', 'redeployment-x'],
      taskId: [...taskIds, 'task-nope'],
      id: ['zzb', 'jyj', 'p-0001'],
      year: ['2026', '2096', '2027', '1999'],
      letterId: ['l-1'],
    },
    templates: {
      'POST /procedures/approvalRequest': [approval('fz-fixed-1'), approval('fz-fixed-2')],
      'POST /tasks/{taskId}/actions': [{ action: 'approve', comment: '同意' }, { action: 'return', comment: '退回补充' }, { action: 'transfer', targetUserId: 'zzb-staff' }],
      'POST /procedures/{workflowId}/actions': [
        ...taskIds.map((taskId) => ({ action: 'urge', taskId, comment: '请尽快办理' })),
        { action: 'copy', userIds: ['jyj-head'] },
        { action: 'withdraw' },
      ],
      'PUT /calendar/years/{year}': [{ source: '国办发明电〔2095〕7号', days: [{ date: '2096-01-01', workday: false, name: '元旦' }] }],
      'POST /auth/login': [{ username: 'zzb-staff', password: 'wrong-password' }, { username: 'nobody', password: 'x' }],
    },
    recipes: fc.oneof(
      // Starts: a fresh business key, so many are accepted (201), and one fixed key that conflicts after the first.
      fc.oneof(fc.integer({ min: 0, max: 2 ** 30 }).map((n) => `fz-r${n.toString(36)}`), fc.constant('fz-fixed-1')).map<Recipe>((requestId) => ({ route: 'POST /procedures/approvalRequest', params: {}, user: 'zzb-staff', body: approval(requestId) })),
      // The assignee on their task (approve once, then 409), a return with its reason, a transfer.
      fc.constantFrom(...taskIds).chain((taskId) =>
        fc.constantFrom<Recipe>(
          { route: 'POST /tasks/{taskId}/actions', params: { taskId }, user: 'zzb-head', body: { action: 'approve', comment: '同意' } },
          { route: 'POST /tasks/{taskId}/actions', params: { taskId }, user: 'zzb-head', body: { action: 'return', comment: '请补充材料' } },
          { route: 'POST /tasks/{taskId}/actions', params: { taskId }, user: 'zzb-head', body: { action: 'transfer', targetUserId: 'dc-supervisor' } },
        ),
      ),
      // A supervisor urges, the initiator copies and withdraws: the issue's urge with a lone surrogate came this way.
      fc.constantFrom(...aimedAt.map((wf, i) => [wf, taskIds[i] as string] as const)).chain(([workflowId, taskId]) =>
        fc.constantFrom<Recipe>(
          { route: 'POST /procedures/{workflowId}/actions', params: { workflowId }, user: 'dc-supervisor', body: { action: 'urge', taskId, comment: '请尽快办理' } },
          { route: 'POST /procedures/{workflowId}/actions', params: { workflowId }, user: 'zzb-staff', body: { action: 'copy', userIds: ['jyj-head'] } },
          { route: 'POST /procedures/{workflowId}/actions', params: { workflowId }, user: 'zzb-staff', body: { action: 'withdraw', comment: '撤回' } },
          { route: 'GET /procedures/{workflowId}', params: { workflowId }, user: 'zzb-staff' },
        ),
      ),
      fc.constant<Recipe>({ route: 'PUT /calendar/years/{year}', params: { year: '2096' }, user: 'zzb-staff', body: { source: '国办发明电〔2095〕7号', days: [{ date: '2096-01-01', workday: false, name: '元旦' }] } }),
    ),
  };
  return { world, aimedAt, doc };
}

function generate(world: FuzzWorld, doc: any, seed: number, count: number, only: (r: FuzzRequest) => boolean): FuzzRequest[] {
  const routes = routesOf(doc);
  // One in four is a recipe (a request that makes sense as a whole), sent as it is or with its body mutated.
  const arb = fc.oneof({ weight: 3, arbitrary: requestArb(routes, world, doc) }, { weight: 1, arbitrary: recipeArb(routes, world, doc) }).filter(only);
  return fc.sample(arb, { seed, numRuns: count });
}

/**
 * Open bugs, each with a regression test in hostile-input.api.test.ts, tolerated here only as narrowly as
 * they fail and counted in the output, so the fuzzer still covers everything else on those routes. None is
 * open now (the letter download's NUL was the last: it now runs the edge check).
 */
const KNOWN_BUGS: { what: string; matches: (r: FuzzRequest, a: Answer) => boolean }[] = [];
const tolerated = new Map<string, number>();
/** What the run did, printed at its end: answers by status, and how many batches the state was compared over. */
const stats = { byStatus: new Map<number, number>(), mutatingAccepted: 0, batchesCompared: 0 };

interface Failure {
  where: string;
  request: string;
  problem: string;
}

/** Runs requests CONCURRENCY at a time; returns the answers in order. */
async function runAll(reqs: FuzzRequest[], where: (i: number) => string, failures: Failure[]): Promise<Answer[]> {
  const answers: Answer[] = new Array(reqs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < reqs.length) {
        const i = next++;
        const r = reqs[i] as FuzzRequest;
        try {
          answers[i] = await send(stack.api.baseUrl, r);
          stats.byStatus.set(answers[i].status, (stats.byStatus.get(answers[i].status) ?? 0) + 1);
          const p = problemWith(r, answers[i]);
          const known = p ? KNOWN_BUGS.find((k) => k.matches(r, answers[i] as Answer)) : undefined;
          if (known) tolerated.set(known.what, (tolerated.get(known.what) ?? 0) + 1);
          else if (p) failures.push({ where: where(i), request: describeRequest(r), problem: p });
        } catch (err) {
          answers[i] = { status: 0, contentType: '', text: '' };
          failures.push({ where: where(i), request: describeRequest(r), problem: `no answer: ${(err as Error).message}` });
        }
      }
    }),
  );
  return answers;
}

const report = (failures: Failure[]): string =>
  failures
    .slice(0, 15)
    .map((f) => `- ${f.where}: ${f.problem}\n    ${f.request}`)
    .join('\n') + (failures.length > 15 ? `\n… and ${failures.length - 15} more` : '');

test(`fuzzing every route (fixed seed ${FIXED_SEED}, run seed ${RUN_SEED}): no 5xx, JSON problems without echo, no trace of a refusal, the worker survives`, async () => {
   
  console.log(`fuzz seeds: fixed ${FIXED_SEED}, run ${RUN_SEED} (repeat with FUZZ_SEED=${RUN_SEED})`);
  const { world, aimedAt, doc } = await buildWorld();
  const routes = routesOf(doc);
  expect(routes.length).toBeGreaterThan(30);
  const failures: Failure[] = [];
  let sent = 0;
  const routesHit = new Set<string>();

  // Phase 1: requests that must all be refused, at full concurrency; afterwards nothing has changed.
  const before = await settled(aimedAt);
  for (const seed of [FIXED_SEED, RUN_SEED]) {
    const reqs = generate(world, doc, seed, HOSTILE_PER_SEED, (r) => r.mustRefuse);
    reqs.forEach((r) => routesHit.add(r.route));
    await runAll(reqs, (i) => `seed ${seed} hostile #${i}`, failures);
    sent += reqs.length;
  }
  const after = await settled(aimedAt);
  expect({ state: after, failures: report(failures) }).toEqual({ state: before, failures: '' });
  expect(stack.api.worker.getState()).toBe('RUNNING');

  // Phase 2: a mix of valid, near-valid and hostile requests, in small batches. After a batch in which
  // every request that could change state was refused, the state must be what it was before the batch.
  for (const seed of [FIXED_SEED + 1, RUN_SEED + 1]) {
    const reqs = generate(world, doc, seed, MIXED_PER_SEED, () => true);
    reqs.forEach((r) => routesHit.add(r.route));
    let base = await settled(aimedAt);
    for (let at = 0; at < reqs.length; at += CONCURRENCY) {
      const batch = reqs.slice(at, at + CONCURRENCY);
      const answers = await runAll(batch, (i) => `seed ${seed} mixed #${at + i}`, failures);
      sent += batch.length;
      const changedSomething = batch.some((r, i) => r.mutating && (answers[i] as Answer).status < 400);
      if (changedSomething) {
        stats.mutatingAccepted++;
        base = await settled(aimedAt);
        continue;
      }
      stats.batchesCompared++;
      const now = await snapshot(aimedAt);
      if (JSON.stringify(now) !== JSON.stringify(base)) {
        const changed = Object.keys(now.tables).filter((k) => now.tables[k] !== base.tables[k]);
        failures.push({
          where: `seed ${seed} mixed #${at}–${at + batch.length - 1}`,
          request: batch.map((r, i) => `${(answers[i] as Answer).status} ${describeRequest(r)}`).join('\n    '),
          problem: `state changed after refusals only: tables ${changed.join(', ') || '-'}, workflows ${base.workflows}→${now.workflows}, histories ${JSON.stringify(base.histories)}→${JSON.stringify(now.histories)}`,
        });
        base = await settled(aimedAt);
      }
    }
  }
  const statuses = [...stats.byStatus].sort(([a], [b]) => a - b).map(([st, n]) => `${st}×${n}`).join(' ');
  console.log(`fuzz: ${sent} requests; answers ${statuses}; ${stats.batchesCompared} refused-only batches compared, ${stats.mutatingAccepted} batches changed state`);
  if (tolerated.size) console.warn(`known bugs met (reported, not failures here):\n${[...tolerated].map(([w, n]) => `- ${n} × ${w}`).join('\n')}`);
  expect(report(failures)).toBe('');
  expect(sent).toBeGreaterThanOrEqual(3_000);
  // Every route of the document was fuzzed.
  expect(routes.map((r) => r.route).filter((r) => !routesHit.has(r))).toEqual([]);

  // The engine goes on: the worker runs, and a new procedure starts and moves.
  expect(stack.api.worker.getState()).toBe('RUNNING');
  const token = await stack.h.login('zzb-staff');
  const started = await stack.h.call('POST', '/procedures/approvalRequest', { token, key: newKey(), body: approval(uniqueId('fz-after')) });
  expect(started.status).toBe(201);
  const task = await inboxTask(stack.h, 'zzb-head', started.body.workflowId, 's1');
  const approved = await stack.h.call('POST', `/tasks/${task}/actions`, { token: await stack.h.login('zzb-head'), key: newKey(), body: { action: 'approve' } });
  expect(approved.status).toBe(200);
});

afterAll(() => agent.destroy());

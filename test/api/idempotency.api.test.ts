/**
 * Idempotency-Key under concurrency (issue 10 §5), over HTTP with a real Temporal dev server and a real
 * PostgreSQL: 8 concurrent repeats of each idempotent route run once and answer alike; different bodies
 * under one key run once; the same JSON in another key order replays; a large answer is stored once by
 * reference; and a start whose answer was lost (the API died after Temporal accepted it) answers with
 * the original procedure on retry instead of procedure_exists.
 */
import { ActionLogSchema, CalendarYearSchema, IdempotencyRecordSchema, NotificationSchema, PersonSchema, ProcedureSchema } from '../../platform/entities';
import { complete, fingerprint, reserve } from '../../api/idempotency';
import { workflowIds } from '../helpers/ids';
import { inboxTask, newKey, useApiStack, type HttpResult } from '../helpers/api';
import { DEMO_PASSWORD } from '../../platform/seed';
import { uniqueId } from '../helpers/env';
import { addCommittee } from '../helpers/members';

let leaders: string[];
const stack = useApiStack(async (env) => {
  leaders = await addCommittee(env.orm, 'ld', 'ld', 2);
});

const N = 8;

function requestBody(requestId: string) {
  return {
    requestId,
    title: '拟任人选讨论决定',
    steps: [{ key: 'countersign', name: '会签', mode: 'all', assignees: { kind: 'role', role: 'approver', unitId: 'ld' } }],
  };
}

/** The same request N times at once. */
function times<T>(n: number, f: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => f(i)));
}

/** Every answer is the first one: the same status and the same body. */
function expectAlike(rs: HttpResult[], status: number): void {
  for (const r of rs) {
    expect(r.status).toBe(status);
    expect(r.body).toEqual(rs[0]!.body);
  }
}

const em = () => stack.t.orm.em.fork();

/** Every route that honours an Idempotency-Key, as the OpenAPI document declares them. */
async function idempotentRoutes(): Promise<string[]> {
  const doc = (await stack.h.call('GET', '/openapi.json')).body as {
    paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
  };
  const out: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (op.parameters?.some((p) => p.in === 'header' && p.name === 'Idempotency-Key')) out.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return out.sort();
}

// The routes below run their repeats concurrently here. The others send their action through the same
// two paths (api/temporal.ts: sendUpdate with the key as Update id, startProcedure) as a route tested
// here, and every route gets its reservation from the one declaration (api/http.ts); a new idempotent
// route must be listed in one of the two, so it is not forgotten.
const TESTED_HERE = ['POST /procedures/approvalRequest', 'POST /tasks/{taskId}/actions', 'POST /procedures/{workflowId}/actions', 'PUT /calendar/years/{year}', 'POST /people/import', 'POST /admin/users'];
const SAME_PATH_AS_TESTED: Record<string, string> = {
  'POST /procedures/rectification': 'POST /procedures/approvalRequest',
  'POST /procedures/cadreSelection': 'POST /procedures/approvalRequest',
  'POST /procedures/politicalExamination': 'POST /procedures/approvalRequest',
  'POST /procedures/politicalExaminationBatch': 'POST /procedures/approvalRequest',
  'POST /procedures/redeployment': 'POST /procedures/approvalRequest',
  'POST /procedures/{workflowId}/selection': 'POST /tasks/{taskId}/actions',
  'POST /procedures/{workflowId}/selection/political-examination': 'POST /tasks/{taskId}/actions',
  'POST /procedures/{workflowId}/redeployment': 'POST /tasks/{taskId}/actions',
  'POST /procedures/{workflowId}/term': 'POST /tasks/{taskId}/actions',
  'POST /procedures/{workflowId}/examination': 'POST /tasks/{taskId}/actions',
  // The administration's writes: one PostgreSQL transaction each, behind the same reservation.
  'PUT /admin/users/{id}': 'POST /admin/users',
  'POST /admin/units': 'POST /admin/users',
  'PUT /admin/units/{id}': 'POST /admin/users',
  'POST /admin/import': 'POST /admin/users',
  // The selection's master data (procedures/cadre-selection): one PostgreSQL write each, behind the same reservation.
  'PUT /selection/bar-records': 'POST /admin/users',
  'PUT /selection/establishment': 'POST /admin/users',
  'PUT /selection/office-holders': 'POST /admin/users',
  'PUT /selection/relations': 'POST /admin/users',
  // Supervision (api/routes/supervision.ts): a reassign is one act Update through sendUpdate; a bulk urge one
  // manage Update per procedure under the request's key; the watch list one transaction. Concurrent repeats of
  // the bulk urge and the watch: test/api/supervision-actions.api.test.ts.
  'POST /supervision/tasks/{taskId}/reassign': 'POST /tasks/{taskId}/actions',
  'POST /supervision/urge': 'POST /procedures/{workflowId}/actions',
  'PUT /supervision/watch/{workflowId}': 'POST /admin/users',
  'DELETE /supervision/watch/{workflowId}': 'POST /admin/users',
};

test('every idempotent route is covered by a concurrent test here, directly or through the same path', async () => {
  const routes = await idempotentRoutes();
  expect(routes.length).toBeGreaterThanOrEqual(TESTED_HERE.length);
  const uncovered = routes.filter((r) => !TESTED_HERE.includes(r) && !(r in SAME_PATH_AS_TESTED));
  expect(uncovered).toEqual([]);
  // And the lists name only routes that exist.
  expect([...TESTED_HERE, ...Object.keys(SAME_PATH_AS_TESTED)].filter((r) => !routes.includes(r))).toEqual([]);
});

describe('8 concurrent repeats with one key run once and answer alike', () => {
  test('a start: one procedure, every answer the first 201 (no procedure_exists)', async () => {
    const staff = await stack.h.login('zzb-staff');
    const rid = uniqueId('req');
    const key = newKey();
    const rs = await times(N, () => stack.h.call('POST', '/procedures/approvalRequest', { token: staff, key, body: requestBody(rid) }));
    expectAlike(rs, 201);
    expect(rs[0]!.body).toMatchObject({ workflowId: workflowIds.approvalRequest(rid), openTasks: [{}, {}] });
    expect(rs.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(N - 1);
    expect(await em().count(ProcedureSchema, { workflowId: workflowIds.approvalRequest(rid) })).toBe(1);
    expect(await em().count(IdempotencyRecordSchema, { key, state: 'completed' })).toBe(1);
  });

  test('different bodies under one key: exactly one runs; the rest are idempotency_key_reused', async () => {
    const staff = await stack.h.login('zzb-staff');
    const key = newKey();
    const rids = Array.from({ length: N }, () => uniqueId('req'));
    const rs = await times(N, (i) => stack.h.call('POST', '/procedures/approvalRequest', { token: staff, key, body: requestBody(rids[i]!) }));
    expect(rs.filter((r) => r.status === 201)).toHaveLength(1);
    expect(rs.filter((r) => r.status !== 201).map((r) => r.body.code)).toEqual(Array(N - 1).fill('idempotency_key_reused'));
    expect(await em().count(ProcedureSchema, { workflowId: { $in: rids.map(workflowIds.approvalRequest) } })).toBe(1);
    const winner = rs.find((r) => r.status === 201)!.body.workflowId;
    expect(await em().count(ProcedureSchema, { workflowId: winner })).toBe(1);
  });

  test('an action on a task: one action row, every answer the first', async () => {
    const staff = await stack.h.login('zzb-staff');
    const rid = uniqueId('req');
    const wf = workflowIds.approvalRequest(rid);
    expect((await stack.h.call('POST', '/procedures/approvalRequest', { token: staff, key: newKey(), body: requestBody(rid) })).status).toBe(201);
    const task = await inboxTask(stack.h, leaders[0]!, wf, 'countersign');
    const token = await stack.h.login(leaders[0]!);
    const key = newKey();
    const rs = await times(N, () => stack.h.call('POST', `/tasks/${task}/actions`, { token, key, body: { action: 'approve', comment: '同意' } }));
    expectAlike(rs, 200);
    expect(await em().count(ActionLogSchema, { workflowId: wf, taskId: task })).toBe(1);
  });

  test('an action on a procedure (urge): one urge, its notices sent once', async () => {
    const staff = await stack.h.login('zzb-staff');
    const rid = uniqueId('req');
    const wf = workflowIds.approvalRequest(rid);
    expect((await stack.h.call('POST', '/procedures/approvalRequest', { token: staff, key: newKey(), body: requestBody(rid) })).status).toBe(201);
    const task = await inboxTask(stack.h, leaders[1]!, wf, 'countersign');
    const notices = await em().count(NotificationSchema, { workflowId: wf, userId: leaders[1]! });
    const key = newKey();
    const rs = await times(N, () => stack.h.call('POST', `/procedures/${wf}/actions`, { token: staff, key, body: { action: 'urge', taskId: task, comment: '请尽快' } }));
    expectAlike(rs, 200);
    expect(await em().count(ActionLogSchema, { workflowId: wf, action: 'urge' })).toBe(1);
    expect(await em().count(NotificationSchema, { workflowId: wf, userId: leaders[1]! })).toBe(notices + 1);
  });

  test('a calendar year: loaded once, every answer the first; different bodies under one key load exactly one', async () => {
    // Loading the calendar is the calendar administrator's (api/authz.ts).
    const staff = await stack.h.login('calendar-admin');
    const year = (source: string) => ({ source, days: [{ date: '2031-01-01', workday: false, name: '元旦' }] });
    const key = newKey();
    const rs = await times(N, () => stack.h.call('PUT', '/calendar/years/2031', { token: staff, key, body: year('国办发明电〔2030〕1号') }));
    expectAlike(rs, 200);
    const loaded = await em().findOneOrFail(CalendarYearSchema, { year: 2031 });
    expect(loaded.loadedAt.toISOString()).toBe(rs[0]!.body.loadedAt);

    const other = newKey();
    const sources = Array.from({ length: N }, (_, i) => `国办发明电〔2031〕${i + 1}号`);
    const ds = await times(N, (i) =>
      stack.h.call('PUT', '/calendar/years/2032', { token: staff, key: other, body: { source: sources[i], days: [{ date: '2032-01-01', workday: false, name: '元旦' }] } }),
    );
    const applied = ds.filter((r) => r.status === 200);
    expect(applied).toHaveLength(1);
    expect(ds.filter((r) => r.status !== 200).map((r) => r.body.code)).toEqual(Array(N - 1).fill('idempotency_key_reused'));
    expect((await em().findOneOrFail(CalendarYearSchema, { year: 2032 })).source).toBe(applied[0]!.body.source);
  });

  test('a user created by the administrator: created once, every answer the first, one audit entry', async () => {
    const admin = await stack.h.login('admin');
    const key = newKey();
    const body = { id: 'idem-user', displayName: '幂等测试', unitId: 'jyj', roles: ['staff'], password: 'Idem-Potent-2026!' };
    const rs = await times(N, () => stack.h.call('POST', '/admin/users', { token: admin, key, body }));
    expectAlike(rs, 201);
    const [row] = await em().execute<{ n: string }[]>("select count(*) as n from admin_audit where target_id = 'idem-user'");
    expect(Number(row?.n)).toBe(1);
  });

  test('a people import: every answer reports the same rows imported (none "unchanged" by a second run)', async () => {
    const staff = await stack.h.login('zzb-staff');
    const header = '编号,姓名,性别,出生日期,单位,现任职务,现职级,任现职级时间,参加工作时间,基层工作年限,学历,入党时间,最近提拔时间,是否破格';
    const csv = [header, 'IDEM1,周明,男,1980-05-01,jyj,主任,正科,2019-07-01,2003-07-01,4,本科,2002-06-01,2019-07-01,否', 'IDEM2,吴静,女,1984-09-12,jyj,科员,科员,2010-08-01,2010-08-01,2,大专,,,'].join('\n');
    const key = newKey();
    const body = { format: 'csv', content: Buffer.from(csv).toString('base64') };
    const rs = await times(N, () => stack.h.call('POST', '/people/import', { token: staff, key, body }));
    expectAlike(rs, 200);
    expect(rs[0]!.body).toMatchObject({ total: 2, imported: 2, unchanged: 0 });
    expect(await em().count(PersonSchema, { id: { $in: ['IDEM1', 'IDEM2'] } })).toBe(2);
  });
});

test('the same JSON with its keys in another order is the same request: replayed, not idempotency_key_reused', async () => {
  const staff = await stack.h.login('zzb-staff');
  const rid = uniqueId('req');
  const key = newKey();
  const body = requestBody(rid);
  const first = await stack.h.call('POST', '/procedures/approvalRequest', { token: staff, key, body });
  expect(first.status).toBe(201);
  // Every object's keys reversed, at every depth.
  const reversed = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(reversed) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v;
  const rawBody = JSON.stringify(reversed(body));
  expect(rawBody).not.toBe(JSON.stringify(body));
  const again = await stack.h.call('POST', '/procedures/approvalRequest', { token: staff, key, rawBody });
  expect(again.status).toBe(201);
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  expect(again.body).toEqual(first.body);
});

test('a refused request releases its key: the corrected request with the same key runs', async () => {
  const staff = await stack.h.login('zzb-staff');
  const key = newKey();
  const rid = uniqueId('req');
  const refused = await stack.h.call('POST', '/procedures/approvalRequest', {
    token: staff,
    key,
    body: { ...requestBody(rid), steps: [{ key: 's', name: 's', mode: 'all', assignees: { kind: 'user', userId: 'nobody-at-all' } }] },
  });
  expect(refused.status).toBeGreaterThanOrEqual(400);
  expect(refused.status).toBeLessThan(500);
  expect(await em().count(IdempotencyRecordSchema, { key })).toBe(0);
  const ok = await stack.h.call('POST', '/procedures/approvalRequest', { token: staff, key, body: requestBody(rid) });
  expect(ok.status).toBe(201);
});

test('a valid request refused by who sends it leaves no reservation (its key is taken with the session read, then freed)', async () => {
  // A valid request is authenticated and reserves its key in one statement (api/idempotency.ts reserveAs);
  // a refusal that follows it, by role or by session, must free the key again.
  const staff = await stack.h.login('zzb-staff');
  const key = newKey();
  const calendar = { source: '国办发明电〔2032〕9号', days: [{ date: '2033-01-03', workday: false, name: '元旦' }] };
  const byRole = await stack.h.call('PUT', '/calendar/years/2033', { token: staff, key, body: calendar });
  expect(byRole.status).toBe(403);
  expect(await em().count(IdempotencyRecordSchema, { key })).toBe(0);
  expect(await em().count(CalendarYearSchema, { year: 2033 })).toBe(0);

  // A session gone idle: 401, and nothing reserved either.
  // A session of its own: h.login's token is shared with the other tests.
  const idle = (await stack.h.call('POST', '/auth/login', { body: { username: 'zzb-staff', password: DEMO_PASSWORD } })).body.token as string;
  await em().getConnection().execute("update session set last_seen_at = now() - interval '2 days' where token_hash = encode(sha256(convert_to(?, 'UTF8')), 'hex')", [idle]);
  const late = newKey();
  const rid = uniqueId('req');
  const byIdle = await stack.h.call('POST', '/procedures/approvalRequest', { token: idle, key: late, body: requestBody(rid) });
  expect(byIdle.status).toBe(401);
  expect(await em().count(IdempotencyRecordSchema, { key: late })).toBe(0);
  expect(await em().count(ProcedureSchema, { workflowId: workflowIds.approvalRequest(rid) })).toBe(0);
});

test('a repeat while the first request still holds the key waits, then answers 409 idempotency_in_progress', async () => {
  const staff = await stack.h.login('zzb-staff');
  const key = newKey();
  const body = requestBody(uniqueId('req'));
  const me = (await stack.h.call('GET', '/me', { token: staff })).body.id as string;
  // A first request that is still running: reserved with its lease ahead.
  const held = await reserve(em(), me, key, fingerprint('POST', '/procedures/approvalRequest', body));
  expect(held.kind).toBe('run');
  const r = await stack.h.call('POST', '/procedures/approvalRequest', { token: staff, key, body });
  expect(r.status).toBe(409);
  expect(r.body.code).toBe('idempotency_in_progress');
  expect(r.headers.get('retry-after')).toBe('1');
  expect(await em().count(ProcedureSchema, { workflowId: workflowIds.approvalRequest(body.requestId) })).toBe(0);
}, 30_000);

describe('an action whose first request died holding its key (its lease still running)', () => {
  // What an API process killed mid-request leaves: the key in progress under a dead owner, for the lease (120 s).
  const holdKey = (key: string) =>
    stack.t.orm.em
      .fork()
      .getConnection()
      .execute("update idempotency_record set state = 'in_progress', status_code = null, body = null, owner = 'dead-process', locked_until = now() + interval '1 hour' where key = ?", [key]);

  async function twoSignerRequest() {
    const staff = await stack.h.login('zzb-staff');
    const rid = uniqueId('req');
    const wf = workflowIds.approvalRequest(rid);
    expect((await stack.h.call('POST', '/procedures/approvalRequest', { token: staff, key: newKey(), body: requestBody(rid) })).status).toBe(201);
    const tasks = [await inboxTask(stack.h, leaders[0]!, wf, 'countersign'), await inboxTask(stack.h, leaders[1]!, wf, 'countersign')];
    const tokens = [await stack.h.login(leaders[0]!), await stack.h.login(leaders[1]!)];
    return { wf, tasks, tokens };
  }

  test.each([
    ['the procedure still runs', 0],
    ['the action ended the procedure', 1],
  ])('a repeat answers at once with the first outcome (%s): the Update is sent again under its id, and runs once', async (_what, signer) => {
    const { wf, tasks, tokens } = await twoSignerRequest();
    if (signer === 1) {
      expect((await stack.h.call('POST', `/tasks/${tasks[0]}/actions`, { token: tokens[0]!, key: newKey(), body: { action: 'approve' } })).status).toBe(200);
    }
    const key = newKey();
    const first = await stack.h.call('POST', `/tasks/${tasks[signer]}/actions`, { token: tokens[signer]!, key, body: { action: 'approve', comment: '同意' } });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe(signer === 1 ? 'approved' : 'open');
    if (signer === 1) {
      // Closed before the repeat: the server (1.29) answers a repeated Update id with its outcome from the closed run too.
      const handle = stack.t.env.client.workflow.getHandle(wf);
      await handle.result();
      expect((await handle.describe()).status.name).toBe('COMPLETED');
    }
    await holdKey(key);
    const repeat = await stack.h.call('POST', `/tasks/${tasks[signer]}/actions`, { token: tokens[signer]!, key, body: { action: 'approve', comment: '同意' } });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(first.body);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(await em().count(ActionLogSchema, { workflowId: wf, taskId: tasks[signer] })).toBe(1);
    // The key stays the first request's: in progress until its lease lapses (then a repeat takes it over).
    expect(await em().count(IdempotencyRecordSchema, { key, state: 'in_progress' })).toBe(1);
  });

  test('a first request that died before it reached Temporal: the repeat takes the action, once', async () => {
    const { wf, tasks, tokens } = await twoSignerRequest();
    const key = newKey();
    const body = { action: 'approve', comment: '同意' };
    const me = (await stack.h.call('GET', '/me', { token: tokens[0]! })).body.id as string;
    expect((await reserve(em(), me, key, fingerprint('POST', `/tasks/${tasks[0]}/actions`, body))).kind).toBe('run');
    const repeat = await stack.h.call('POST', `/tasks/${tasks[0]}/actions`, { token: tokens[0]!, key, body });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toMatchObject({ taskId: tasks[0], action: 'approve', status: 'open' });
    expect(await em().count(ActionLogSchema, { workflowId: wf, taskId: tasks[0] })).toBe(1);
  });

  test('an action on a procedure that ended otherwise is still procedure_ended', async () => {
    const { wf, tasks, tokens } = await twoSignerRequest();
    const staff = await stack.h.login('zzb-staff');
    expect((await stack.h.call('POST', `/procedures/${wf}/actions`, { token: staff, key: newKey(), body: { action: 'withdraw', comment: '撤回' } })).status).toBe(200);
    const r = await stack.h.call('POST', `/tasks/${tasks[0]}/actions`, { token: tokens[0]!, key: newKey(), body: { action: 'approve' } });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('procedure_ended');
  });
});

describe('a start whose API process died after Temporal accepted it', () => {
  // What the crash leaves: the workflow started by the key's update-with-start, and no stored answer
  // (the process died before storing it), or a reservation still in progress whose lease has lapsed.
  async function startThenLoseTheAnswer(lapsed: boolean) {
    const staff = await stack.h.login('zzb-staff');
    const rid = uniqueId('req');
    const key = newKey();
    const first = await stack.h.call('POST', '/procedures/approvalRequest', { token: staff, key, body: requestBody(rid) });
    expect(first.status).toBe(201);
    const conn = stack.t.orm.em.fork();
    if (lapsed) {
      await conn.execute(
        "update idempotency_record set state = 'in_progress', status_code = null, body = null, owner = 'dead-process', locked_until = now() - interval '1 second' where key = ?",
        [key],
      );
    } else {
      await conn.execute('delete from idempotency_record where key = ?', [key]);
    }
    return { staff, rid, key, first };
  }

  test.each([
    ['no answer was stored', false],
    ['its reservation was left in progress and has lapsed', true],
  ])('%s: the retry gets the original procedure, and only one exists', async (_what, lapsed) => {
    const { staff, rid, key, first } = await startThenLoseTheAnswer(lapsed);
    const retry = await stack.h.call('POST', '/procedures/approvalRequest', { token: staff, key, body: requestBody(rid) });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.body.runId).toBeTruthy();
    const wf = workflowIds.approvalRequest(rid);
    expect(await em().count(ProcedureSchema, { workflowId: wf })).toBe(1);
    // One run of the workflow, started once.
    const runs = [];
    for await (const w of stack.t.env.client.workflow.list({ query: `WorkflowId = '${wf}'` })) runs.push(w.runId);
    expect(runs).toEqual([first.body.runId]);
    expect(await em().count(IdempotencyRecordSchema, { key, state: 'completed' })).toBe(1);
  });

  test('a different key for the same procedure is still procedure_exists', async () => {
    const { staff, rid } = await startThenLoseTheAnswer(false);
    const other = await stack.h.call('POST', '/procedures/approvalRequest', { token: staff, key: newKey(), body: requestBody(rid) });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('procedure_exists');
  });
});

test('a large answer is stored once, compressed, by reference; the replay returns it whole', async () => {
  const big = { items: Array.from({ length: 3000 }, (_, i) => ({ row: i + 2, message: `第 ${i + 2} 行：出生日期不是日期` })) };
  expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(64 * 1024);
  const conn = em();
  const keys = [newKey(), newKey()];
  for (const key of keys) {
    const r = await reserve(conn, 'zzb-staff', key, 'fp');
    if (r.kind !== 'run') throw new Error('expected to run');
    await complete(conn, 'zzb-staff', key, r.owner, { status: 200, body: big });
  }
  const recs = await conn.find(IdempotencyRecordSchema, { key: { $in: keys } });
  expect(recs.map((r) => r.body)).toEqual([null, null]);
  expect(new Set(recs.map((r) => r.bodySha256)).size).toBe(1);
  const [blob] = await conn.execute<{ n: string; bytes: number; stored: number }[]>(
    'select count(*) as n, max(bytes) as bytes, max(length(gz)) as stored from idempotency_answer where sha256 = ?',
    [recs[0]!.bodySha256],
  );
  expect(Number(blob!.n)).toBe(1);
  expect(blob!.stored).toBeLessThan(blob!.bytes / 4);
  const replay = await reserve(conn, 'zzb-staff', keys[1]!, 'fp');
  expect(replay).toEqual({ kind: 'replay', status: 200, body: big });
});

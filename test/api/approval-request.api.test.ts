/**
 * The generic approval request (通用审批) over HTTP, with the worker, a real Temporal dev server and a
 * real PostgreSQL behind it: one request through a 会签 step and a 票决 step to its end, and the 4xx cases.
 */
import { ActionLogSchema, ProcedureSchema, TaskSchema } from '../../platform/entities';
import { workflowIds } from '../helpers/ids';
import { traceOf, inboxTask as inboxTaskOf, newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { decodedHistory, maybeRecordHistory } from '../helpers/histories';
import { addCommittee } from '../helpers/members';

let committee: string[];
let leaders: string[];

const stack = useApiStack(async (env) => {
  committee = await addCommittee(env.orm, 'cwh', 'cw', 9);
  leaders = await addCommittee(env.orm, 'ld', 'ld', 2);
});

const key = newKey;

function body(requestId: string, overrides: Record<string, unknown> = {}) {
  return {
    requestId,
    title: '拟任人选讨论决定',
    steps: [
      { key: 'countersign', name: '会签', mode: 'all', assignees: { kind: 'role', role: 'approver', unitId: 'ld' } },
      {
        key: 'decision',
        name: '常委会票决',
        mode: 'vote',
        assignees: { kind: 'role', role: 'approver', unitId: 'cwh' },
        candidates: ['张三', '李四'],
        voteRule: { principalId: 'cw-9' },
      },
    ],
    ...overrides,
  };
}

async function startRequest(b: unknown) {
  return stack.h.call('POST', '/procedures/approvalRequest', { token: await stack.h.login('zzb-staff'), key: key(), body: b });
}

const inboxTask = (user: string, workflowId: string, step: string): Promise<string> => inboxTaskOf(stack.h, user, workflowId, step);

async function actAs(user: string, taskId: string, b: unknown, k = key()) {
  return stack.h.call('POST', `/tasks/${taskId}/actions`, { token: await stack.h.login(user), key: k, body: b });
}

const ballots = (a: string, b: string) => [
  { candidateId: '张三', choice: a },
  { candidateId: '李四', choice: b },
];

test('a request through a 会签 step and a 票决 step to its end', async () => {
  const rid = uniqueId('req');
  const wf = workflowIds.approvalRequest(rid);
  const started = await startRequest(body(rid));
  expect(started.status).toBe(201);
  expect(started.body).toMatchObject({ workflowId: wf, type: 'approvalRequest' });
  const dup = await startRequest(body(rid));
  expect(dup.status).toBe(409);
  expect(dup.body.code).toBe('procedure_exists');

  // 会签: both leaders' tasks are open at once; the step waits for the second.
  const t1 = await inboxTask(leaders[0]!, wf, 'countersign');
  const t2 = await inboxTask(leaders[1]!, wf, 'countersign');
  const first = await actAs(leaders[1]!, t2, { action: 'approve', comment: '同意' });
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ status: 'open', stage: 'countersign', openTasks: [{ taskId: t1 }] });
  const second = await actAs(leaders[0]!, t1, { action: 'approve' });
  expect(second.status).toBe(200);
  expect(second.body.stage).toBe('decision');
  expect(second.body.openTasks).toHaveLength(9);

  // 票决: the principal (cw-9) votes last; six others vote, the vote is closed on the two absent.
  const principalTask = await inboxTask('cw-9', wf, 'decision');
  const early = await actAs('cw-9', principalTask, { action: 'vote', ballots: ballots('agree', 'agree') });
  expect(early.status).toBe(409);
  expect(early.body.code).toBe('principal_votes_last');
  const choices: [string, string][] = [
    ['agree', 'agree'],
    ['agree', 'disagree'],
    ['agree', 'defer'],
    ['agree', 'disagree'],
    ['disagree', 'defer'],
    ['agree', 'agree'],
  ];
  for (const [i, [a, b]] of choices.entries()) {
    const m = committee[i]!;
    const r = await actAs(m, await inboxTask(m, wf, 'decision'), { action: 'vote', ballots: ballots(a, b), comment: '表决' });
    expect(r.status).toBe(200);
  }
  const staff = await stack.h.login('zzb-staff');
  const close = await stack.h.call('POST', `/procedures/${wf}/actions`, { token: staff, key: key(), body: { action: 'closeVote' } });
  expect(close.status).toBe(200);
  expect(close.body).toMatchObject({ action: 'closeVote', status: 'open' });
  const last = await actAs('cw-9', principalTask, { action: 'vote', ballots: ballots('agree', 'disagree') });
  expect(last.status).toBe(200);
  expect(last.body).toMatchObject({ status: 'approved', stage: 'approved', nextTask: null });

  const closed = await eventually(async () => {
    const r = await stack.h.call('GET', `/procedures/${wf}`, { token: staff });
    return r.body.procedure?.status === 'approved' ? r.body : undefined;
  }, 30_000, 'the request to close');
  // 张三: 6 同意 of 应到 9 → passed; 李四: 2 同意, 3 不同意, 2 缓议, 2 absent → postponed.
  const expected = {
    shouldAttend: 9,
    present: 7,
    quorumMet: true,
    candidates: [
      { candidateId: '张三', agree: 6, disagree: 1, defer: 0, notVoted: 2, passed: true, outcome: 'passed' },
      { candidateId: '李四', agree: 2, disagree: 3, defer: 2, notVoted: 2, passed: false, outcome: 'notPassed' },
    ],
  };
  expect(closed.procedure.result).toEqual({ status: 'approved', decisions: [{ step: 'decision', round: 1, tally: expected }] });
  expect(closed.state).toMatchObject({ type: 'approvalRequest', status: 'approved', decisions: [{ step: 'decision', tally: expected }] });

  // Its first step opened by the API (api/temporal.ts startOpened), then a 会签 and a 票决 to the end.
  await maybeRecordHistory('approval-request-opened.json', stack.t.env.client.workflow.getHandle(wf));
  const history = await stack.h.call('GET', `/procedures/${wf}/actions`, { token: staff });
  expect(history.body.map((a: { actorId: string; action: string }) => `${a.actorId}:${a.action}`)).toEqual([
    'zzb-staff:start',
    `${leaders[1]}:approve`,
    `${leaders[0]}:approve`,
    ...committee.slice(0, 6).map((m) => `${m}:vote`),
    'zzb-staff:closeVote',
    'cw-9:vote',
  ]);
  // 无记名 by default: a vote's action says only that a vote was cast.
  expect(history.body.filter((a: { action: string }) => a.action === 'vote').map((a: { data: unknown }) => a.data)).toEqual(Array(7).fill({ secret: true }));
  expect(history.body.find((a: { action: string }) => a.action === 'closeVote').data).toEqual({ absent: ['cw-7', 'cw-8'] });

  // Nobody, a system administrator reading PostgreSQL included, can tell who voted how: no ballot, and no
  // choice, is anywhere in the procedure's rows or in what the API answers; only the counts are.
  const em = stack.t.orm.em.fork();
  const rows: unknown[] = [];
  for (const table of ['action_log', 'audit_log', 'task', 'notification', 'procedure', 'transition_applied', 'idempotency_record']) {
    const where = table === 'idempotency_record' ? `body::text like '%' || ? || '%'` : 'workflow_id = ?';
    rows.push(...(await em.getConnection().execute(`select * from ${table} where ${where}`, [wf])));
  }
  const answers = await Promise.all(['', '/actions', '/audit'].map((p) => stack.h.call('GET', `/procedures/${wf}${p}`, { token: staff }).then((r) => r.body)));
  for (const text of [JSON.stringify(rows), JSON.stringify(answers)]) {
    expect(text).not.toMatch(/"ballots"|"choice"/);
  }
  expect(JSON.stringify(rows)).toContain('"notVoted":2');
});

test('the API opens a first step itself: the 201, the inbox and the row agree as it answers, and no Update was sent; a vote first opens in its run', async () => {
  const rid = uniqueId('req');
  const wf = workflowIds.approvalRequest(rid);
  const started = await startRequest(body(rid));
  expect(started.status).toBe(201);
  const answered = (started.body.openTasks as { taskId: string; step: string }[]).map((t) => t.taskId).sort();
  expect(answered).toHaveLength(2);
  // No wait: the answer's tasks and the procedure's row are in PostgreSQL as it arrives.
  const em = stack.t.orm.em.fork();
  expect((await em.find(TaskSchema, { workflowId: wf, status: 'pending' })).map((t) => t.id).sort()).toEqual(answered);
  expect(await em.findOne(ProcedureSchema, { workflowId: wf })).toMatchObject({ status: 'open', stage: 'countersign' });
  // The run was started with that opening (api/temporal.ts startOpened), not asked for it by an Update.
  const events = async (id: string) => (await decodedHistory(stack.t.env.client.workflow.getHandle(id))).events ?? [];
  const [first] = await events(wf);
  const input = JSON.parse(Buffer.from(first?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data ?? []).toString());
  expect(input.opened).toMatchObject({ rewrite: true, step: { key: 'countersign' } });
  await traceOf(stack.t, wf);
  expect((await events(wf)).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toEqual([]);
  // Acting at once works on the task the API opened.
  const [t1] = answered;
  const task = (await em.findOne(TaskSchema, { id: t1! }))!;
  expect((await actAs(task.assigneeIds[0]!, t1!, { action: 'approve' })).status).toBe(200);

  // A vote's ballot box belongs to the run: a request whose first step is a vote opens with an Update.
  const vid = uniqueId('req');
  const vote = await startRequest(body(vid, { steps: [body(vid).steps[1]] }));
  expect(vote.status).toBe(201);
  expect(vote.body.openTasks).toHaveLength(9);
  expect((await events(workflowIds.approvalRequest(vid))).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(1);
});

test('bad bodies give 400 naming the field; unknown assignees 422; nothing starts', async () => {
  const rid = uniqueId('req');
  const noSteps = await startRequest(body(rid, { steps: [] }));
  expect(noSteps.status).toBe(400);
  expect(noSteps.body.message).toMatch(/^steps:/);
  const base = body(rid);
  const badMode = await startRequest({ ...base, steps: [{ ...base.steps[0], mode: 'majority' }] });
  expect(badMode.status).toBe(400);
  expect(badMode.body.message).toMatch(/^steps\[0\]\.mode:/);
  const noCandidates = await startRequest({ ...base, steps: [base.steps[0], { ...base.steps[1], candidates: undefined }] });
  expect(noCandidates.status).toBe(400);
  expect(noCandidates.body.message).toMatch(/^steps\[1\]\.candidates:/);
  const dupKey = await startRequest({ ...base, steps: [base.steps[0], { ...base.steps[1], key: 'countersign' }] });
  expect(dupKey.status).toBe(400);
  expect(dupKey.body.message).toMatch(/^steps\[1\]\.key:/);

  const unknownUnit = await startRequest({ ...base, steps: [{ ...base.steps[0], assignees: { kind: 'unitHead', unitId: 'nope' } }] });
  expect(unknownUnit.status).toBe(422);
  expect(unknownUnit.body).toMatchObject({ code: 'unknown_unit', details: { field: 'steps[0].assignees.unitId' } });
  const unknownUser = await startRequest({ ...base, steps: [{ ...base.steps[0], assignees: { kind: 'user', userId: 'nobody' } }] });
  expect(unknownUser.status).toBe(422);
  expect(unknownUser.body).toMatchObject({ code: 'unknown_user', details: { field: 'steps[0].assignees.userId' } });
  const nobody = await startRequest({ ...base, steps: [{ ...base.steps[0], assignees: { kind: 'role', role: 'supervisor', unitId: 'jyj' } }] });
  expect(nobody.status).toBe(422);
  expect(nobody.body).toMatchObject({ code: 'no_assignee', details: { field: 'steps[0].assignees' } });
  const outsider = await startRequest({ ...base, steps: [base.steps[0], { ...base.steps[1], voteRule: { principalId: 'zzb-head' } }] });
  expect(outsider.status).toBe(422);
  expect(outsider.body).toMatchObject({ code: 'invalid_vote_rule', details: { field: 'steps[1].voteRule.principalId' } });

  const notStaff = await stack.h.call('POST', '/procedures/approvalRequest', { token: await stack.h.login('cw-1'), key: key(), body: base });
  expect(notStaff.status).toBe(403);
  const list = await stack.h.call('GET', '/procedures?type=approvalRequest', { token: await stack.h.login('zzb-staff') });
  expect(list.body.items.map((p: { workflowId: string }) => p.workflowId)).not.toContain(workflowIds.approvalRequest(rid));
});

test('steps naming only users are held to their units: 教育局 staff cannot name 卫健委’s people (403 out_of_scope), may name their own', async () => {
  const start = async (user: string, rid: string, userIds: string[]) =>
    stack.h.call('POST', '/procedures/approvalRequest', {
      token: await stack.h.login(user),
      key: key(),
      body: { requestId: rid, title: '只点名人员的审批', steps: userIds.map((userId, i) => ({ key: `s${i}`, name: `第${i + 1}步`, mode: 'any', assignees: { kind: 'user', userId } })) },
    });
  const em = () => stack.t.orm.em.fork();
  const before = await em().count(ProcedureSchema, {});

  const only = uniqueId('req');
  const foreign = await start('jyj-staff', only, ['wjw-head']);
  expect(foreign.status).toBe(403);
  expect(foreign.body).toMatchObject({ status: 403, code: 'out_of_scope', details: { field: 'steps[0].assignees.userId', unitIds: ['wjw'] } });
  // Naming one of their own first does not help; the field is the foreign step's.
  const mixed = uniqueId('req');
  expect((await start('jyj-staff', mixed, ['jyj-head', 'wjw-staff'])).body).toMatchObject({ code: 'out_of_scope', details: { field: 'steps[1].assignees.userId' } });
  // Nothing started: no projection row and no workflow.
  expect(await em().count(ProcedureSchema, {})).toBe(before);
  for (const rid of [only, mixed]) {
    await expect(stack.t.env.client.workflow.getHandle(workflowIds.approvalRequest(rid)).describe()).rejects.toThrow(/not found/i);
  }

  // Their own unit's head: allowed. The organization department's staff may name 卫健委's.
  const own = await start('jyj-staff', uniqueId('req'), ['jyj-head']);
  expect(own.status).toBe(201);
  expect(own.body.openTasks).toEqual([expect.objectContaining({ assigneeIds: ['jyj-head'] })]);
  expect((await start('zzb-staff', uniqueId('req'), ['wjw-head'])).status).toBe(201);
});

test('refused votes and closes give 4xx and leave no action row', async () => {
  const rid = uniqueId('req');
  const wf = workflowIds.approvalRequest(rid);
  const single = body(rid);
  expect((await startRequest({ ...single, steps: [single.steps[1]] })).status).toBe(201);
  const task = await inboxTask('cw-1', wf, 'decision');
  const em = stack.t.orm.em.fork();
  const before = await traceOf(stack.t, wf);

  const missing = await actAs('cw-1', task, { action: 'vote', ballots: [{ candidateId: '张三', choice: 'agree' }] });
  expect(missing.status).toBe(422);
  expect(missing.body).toMatchObject({ code: 'invalid_ballot', details: { field: 'ballots', missing: ['李四'] } });
  // A refusal names the ballot's field, never the candidate id sent: an unknown one, or one sent twice.
  const hostile = '<img src=x onerror=alert(1)>候选人';
  const unknown = await actAs('cw-1', task, { action: 'vote', ballots: [{ candidateId: hostile, choice: 'agree' }, ...ballots('agree', 'agree')] });
  expect(unknown.status).toBe(422);
  expect(unknown.body).toMatchObject({ code: 'invalid_ballot', details: { field: 'ballots[0].candidateId' } });
  expect(JSON.stringify(unknown.body)).not.toContain('onerror');
  const twice0 = await actAs('cw-1', task, { action: 'vote', ballots: [{ candidateId: '李四', choice: 'agree' }, { candidateId: '李四', choice: 'defer' }] });
  expect(twice0.status).toBe(422);
  expect(twice0.body).toMatchObject({ code: 'invalid_ballot', message: 'ballots[1].candidateId appears twice', details: { field: 'ballots[1].candidateId' } });
  const badChoice = await actAs('cw-1', task, { action: 'vote', ballots: ballots('agree', 'abstain') });
  expect(badChoice.status).toBe(400);
  expect(badChoice.body.message).toMatch(/^ballots\[1\]\.choice:/);
  const approve = await actAs('cw-1', task, { action: 'approve' });
  expect(approve.status).toBe(422);
  expect(approve.body).toMatchObject({ code: 'action_not_allowed', details: { allowed: ['vote'] } });
  const notYours = await actAs('cw-2', task, { action: 'vote', ballots: ballots('agree', 'agree') });
  expect(notYours.status).toBe(403);
  const noQuorum = await stack.h.call('POST', `/procedures/${wf}/actions`, { token: await stack.h.login('zzb-staff'), key: key(), body: { action: 'closeVote' } });
  expect(noQuorum.status).toBe(422);
  expect(noQuorum.body).toMatchObject({ code: 'quorum_not_met', details: { present: 1, shouldAttend: 9, needed: 6 } });
  // No action row, audit entry, history event or idempotency record.
  expect(await traceOf(stack.t, wf)).toEqual(before);

  expect((await actAs('cw-1', task, { action: 'vote', ballots: ballots('agree', 'agree') })).status).toBe(200);
  const twice = await actAs('cw-1', task, { action: 'vote', ballots: ballots('agree', 'agree') });
  expect(twice.status).toBe(409);
  expect(twice.body.code).toBe('already_voted');
  expect(await em.count(ActionLogSchema, { workflowId: wf, action: 'vote' })).toBe(1);
});

/**
 * The four modes of the approval block, through the generic approval request, against the real dev
 * server and PostgreSQL: sequential (依次), all (会签), any (或签) and vote (票决) with its quorum,
 * pass share of 应到, 缓议, absent members and the principal leader voting last.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { type ApplicationFailure } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import { TaskSchema } from '../../platform/entities';
import { createWorker } from '../../worker/worker';
import { resolveAssignees } from '../../api/assignees';
import type { approvalRequest } from '../../procedures/approval-request/approval-request.workflow';
import type { ApprovalRequestState, ApprovalStepInput } from '../../procedures/approval-request/messages';
import type { ApprovalMode } from '../../procedures/kernel/approval';
import { actUpdate, manageUpdate, stateQuery, type ActInput, type BallotInput } from '../../procedures/kernel/messages';
import type { VoteChoice, VoteRule } from '../../procedures/kernel/vote';
import { workflowIds } from '../helpers/ids';
import { addCommittee } from '../helpers/members';
import { eventually, setupTestEnv, uniqueId, type TestEnv } from '../helpers/env';
import { maybeRecordHistory } from '../helpers/histories';

let t: TestEnv;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueId('tq');
let trio: string[];
let six: string[];
let nine: string[];

beforeAll(async () => {
  t = await setupTestEnv();
  trio = await addCommittee(t.orm, 'qa', 'qa', 3);
  six = await addCommittee(t.orm, 'dw6', 'h', 6);
  nine = await addCommittee(t.orm, 'cwh', 'cw', 9);
  worker = await createWorker({ connection: t.env.nativeConnection, namespace: 'default', taskQueue, orm: t.orm, workflowBundle: t.bundle });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await t?.teardown();
});

const INITIATOR = 'zzb-staff';

async function start(steps: ApprovalStepInput[]) {
  const requestId = uniqueId('req');
  const wf = workflowIds.approvalRequest(requestId);
  const handle = await t.env.client.workflow.start<typeof approvalRequest>('approvalRequest', {
    taskQueue,
    workflowId: wf,
    args: [{ requestId, title: '审批模式测试', initiatorId: INITIATOR, steps, assignees: await resolveAssignees(t.orm.em.fork(), steps.map((s, i) => ({ rule: s.assignees, field: `steps[${i}]` }))) }],
  });
  return { wf, handle };
}

const oneStep = (mode: ApprovalMode, unitId: string, extra: Partial<ApprovalStepInput> = {}): ApprovalStepInput[] => [
  { key: 'decide', name: '审议', mode, assignees: { kind: 'role', role: 'approver', unitId }, ...extra },
];

const state = async (wf: string) => (await t.env.client.workflow.getHandle(wf).query(stateQuery)) as ApprovalRequestState;
const act = (wf: string, a: ActInput) => t.env.client.workflow.getHandle(wf).executeUpdate(actUpdate, { args: [a] });
const closeVote = (wf: string, actorId = INITIATOR) => t.env.client.workflow.getHandle(wf).executeUpdate(manageUpdate, { args: [{ actorId, actorRoles: [], action: 'closeVote' }] });

/**
 * The pending task rows become `expected`: here the Updates go straight to the workflow, so the rows
 * come from its projection activity, a moment after the answer (the API writes them before it answers).
 */
async function rowsBecome(wf: string, expected: unknown): Promise<void> {
  let last: unknown;
  await eventually(async () => {
    last = await pendingRows(wf);
    return JSON.stringify(last) === JSON.stringify(expected) ? true : undefined;
  }, 10_000, 'task rows').catch(() => expect(last).toEqual(expected));
}

/** The open task of `user`, once the step has opened it. */
function taskFor(wf: string, user: string): Promise<string> {
  return eventually(async () => {
    try {
      return (await state(wf)).openTasks.find((x) => x.assigneeIds.includes(user))?.taskId;
    } catch {
      return undefined;
    }
  }, 30_000, `${user}'s task`);
}

async function refusal(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return (err as WorkflowUpdateFailedError).cause as ApplicationFailure;
}

async function pendingRows(wf: string) {
  const rows = await t.orm.em.fork().find(TaskSchema, { workflowId: wf, status: 'pending' }, { orderBy: { seq: 'asc' } });
  return rows.map((r) => r.assigneeIds);
}

/** The pending task rows once `n` of them are projected (the state query can run ahead of the projection). */
const pendingSettled = (wf: string, n: number) =>
  eventually(async () => {
    const rows = await pendingRows(wf);
    return rows.length >= n ? rows : undefined;
  }, 30_000, `${n} pending tasks`);

const approve = async (wf: string, user: string) => act(wf, { taskId: await taskFor(wf, user), actorId: user, action: 'approve' });

/** `member` votes `choices[i]` on candidate `candidates[i]`. */
async function vote(wf: string, member: string, candidates: string[], choices: VoteChoice[]) {
  const ballots: BallotInput[] = candidates.map((candidateId, i) => ({ candidateId, choice: choices[i]! }));
  return act(wf, { taskId: await taskFor(wf, member), actorId: member, action: 'vote', ballots });
}

test('sequential (依次): one signer after another; the next has no task until the previous approves', async () => {
  const { wf, handle } = await start(oneStep('sequential', 'qa'));
  await taskFor(wf, trio[0]!);
  expect(await pendingSettled(wf, 1)).toEqual([[trio[0]]]);
  expect((await state(wf)).openTasks.map((x) => x.assigneeIds)).toEqual([[trio[0]]]);
  const r1 = await approve(wf, trio[0]!);
  expect(r1.openTasks.map((x) => x.assigneeIds)).toEqual([[trio[1]]]);
  await rowsBecome(wf, [[trio[1]]]);
  const r2 = await approve(wf, trio[1]!);
  expect(r2.openTasks.map((x) => x.assigneeIds)).toEqual([[trio[2]]]);
  const r3 = await approve(wf, trio[2]!);
  expect(r3).toMatchObject({ status: 'approved', nextTask: null });
  expect(await handle.result()).toEqual({ status: 'approved', decisions: [] });
  const done = await t.orm.em.fork().find(TaskSchema, { workflowId: wf }, { orderBy: { seq: 'asc' } });
  expect(done.map((x) => [x.assigneeIds[0], x.action])).toEqual(trio.map((u) => [u, 'approve']));
});

test('all (会签): every task opens at once; the step completes only after the last approval', async () => {
  const { wf, handle } = await start([
    { key: 'countersign', name: '会签', mode: 'all', assignees: { kind: 'role', role: 'approver', unitId: 'qa' } },
    { key: 'final', name: '终审', mode: 'any', assignees: { kind: 'unitHead', unitId: 'zzb' } },
  ]);
  await taskFor(wf, trio[2]!);
  expect((await state(wf)).openTasks.map((x) => x.assigneeIds)).toEqual(trio.map((u) => [u]));
  expect(await pendingSettled(wf, 3)).toEqual(trio.map((u) => [u]));
  await approve(wf, trio[1]!);
  const r = await approve(wf, trio[0]!);
  expect(r).toMatchObject({ status: 'open', stage: 'countersign' });
  expect(r.openTasks.map((x) => x.assigneeIds)).toEqual([[trio[2]]]);
  const last = await approve(wf, trio[2]!);
  expect(last).toMatchObject({ stage: 'final', nextTask: { step: 'final', assigneeIds: ['zzb-head'] } });
  await approve(wf, 'zzb-head');
  expect((await handle.result()).status).toBe('approved');
});

test('any (或签): one shared task; the first approval completes the step and the others can no longer act', async () => {
  const { wf, handle } = await start([
    { key: 'either', name: '或签', mode: 'any', assignees: { kind: 'role', role: 'approver', unitId: 'qa' } },
    { key: 'final', name: '终审', mode: 'sequential', assignees: { kind: 'unitHead', unitId: 'zzb' } },
  ]);
  const taskId = await taskFor(wf, trio[0]!);
  expect((await state(wf)).openTasks.map((x) => x.assigneeIds)).toEqual([trio]);
  const r = await act(wf, { taskId, actorId: trio[1]!, action: 'approve' });
  expect(r).toMatchObject({ status: 'open', stage: 'final', openTasks: [{ step: 'final', assigneeIds: ['zzb-head'] }] });
  // Nobody of the three has a pending task any more; the shared one is done, by the one who approved.
  await rowsBecome(wf, [['zzb-head']]);
  const shared = await t.orm.em.fork().findOneOrFail(TaskSchema, { id: taskId });
  expect([shared.status, shared.completedBy, shared.action]).toEqual(['done', trio[1], 'approve']);
  expect((await refusal(act(wf, { taskId, actorId: trio[0]!, action: 'approve' }))).type).toBe('task_not_pending');
  await approve(wf, 'zzb-head');
  expect(await handle.result()).toEqual({ status: 'approved', decisions: [] });
  // A 或签 step and a 依次 step, which no other approvalRequest history walks: recorded for the replay test.
  await maybeRecordHistory('approval-request-any-sequential.json', handle);
});

test('vote (票决): closing with 5 of 9 present is refused; exactly 2/3 (6 of 9) closes; absent members count in 应到', async () => {
  const candidates = ['A', 'B'];
  const { wf, handle } = await start(oneStep('vote', 'cwh', { candidates }));
  await taskFor(wf, nine[8]!);
  // Every member's task is open at once.
  expect((await state(wf)).openTasks.map((x) => x.assigneeIds)).toEqual(nine.map((m) => [m]));
  // A: 5 同意, 1 不同意 of 6 present — 5 of 应到 9 is more than half. B: 4 同意 — a majority of those present, not of 应到.
  const choices: VoteChoice[][] = [
    ['agree', 'agree'],
    ['agree', 'agree'],
    ['agree', 'agree'],
    ['agree', 'agree'],
    ['agree', 'disagree'],
  ];
  for (const [i, c] of choices.entries()) await vote(wf, nine[i]!, candidates, c);
  const refused = await refusal(closeVote(wf));
  expect(refused.type).toBe('quorum_not_met');
  expect(refused.message).toMatch(/5 of 9 members present.*at least 6 needed/);
  expect((await state(wf)).status).toBe('open');
  // Only the initiator organizes the vote.
  expect((await refusal(closeVote(wf, nine[0]))).type).toBe('not_allowed');

  await vote(wf, nine[5]!, candidates, ['disagree', 'disagree']);
  const closed = await closeVote(wf);
  expect(closed.status).toBe('approved');
  const result = await handle.result();
  expect(result.decisions).toHaveLength(1);
  const tally = result.decisions[0]!.tally;
  expect(tally).toMatchObject({ shouldAttend: 9, present: 6, quorumMet: true });
  expect(tally.candidates).toEqual([
    { candidateId: 'A', agree: 5, disagree: 1, defer: 0, notVoted: 3, passed: true, outcome: 'passed' },
    { candidateId: 'B', agree: 4, disagree: 2, defer: 0, notVoted: 3, passed: false, outcome: 'notPassed' },
  ]);
  // The absent members' tasks closed as absent.
  const rows = await t.orm.em.fork().find(TaskSchema, { workflowId: wf }, { orderBy: { seq: 'asc' } });
  expect(rows.map((x) => x.action)).toEqual([...Array(6).fill('vote'), 'absent', 'absent', 'absent']);
  await maybeRecordHistory('approval-request-vote.json', handle);
});

test('vote (票决): exactly half 同意 of 应到 does not pass; 缓议 is not 同意 and not 不同意; bad ballots are refused', async () => {
  const candidates = ['A', 'B', 'C'];
  const { wf, handle } = await start(oneStep('vote', 'dw6', { candidates }));
  const first = await taskFor(wf, six[0]!);
  // Every candidate exactly once.
  const missing = await refusal(act(wf, { taskId: first, actorId: six[0]!, action: 'vote', ballots: [{ candidateId: 'A', choice: 'agree' }] }));
  expect(missing.type).toBe('invalid_ballot');
  expect(missing.message).toMatch(/missing: B, C/);
  const twice = [
    { candidateId: 'A', choice: 'agree' as const },
    { candidateId: 'A', choice: 'agree' as const },
    { candidateId: 'B', choice: 'agree' as const },
  ];
  expect((await refusal(act(wf, { taskId: first, actorId: six[0]!, action: 'vote', ballots: twice }))).type).toBe('invalid_ballot');
  const unknown = [...twice.slice(1), { candidateId: 'Z', choice: 'agree' as const }];
  expect((await refusal(act(wf, { taskId: first, actorId: six[0]!, action: 'vote', ballots: unknown }))).type).toBe('invalid_ballot');
  expect((await refusal(act(wf, { taskId: first, actorId: six[0]!, action: 'approve' }))).type).toBe('action_not_allowed');
  expect((await state(wf)).actions.map((a) => a.action)).toEqual(['start']);
  // The state lists what the validator allows, for a client to offer: a vote step only votes.
  expect(((await state(wf)) as unknown as { currentStep: { allowed: string[] } }).currentStep.allowed).toEqual(['vote']);

  // A: 3 同意 3 不同意; B: 4 同意 2 缓议; C: 3 同意 3 缓议.
  const votes: VoteChoice[][] = [
    ['agree', 'agree', 'agree'],
    ['agree', 'agree', 'agree'],
    ['agree', 'agree', 'agree'],
    ['disagree', 'agree', 'defer'],
    ['disagree', 'defer', 'defer'],
    ['disagree', 'defer', 'defer'],
  ];
  for (const [i, c] of votes.entries()) {
    const r = await vote(wf, six[i]!, candidates, c);
    if (i === 0) {
      // Voting twice is refused.
      expect((await refusal(act(wf, { taskId: r.taskId ?? '', actorId: six[0]!, action: 'vote', ballots: candidates.map((candidateId) => ({ candidateId, choice: 'agree' as const })) }))).type).toBe(
        'already_voted',
      );
    }
  }
  // The step completed when the last member voted.
  const result = await handle.result();
  const tally = result.decisions[0]!.tally;
  expect(tally).toMatchObject({ shouldAttend: 6, present: 6, quorumMet: true });
  expect(tally.candidates.map((c) => [c.candidateId, c.agree, c.disagree, c.defer, c.passed, c.outcome])).toEqual([
    ['A', 3, 3, 0, false, 'notPassed'],
    ['B', 4, 0, 2, true, 'passed'],
    ['C', 3, 0, 3, false, 'notPassed'],
  ]);
});

test('vote (票决): the principal votes last — refused while others may vote, allowed once the vote closes on the rest', async () => {
  const candidates = ['A'];
  const principal = nine[8]!;
  const rule: VoteRule = { quorum: { num: 2, den: 3 }, pass: { num: 1, den: 2 }, principalId: principal };
  const { wf, handle } = await start(oneStep('vote', 'cwh', { candidates, voteRule: rule }));
  // The principal's task is open, but their ballot waits for everyone else present.
  const ptask = await taskFor(wf, principal);
  const early = await refusal(act(wf, { taskId: ptask, actorId: principal, action: 'vote', ballots: [{ candidateId: 'A', choice: 'agree' }] }));
  expect(early.type).toBe('principal_votes_last');
  expect(early.message).toMatch(/still to vote/);
  for (const m of nine.slice(0, 5)) await vote(wf, m, candidates, ['agree']);
  expect((await refusal(act(wf, { taskId: ptask, actorId: principal, action: 'vote', ballots: [{ candidateId: 'A', choice: 'agree' }] }))).type).toBe(
    'principal_votes_last',
  );
  // 5 voted plus the principal still to vote make 6 of 9: the others are absent, the principal's task stays open.
  const closed = await closeVote(wf);
  expect(closed.status).toBe('open');
  const s = await state(wf);
  expect(s.openTasks.map((x) => x.assigneeIds)).toEqual([[principal]]);
  expect(s.currentStep?.vote).toMatchObject({ closing: true, absent: nine.slice(5, 8) });
  const last = await act(wf, { taskId: ptask, actorId: principal, action: 'vote', ballots: [{ candidateId: 'A', choice: 'disagree' }] });
  expect(last.status).toBe('approved');
  const tally = (await handle.result()).decisions[0]!.tally;
  expect(tally).toMatchObject({ shouldAttend: 9, present: 6 });
  expect(tally.candidates[0]).toMatchObject({ agree: 5, disagree: 1, notVoted: 3, outcome: 'passed' });
});

test('every step but the first can return to an earlier one; transfer and add a signer work in a generic step; withdraw before anyone acts', async () => {
  const { wf, handle } = await start([
    { key: 'draft', name: '拟稿', mode: 'any', assignees: { kind: 'unitHead', unitId: 'jyj' } },
    { key: 'countersign', name: '会签', mode: 'all', assignees: { kind: 'role', role: 'approver', unitId: 'qa' } },
  ]);
  const draft = await taskFor(wf, 'jyj-head');
  expect((await refusal(act(wf, { taskId: draft, actorId: 'jyj-head', action: 'return', comment: 'x' }))).type).toBe('action_not_allowed');
  await act(wf, { taskId: draft, actorId: 'jyj-head', action: 'approve' });
  // 转办 and 加签 (after oneself) in the 会签 step.
  const moved = await act(wf, { taskId: await taskFor(wf, trio[0]!), actorId: trio[0]!, action: 'transfer', targetUserId: 'wjw-head' });
  expect(moved.openTasks.map((x) => x.assigneeIds)).toEqual(expect.arrayContaining([['wjw-head']]));
  const added = await act(wf, { taskId: await taskFor(wf, trio[1]!), actorId: trio[1]!, action: 'addSigner', targetUserId: 'zzb-head', position: 'after' });
  expect(added.openTasks.map((x) => x.assigneeIds)).toEqual(expect.arrayContaining([['zzb-head']]));
  const back = await act(wf, { taskId: await taskFor(wf, trio[2]!), actorId: trio[2]!, action: 'return', returnTo: 'draft', comment: '请补充依据' });
  expect(back).toMatchObject({ stage: 'draft', nextTask: { step: 'draft', round: 2, assigneeIds: ['jyj-head'] } });
  await rowsBecome(wf, [['jyj-head']]);

  // Withdraw: only before anyone has acted.
  const other = await start(oneStep('any', 'qa'));
  await taskFor(other.wf, trio[0]!);
  const manage = (w: string, actorId: string) =>
    t.env.client.workflow.getHandle(w).executeUpdate(manageUpdate, { args: [{ actorId, actorRoles: ['staff'], action: 'withdraw' }] });
  expect((await refusal(manage(wf, INITIATOR))).type).toBe('cannot_withdraw');
  expect((await refusal(manage(other.wf, trio[0]!))).type).toBe('cannot_withdraw');
  await manage(other.wf, INITIATOR);
  expect(await other.handle.result()).toEqual({ status: 'withdrawn', decisions: [] });
  await handle.terminate('test done');
});

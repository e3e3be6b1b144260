/**
 * 揭榜出征 over HTTP, the parts around the department's decisions: the list returned to the draft (退回)
 * and submitted again; the department meeting (部务会, three members) voting on the whole slate of matched
 * pairs with exceptions at a recorded meeting (its date, attendance and minutes; the quorum from the
 * attendance recorded), its refusals leaving no trace, and the quorum and pass rules deciding each pair; a list
 * whose meeting passed no pair closes with its figures, and the figures across a year's closed lists add
 * it (GET /redeployment/figures?year=).
 */
import { hashPassword } from '../../api/auth';
import { addDays, chinaDateOf } from '../../domain/dates';
import { ActionLogSchema, AppUserSchema, ProcedureSchema } from '../../platform/entities';
import { DEMO_PASSWORD } from '../../platform/seed';
import { inboxTask, newKey, traceOf, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { maybeRecordHistory } from '../helpers/histories';
import { bornAged, daysAgo, termAhead } from '../helpers/today';

const stack = useApiStack(async (t) => {
  // Two more members of the department meeting (zzb's approvers): with zzb-head, three.
  const em = t.orm.em.fork();
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const id of ['zzb-m2', 'zzb-m3']) em.create(AppUserSchema, { id, username: id, displayName: id, unitId: 'zzb', roles: ['approver'], passwordHash, createdAt: new Date() });
  await em.flush();
});
const STAFF = 'zzb-staff';
const TODAY = chinaDateOf(new Date());
const YEAR = Number(TODAY.slice(0, 4));

const CSV = [
  '编号,姓名,出生日期,单位,现职级,任现职级时间,参加工作时间,学历,退出领导岗位时间,专业领域,体检日期,体检结论',
  // Relative to today (helpers/today.ts): health checks within their 12 months and ages under 60 whenever the test runs.
  `GB9301,赵一,${bornAged(58)},wjw,正处,2015-01-01,1990-07-01,本科,2025-06-30,教育,${daysAgo(53)},合格`,
  `GB9302,钱二,${bornAged(56)},jyj,副处,2016-01-01,1992-07-01,硕士,2025-03-01,教育,${daysAgo(71)},合格`,
].join('\n');

const task = (taskId: string, hostUnitId: string) => ({
  taskId,
  title: `${taskId} 一线任务`,
  description: '驻村帮扶',
  hostUnitId,
  // Ahead of today: a dispatched term's report periods do not end (and need no calendar) while the test runs.
  term: termAhead(),
  people: 1,
  requirements: { fields: ['教育'] },
});

const call = async (method: 'GET' | 'POST', path: string, user: string, body?: unknown) =>
  stack.h.call(method, path, { token: await stack.h.login(user), ...(method === 'POST' ? { key: newKey(), body } : {}) });
const command = (wf: string, body: unknown, user = STAFF) => call('POST', `/procedures/${wf}/redeployment`, user, body);

async function expectNoTrace(wf: string, refused: () => Promise<{ status: number; body: any }>, status: number, code: string, field?: string): Promise<any> {
  const before = await traceOf(stack.t, wf);
  const r = await refused();
  expect([r.status, r.body.code]).toEqual([status, code]);
  if (field) expect(r.body.details?.field).toBe(field);
  expect(await traceOf(stack.t, wf)).toEqual(before);
  return r.body;
}

async function startList(): Promise<string> {
  const listId = uniqueId('LM');
  const started = await call('POST', '/procedures/redeployment', STAFF, { listId, title: '部务会榜单', tasks: [task('T1', 'jyj'), task('T2', 'wjw')] });
  expect(started.status).toBe(201);
  return started.body.workflowId as string;
}

describe('揭榜出征: the department’s decisions over HTTP', () => {
  beforeAll(async () => {
    const r = await call('POST', '/people/import', STAFF, { format: 'csv', content: Buffer.from(CSV).toString('base64') });
    expect(r.body).toMatchObject({ imported: 2, failed: 0 });
  });

  it('returns the list to the draft with a reason; staff submit it again and the head approves it in round 2', async () => {
    const wf = await startList();
    const approval = await inboxTask(stack.h, 'zzb-head', wf, 'listApproval');
    // A return needs its reason: refused at the edge, without a trace.
    const noReason = await expectNoTrace(wf, () => call('POST', `/tasks/${approval}/actions`, 'zzb-head', { action: 'return' }), 400, 'validation_error');
    expect(JSON.stringify(noReason)).toContain('comment');
    const returned = await call('POST', `/tasks/${approval}/actions`, 'zzb-head', { action: 'return', comment: '任务要求需细化' });
    expect(returned.status).toBe(200);
    expect(returned.body).toMatchObject({ stage: 'draft', openTasks: [{ step: 'draft', assigneeIds: [STAFF], round: 2 }] });
    // In the draft the list can be changed, not published.
    await expectNoTrace(wf, () => command(wf, { action: 'publish', closeDate: addDays(TODAY, 10) }), 409, 'wrong_stage');
    expect((await command(wf, { action: 'changeTask', taskId: 'T1', changes: { people: 2 }, reason: '按审批意见细化' })).status).toBe(200);
    const draft = await inboxTask(stack.h, STAFF, wf, 'draft');
    const resubmitted = await call('POST', `/tasks/${draft}/actions`, STAFF, { action: 'submitList', comment: '已细化' });
    expect(resubmitted.body).toMatchObject({ stage: 'listApproval', openTasks: [{ step: 'listApproval', assigneeIds: ['zzb-head'], round: 2 }] });
    const second = await inboxTask(stack.h, 'zzb-head', wf, 'listApproval');
    expect(second).not.toBe(approval);
    expect((await call('POST', `/tasks/${second}/actions`, 'zzb-head', { action: 'approve' })).body.stage).toBe('approved');
    const state = (await call('GET', `/procedures/${wf}`, STAFF)).body.state;
    expect(state).toMatchObject({ stage: 'approved', round: 2 });
    expect(state.tasks.find((t: any) => t.taskId === 'T1')).toMatchObject({ people: 2, version: 2 });
    const em = stack.t.orm.em.fork();
    const steps = (await em.find(ActionLogSchema, { workflowId: wf, action: { $in: ['return', 'submitList', 'approve'] } }, { orderBy: { seq: 'asc' } })).map((a) => [a.action, a.step, a.comment]);
    expect(steps).toEqual([
      ['return', 'listApproval', '任务要求需细化'],
      ['submitList', 'draft', '已细化'],
      ['approve', 'listApproval', null],
    ]);
  });

  it('opens the meeting with its attendance (quorum from it), votes on the slate with exceptions, closes with the minutes, decides each pair, and adds the closed list to the year’s figures', async () => {
    const yearBefore = (await call('GET', `/redeployment/figures?year=${YEAR}`, STAFF)).body;
    const nextYearBefore = (await call('GET', `/redeployment/figures?year=${YEAR + 1}`, STAFF)).body;

    const wf = await startList();
    await call('POST', `/tasks/${await inboxTask(stack.h, 'zzb-head', wf, 'listApproval')}/actions`, 'zzb-head', { action: 'approve' });
    await command(wf, { action: 'publish', closeDate: addDays(TODAY, 10) });
    // The demo has no cadre accounts here: each host's staff stands in for its cadre.
    await command(wf, { action: 'apply', personId: 'GB9301', taskIds: ['T1', 'T2'], statement: '愿赴一线' }, 'wjw-staff');
    await command(wf, { action: 'apply', personId: 'GB9302', taskIds: ['T2'], statement: '愿赴一线' }, 'jyj-staff');
    await command(wf, { action: 'closeApplications', reason: '报名截止' });
    await command(wf, { action: 'recordCheck', personId: 'GB9301', health: { date: TODAY, result: 'fit' } });
    await command(wf, { action: 'recordCheck', personId: 'GB9302', health: { date: TODAY, result: 'fit' } });
    await command(wf, { action: 'rank', taskId: 'T1', personIds: ['GB9301'] }, 'jyj-head');
    await command(wf, { action: 'rank', taskId: 'T2', personIds: ['GB9302', 'GB9301'] }, 'wjw-head');
    const matched = await command(wf, { action: 'runMatching' });
    expect(matched.body.state.proposal.pairs).toEqual([
      { taskId: 'T1', personId: 'GB9301' },
      { taskId: 'T2', personId: 'GB9302' },
    ]);
    expect((await command(wf, { action: 'submitProposal' })).body.stage).toBe('meeting');
    // The vote belongs to a recorded meeting: no ballot, and no closing, before it is opened with its attendance.
    expect((await call('GET', `/procedures/${wf}`, STAFF)).body.state.openTasks).toEqual([]);
    await expectNoTrace(wf, () => command(wf, { action: 'vote', choice: 'agree' }, 'zzb-head'), 409, 'meeting_not_open');
    await expectNoTrace(wf, () => call('POST', `/procedures/${wf}/actions`, STAFF, { action: 'closeVote' }), 409, 'meeting_not_open');
    // One of three present: no quorum (2/3), the meeting cannot decide; only the department's staff open it.
    await expectNoTrace(wf, () => command(wf, { action: 'openMeeting', date: TODAY, present: ['zzb-head'] }), 422, 'quorum_not_met', 'present');
    await expectNoTrace(wf, () => command(wf, { action: 'openMeeting', date: TODAY, present: ['zzb-head', 'zzb-m2'] }, 'zzb-head'), 403, 'not_allowed');
    // Two of three present: zzb-m3 is absent, and only those present get a ballot task.
    const opened = await command(wf, { action: 'openMeeting', date: TODAY, present: ['zzb-head', 'zzb-m2'] });
    expect(opened.status).toBe(200);
    expect(opened.body.state.meeting).toMatchObject({ date: TODAY, shouldAttend: ['zzb-head', 'zzb-m2', 'zzb-m3'].sort(), present: expect.arrayContaining(['zzb-head', 'zzb-m2']), absent: ['zzb-m3'], minutes: null });
    const tasks = opened.body.state.openTasks as { taskId: string; assigneeIds: string[] }[];
    expect(tasks.flatMap((t) => t.assigneeIds).sort()).toEqual(['zzb-head', 'zzb-m2']);
    await expectNoTrace(wf, () => command(wf, { action: 'openMeeting', date: TODAY, present: ['zzb-head', 'zzb-m2', 'zzb-m3'] }), 409, 'meeting_already_open');
    // The absent member's ballot is refused with the rule named.
    const absentBallot = await expectNoTrace(wf, () => command(wf, { action: 'vote', choice: 'agree' }, 'zzb-m3'), 403, 'not_present');
    expect(absentBallot.details).toMatchObject({ rule: 'meeting.attendance', date: TODAY });

    // Refusals leave no trace: not a member; an exception naming no pair.
    await expectNoTrace(wf, () => command(wf, { action: 'vote', choice: 'agree' }, STAFF), 403, 'not_assignee', 'actorId');
    const unknown = await expectNoTrace(wf, () => command(wf, { action: 'vote', choice: 'agree', except: [{ candidateId: 'T9/GB0000', choice: 'disagree' }] }, 'zzb-head'), 422, 'invalid_ballot', 'except[0].candidateId');
    expect(unknown.message).not.toContain('GB0000');
    await expectNoTrace(wf, () => command(wf, { action: 'vote', choice: 'agree', except: [{ candidateId: 'T1/GB9301', choice: 'agree' }] }, 'zzb-head'), 422, 'invalid_ballot', 'except[0].choice');

    // zzb-head: 同意 the slate but T2's pair; one command, one ballot per pair.
    const head = await command(wf, { action: 'vote', choice: 'agree', except: [{ candidateId: 'T2/GB9302', choice: 'disagree' }] }, 'zzb-head');
    expect([head.status, head.body.stage]).toEqual([200, 'meeting']);
    await expectNoTrace(wf, () => command(wf, { action: 'vote', choice: 'disagree' }, 'zzb-head'), 409, 'already_voted');
    // The minutes come before the vote closes.
    await expectNoTrace(wf, () => call('POST', `/procedures/${wf}/actions`, STAFF, { action: 'closeVote' }), 409, 'minutes_required', 'minutesRef');
    // Only the organizer (the list's initiator) closes the vote.
    await expectNoTrace(wf, () => call('POST', `/procedures/${wf}/actions`, 'zzb-head', { action: 'closeVote' }), 403, 'not_allowed');
    // zzb-m2: 不同意 everything. Every member present has voted, but the vote waits for its minutes.
    expect((await command(wf, { action: 'vote', choice: 'disagree' }, 'zzb-m2')).body.stage).toBe('meeting');
    expect((await call('GET', `/procedures/${wf}`, STAFF)).body.state.stage).toBe('meeting');

    // The minutes end the vote.
    const minuted = await command(wf, { action: 'attachMinutes', minutesRef: '部务会纪要〔2026〕7号' });
    expect(minuted.status).toBe(200);
    // Each pair needs 同意 from more than half of the 3 who should attend: neither has it. T1's pair is
    // postponed (1 for, 1 against); T2's is rejected (2 of 3 against).
    const em = stack.t.orm.em.fork();
    await eventually(async () => ((await em.fork().findOne(ProcedureSchema, { workflowId: wf }))?.status === 'closed' ? true : undefined), 30_000, 'the list closed');
    const state = (await call('GET', `/procedures/${wf}`, STAFF)).body.state;
    expect(state.decision).toMatchObject({ shouldAttend: 3, present: 2, quorumMet: true });
    expect(state.decision.candidates.map((c: any) => [c.candidateId, c.agree, c.disagree, c.notVoted, c.outcome])).toEqual([
      ['T1/GB9301', 1, 1, 1, 'notPassed'],
      ['T2/GB9302', 0, 2, 1, 'rejected'],
    ]);
    expect(state.approvedPairs).toEqual([]);
    expect(state.letters).toEqual([]);
    expect(state.figures).toMatchObject({ applications: 3, applicants: 2, eligible: 2, matched: 2, dispatched: 0 });
    expect(state.figures.closedAt).toEqual(expect.any(String));
    // 实到 is the attendance recorded at the meeting, whose minutes are kept with it.
    expect(state.meeting).toMatchObject({ absent: ['zzb-m3'], minutes: { ref: '部务会纪要〔2026〕7号', by: STAFF } });
    const minutes = await em.findOneOrFail(ActionLogSchema, { workflowId: wf, action: 'attachMinutes' });
    expect(minutes.data).toEqual({ action: 'attachMinutes', minutesRef: '部务会纪要〔2026〕7号' });
    const votes = await em.find(ActionLogSchema, { workflowId: wf, action: 'vote' }, { orderBy: { seq: 'asc' } });
    // The meeting's vote is secret (无记名, the default): who voted is kept, how is not.
    expect(votes.map((v) => [v.actorId, v.data])).toEqual([
      ['zzb-head', { secret: true }],
      ['zzb-m2', { secret: true }],
    ]);

    // The year's figures add this closed list; the next year's do not.
    const year = (await call('GET', `/redeployment/figures?year=${YEAR}`, STAFF)).body;
    expect(year.lists).toBe(yearBefore.lists + 1);
    expect(year.totals.applications - yearBefore.totals.applications).toBe(3);
    expect(year.totals.applicants - yearBefore.totals.applicants).toBe(2);
    expect(year.totals.matched - yearBefore.totals.matched).toBe(2);
    expect(year.totals.dispatched - yearBefore.totals.dispatched).toBe(0);
    expect((await call('GET', `/redeployment/figures?year=${YEAR + 1}`, STAFF)).body).toEqual(nextYearBefore);
    // redeployment-meeting.json stays as recorded before the meeting was recorded (a closeVote, no minutes);
    // this path, the meeting opened with its attendance and ended by its minutes, is a history of its own.
    await maybeRecordHistory('redeployment-meeting-minuted.json', stack.t.env.client.workflow.getHandle(wf));
    const bad = await call('GET', '/redeployment/figures?year=abc', STAFF);
    expect([bad.status, bad.body.code]).toEqual([400, expect.any(String)]);
    expect(JSON.stringify(bad.body)).toContain('year');
  });
});

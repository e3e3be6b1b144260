/**
 * 揭榜出征's list continues as new before its history gets long (rules.maxHistoryEvents, set low here so a
 * small list crosses it several times): the state, the open stage and the API's answers carry over, the
 * transitions number on across runs (PostgreSQL dedupes by workflow id and seq, so a restart at 1 would
 * silently drop actions), the meeting's task takes the next task number, and Updates sent in parallel
 * while a run switches are neither lost nor doubled. The stages with an approval step (the list's
 * approval, the meeting) continue as new too, mid-step: the open task keeps its id and its ballots.
 * Neither the carried state nor the answers hold the actions (they are in action_log).
 */
import { WithStartWorkflowOperation } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { addDays, chinaDateOf } from '../../domain/dates';
import { ActionLogSchema, ProcedureSchema, TaskSchema } from '../../platform/entities';
import { payloadDataConverter } from '../../platform/payload-codec';
import { actUpdate } from '../../procedures/kernel/messages';
import type { RedeploymentInput } from '../../procedures/redeployment/messages';
import { inboxTask, newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { decodedHistory, maybeRecordHistory } from '../helpers/histories';

const stack = useApiStack();
const STAFF = 'zzb-staff';
const TODAY = chinaDateOf(new Date());
const N = 8;
/** Low enough that the list continues several times on its way through N cadres. */
const MAX_EVENTS = 60;

const ids = Array.from({ length: N }, (_, i) => `GB96${String(i).padStart(2, '0')}`);
const host = (i: number): 'jyj' | 'wjw' => (i % 2 === 0 ? 'jyj' : 'wjw');
/** The demo has no cadre accounts: each host's staff member stands in for its cadres. */
const cadreUser = (i: number): string => `${host(i)}-staff`;
const CSV = [
  '编号,姓名,出生日期,单位,现职级,任现职级时间,参加工作时间,学历,退出领导岗位时间,专业领域,体检日期,体检结论',
  ...ids.map((id, i) => `${id},续跑${i},1970-0${(i % 9) + 1}-01,${host(i)},正处,2015-01-01,1990-07-01,本科,2025-06-30,教育,${addDays(TODAY, -30)},合格`),
].join('\n');

const call = async (method: 'GET' | 'POST', path: string, user: string, body?: unknown) =>
  stack.h.call(method, path, { token: await stack.h.login(user), ...(method === 'POST' ? { key: newKey(), body } : {}) });
const command = (wf: string, body: unknown, user = STAFF) => call('POST', `/procedures/${wf}/redeployment`, user, body);
/** Runs `fn` over the items, `limit` at a time: Updates overlap a run's switch. */
async function parallel<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let i = next++; i < items.length; i = next++) await fn(items[i] as T, i);
    }),
  );
}

/** Urges the open task until the list's run changes (it continued as new); returns the urges sent. */
async function urgeUntilContinued(wf: string, taskId: string): Promise<number> {
  const before = (await stack.t.env.client.workflow.getHandle(wf).describe()).runId;
  for (let n = 1; n <= 40; n++) {
    const r = await call('POST', `/procedures/${wf}/actions`, STAFF, { action: 'urge', taskId, comment: `第${n}次催办` });
    expect([r.status, r.body.code]).toEqual([200, undefined]);
    if ((await stack.t.env.client.workflow.getHandle(wf).describe()).runId !== before) return n;
  }
  throw new Error(`${wf} did not continue as new while ${taskId} was open`);
}

describe('揭榜出征 list across continue-as-new', () => {
  it('keeps its state, numbering and open work across runs, and every action reaches PostgreSQL once', async () => {
    const imported = await call('POST', '/people/import', STAFF, { format: 'csv', content: Buffer.from(CSV).toString('base64') });
    expect(imported.body).toMatchObject({ imported: N, failed: 0 });

    const listId = uniqueId('LC');
    const wf = `redeployment-${listId}`;
    const tasks = ids.map((_, i) => ({
      taskId: `T${i}`,
      title: `任务${i}`,
      description: '驻村帮扶',
      hostUnitId: host(i),
      term: { start: addDays(TODAY, 40), end: addDays(TODAY, 400) },
      people: 1,
      requirements: { fields: ['教育'] },
      goals: ['完成项目建设'],
    }));
    const started = await call('POST', '/procedures/redeployment', STAFF, { listId, title: '续跑榜单', tasks, rules: { maxHistoryEvents: MAX_EVENTS } });
    expect(started.status).toBe(201);
    const approval = await inboxTask(stack.h, 'zzb-head', wf, 'listApproval');
    expect(approval).toBe(`${wf}:1`);
    // Urged until the history passes the bound while the approval's task is open: the run continues as
    // new mid-step, and the same task is approved in the next run.
    let taken = 0;
    const { runId: firstRun } = await stack.t.env.client.workflow.getHandle(wf).describe();
    taken += await urgeUntilContinued(wf, approval);
    // The first run, continued as new with the list's approval open (bound.ts), for the replay test.
    await maybeRecordHistory('redeployment-continued-at-approval.json', stack.t.env.client.workflow.getHandle(wf, firstRun));
    // At once, with no wait for the new run: an action buffered in its first workflow task is validated as
    // its handler is registered, and must find the resumed step's task open (kernel/approval.ts restore).
    const appr = await call('POST', `/tasks/${approval}/actions`, 'zzb-head', { action: 'approve' });
    expect([appr.status, appr.body.stage, appr.body.code, appr.body.message]).toEqual([200, 'approved', undefined, undefined]);
    expect((await command(wf, { action: 'publish', closeDate: addDays(TODAY, 10) })).body.stage).toBe('published');

    // Applications, four at a time: some arrive while a run drains and continues as new.
    taken += 2; // approve, publish
    await parallel(ids, 4, async (personId, i) => {
      const r = await command(wf, { action: 'apply', personId, taskIds: [`T${i}`], statement: '愿赴一线' }, cadreUser(i));
      expect([r.status, r.body.code]).toEqual([200, undefined]);
      taken += 1;
    });
    // A refusal in a continued run still leaves the rule named.
    const twice = await command(wf, { action: 'apply', personId: ids[0], taskIds: ['T0'], statement: '再报' }, cadreUser(0));
    expect(twice.status).toBe(422);
    expect((await command(wf, { action: 'closeApplications', reason: '报名截止' })).body.stage).toBe('checks');
    taken += 1;
    await parallel(ids, 4, async (personId) => {
      const r = await command(wf, { action: 'recordCheck', personId, health: { date: TODAY, result: 'fit' } });
      expect(r.status).toBe(200);
      taken += 1;
    });
    await parallel(ids, 4, async (personId, i) => {
      const r = await command(wf, { action: 'rank', taskId: `T${i}`, personIds: [personId] }, `${host(i)}-head`);
      expect(r.status).toBe(200);
      taken += 1;
    });
    const matched = await command(wf, { action: 'runMatching' });
    expect(matched.body.stage).toBe('proposal');
    expect(matched.body.state.proposal.pairs).toHaveLength(N);
    expect((await command(wf, { action: 'submitProposal' })).body.stage).toBe('meeting');
    taken += 2;

    // The meeting is opened (its attendance opens the member's task); it is carried across continue-as-new
    // with the step, and so is the rule that its vote ends only with the minutes.
    expect((await command(wf, { action: 'openMeeting', date: TODAY, present: ['zzb-head'] })).status).toBe(200);
    taken += 1;
    // The meeting's task numbers on from the list approval's, whichever run opens it.
    const vote = await inboxTask(stack.h, 'zzb-head', wf, 'meeting');
    expect(vote).toBe(`${wf}:2`);
    const { runId: meetingRun } = await stack.t.env.client.workflow.getHandle(wf).describe();
    // The meeting continues as new mid-vote as well; the member then votes on the whole slate, 同意 all
    // pairs but one, in one command on the same task.
    taken += await urgeUntilContinued(wf, vote);
    // The run that opened the meeting (patch redeployment-meeting, unless an earlier run had reached it) and
    // continued as new with its vote open, for the replay test.
    await maybeRecordHistory('redeployment-meeting-continued.json', stack.t.env.client.workflow.getHandle(wf, meetingRun));
    const voted = await command(wf, { action: 'vote', choice: 'agree', except: [{ candidateId: `T0/${ids[0]}`, choice: 'defer' }] }, 'zzb-head');
    // The whole answer, so that a failure shows the refusal. Every member present has voted; the minutes are missing.
    expect([voted.status, voted.body.stage, voted.body.code, voted.body.message]).toEqual([200, 'meeting', undefined, undefined]);
    const minuted = await command(wf, { action: 'attachMinutes', minutesRef: '部务会纪要〔2026〕2号' });
    expect([minuted.status, minuted.body.stage, minuted.body.code]).toEqual([200, 'dispatch', undefined]);
    expect(minuted.body.state.decision.candidates.filter((c: { outcome: string }) => c.outcome === 'passed')).toHaveLength(N - 1);
    expect(minuted.body.state.approvedPairs).toHaveLength(N - 1);
    expect(minuted.body.state.meeting).toMatchObject({ date: TODAY, present: ['zzb-head'], minutes: { ref: '部务会纪要〔2026〕2号' } });
    taken += 2;
    // The run that resumed the meeting mid-vote and took the slate vote, for the replay test.
    const { runId: votedRun } = await stack.t.env.client.workflow.getHandle(wf).describe();
    await maybeRecordHistory('redeployment-meeting-resumed.json', stack.t.env.client.workflow.getHandle(wf, votedRun));
    const letters = (await call('GET', `/procedures/${wf}`, STAFF)).body.state.letters as { letterId: string; taskId: string }[];
    expect(letters).toHaveLength(N - 1);
    await parallel(letters, 4, async (l) => {
      const i = Number(l.taskId.slice(1));
      for (const [as, user] of [
        ['cadre', cadreUser(i)],
        ['hostUnit', `${host(i)}-head`],
      ] as const) {
        const r = await command(wf, { action: 'acknowledge', letterId: l.letterId, as }, user);
        expect(r.status).toBe(200);
        taken += 1;
      }
    });
    await eventually(async () => ((await call('GET', `/procedures/${wf}/redeployment/figures`, STAFF)).body.terms?.started === N - 1 ? true : undefined), 60_000, 'every term started');

    // The state carried across the runs, without the actions.
    const state = (await call('GET', `/procedures/${wf}`, STAFF)).body.state;
    expect(state.stage).toBe('terms');
    expect(state.applications).toHaveLength(N);
    expect(state.checks.filter((k: { eligible: boolean }) => k.eligible)).toHaveLength(N);
    expect(Object.keys(state.rankings)).toHaveLength(N);
    expect(state.approvedPairs).toHaveLength(N - 1);
    expect(state.actions).toBeUndefined();
    expect(state.actors).toEqual(expect.arrayContaining([STAFF, 'zzb-head']));

    // Several runs, none past its bound by more than the Updates in flight while it drained.
    const runs: { runId: string; events: number }[] = [];
    for await (const r of stack.t.env.client.workflow.list({ query: `WorkflowId="${wf}"` })) {
      runs.push({ runId: r.runId, events: (await stack.t.env.client.workflow.getHandle(wf, r.runId).fetchHistory()).events?.length ?? 0 });
    }
    console.log(`${wf}: ${runs.length} runs, events ${runs.map((r) => r.events).join(', ')}`);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const r of runs) expect(r.events).toBeLessThan(MAX_EVENTS + 60);
    // Each run replays to its end, the continue-as-new included (a query of a closed run replays it).
    for (const r of runs) {
      const history = await stack.t.env.client.workflow.getHandle(wf, r.runId).fetchHistory();
      await expect(Worker.runReplayHistory({ workflowBundle: stack.t.bundle, dataConverter: payloadDataConverter() }, history, wf)).resolves.toBeUndefined();
    }

    // PostgreSQL has every action exactly once, under the seq the state gives it: no run restarted at 1.
    const em = stack.t.orm.em.fork();
    // A run numbering from 1 again would have its transitions dropped as duplicates: fewer rows than actions.
    await eventually(async () => ((await em.fork().count(ActionLogSchema, { workflowId: wf })) >= taken + 1 ? true : undefined), 30_000, 'every action projected');
    const rows = await em.find(ActionLogSchema, { workflowId: wf }, { orderBy: { seq: 'asc' } });
    expect(rows).toHaveLength(taken + 1); // and the start
    expect(rows.filter((r) => r.action === 'urge').length).toBeGreaterThan(0);
    expect(rows.find((r) => r.action === 'vote')).toMatchObject({ taskId: vote, data: { secret: true } });
    expect(rows.filter((r) => r.action === 'apply')).toHaveLength(N);
    expect(rows.filter((r) => r.action === 'acknowledge')).toHaveLength(2 * (N - 1));
    const row = await em.findOneOrFail(ProcedureSchema, { workflowId: wf });
    expect(row.stage).toBe('terms');
    const listTasks = await em.find(TaskSchema, { workflowId: wf }, { orderBy: { seq: 'asc' } });
    expect(listTasks.map((t) => [t.id, t.status])).toEqual([
      [`${wf}:1`, 'done'],
      [`${wf}:2`, 'done'],
    ]);
  });

  it('takes an action that arrives with the continued run\'s first workflow task: the step is resumed before the handlers are set', async () => {
    const listId = uniqueId('LF');
    const wf = `redeployment-${listId}`;
    const tasks = [{ taskId: 'T0', title: '任务0', description: '驻村帮扶', hostUnitId: 'jyj', term: { start: addDays(TODAY, 40), end: addDays(TODAY, 400) }, people: 1, requirements: { fields: ['教育'] }, goals: ['完成项目建设'] }];
    expect((await call('POST', '/procedures/redeployment', STAFF, { listId, title: '首个任务', tasks, rules: { maxHistoryEvents: MAX_EVENTS } })).status).toBe(201);
    const approval = await inboxTask(stack.h, 'zzb-head', wf, 'listApproval');
    await urgeUntilContinued(wf, approval);
    // The continued run's input, as the server started it: the list's state and its suspended approval step.
    const history = await decodedHistory(stack.t.env.client.workflow.getHandle(wf));
    const input = defaultPayloadConverter.fromPayload<RedeploymentInput>(history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] as Payload);
    expect(input?.continued?.step?.key).toBe('listApproval');
    // The same input under another id, with the approval delivered in the run's very first workflow task
    // (update-with-start): the timing that an action sent the moment a list continues can meet, made
    // certain. Before the fix it was refused with task_not_pending (the step was resumed after the handlers).
    const replica = `${wf}-replica`;
    const carried = input as RedeploymentInput & { continued: NonNullable<RedeploymentInput['continued']> };
    const result = await stack.t.env.client.workflow.executeUpdateWithStart(actUpdate, {
      args: [{ taskId: approval, actorId: 'zzb-head', action: 'approve', actorRoles: ['approver'] }],
      startWorkflowOperation: new WithStartWorkflowOperation('redeployment', {
        taskQueue: stack.api.taskQueue,
        workflowId: replica,
        workflowIdConflictPolicy: 'FAIL',
        args: [{ ...carried, continued: { ...carried.continued, row: { ...carried.continued.row, workflowId: replica } } }],
      }),
    });
    expect(result).toMatchObject({ stage: 'approved' });
    await stack.t.env.client.workflow.getHandle(replica).terminate('test done');
  });
});

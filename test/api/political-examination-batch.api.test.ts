/**
 * A full-coverage batch (全覆盖) of political-quality examinations through the API: one child per unit's
 * leading group (and, asked for, per leading member). One child fails on purpose (its plan cannot be
 * frozen) and its siblings run on; one runs past its deadlines (its deadline activity is replaced), so it
 * shows overdue for its unit and is not on time; the batch's progress comes from the children's rows, and
 * it closes with its summary. Refused starts leave nothing behind.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ActionLogSchema, AppUserSchema, AuditLogSchema, IdempotencyRecordSchema, ProcedureSchema, UnitSchema } from '../../platform/entities';
import { politicalExaminationBatchWorkflowId } from '../../procedures/political-examination/messages';
import { inboxTask, newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { maybeRecordHistory } from '../helpers/histories';
import { workflowIds } from '../helpers/ids';
import { dueMonthsFromToday, loadCurrentYears, testDate } from '../helpers/rectification';
import { CLEAR_EVIDENCE } from '../helpers/examination';

const STAFF = 'zzb-staff';
const HEAD = 'zzb-head';
const PAST = { effectiveDueDate: '2026-11-02', dueAt: '2026-11-02T16:00:00.000Z', remindAt: '2026-10-29T01:00:00.000Z' };
// Ahead whenever the test runs: in the test year (helpers/rectification).
const AHEAD = { effectiveDueDate: testDate('12-31'), dueAt: `${testDate('12-31')}T16:00:00.000Z`, remindAt: `${testDate('12-29')}T01:00:00.000Z` };
const workflowOf = (): string => Context.current().info.workflowExecution?.workflowId ?? '?';

const stack = useApiStack(
  async (t) => {
    // The linked rectification is dated from today: the years it reads are loaded.
    await loadCurrentYears(t.orm);
    // A third unit, whose examination is made to fail; and an account for wjw's deputy (a leading member).
    const em = t.orm.em.fork();
    await em.insert(UnitSchema, { id: 'pqj', name: '市排气局', kind: 'unit', headUserId: null, parentId: 'city' });
    for (const [id, unitId] of [['pqj-head', 'pqj'], ['wjw-deputy', 'wjw']] as const) {
      await em.insert(AppUserSchema, { id, username: id, displayName: id, unitId, roles: ['approver'], passwordHash: 'x', createdAt: new Date() });
    }
    await em.nativeUpdate(UnitSchema, { id: 'pqj' }, { headUserId: 'pqj-head' });
  },
  {
    // The unit pqj's plan cannot be frozen: its examination fails at the plan's approval.
    freezeExaminationPlan: async () => {
      if (workflowOf().endsWith('-pqj')) throw ApplicationFailure.nonRetryable('forced on purpose', 'forced_failure');
      return { hash: 'f'.repeat(64) };
    },
    // wjw's deadlines are long past, so its strands and its acknowledgement run late; everyone else's are ahead.
    examinationDeadlines: async (input: { workingDays: number[] }) =>
      Object.fromEntries(input.workingDays.map((n) => [String(n), workflowOf().endsWith('-wjw') ? PAST : AHEAD])),
  },
);

const plan = {
  dimensions: [
    { dimension: 'loyalty', indicators: ['坚决维护党中央权威'] },
    { dimension: 'responsibility', indicators: ['重点任务落实'] },
    { dimension: 'selfDiscipline', indicators: ['严守政治纪律和政治规矩'] },
  ],
  positiveList: ['贯彻落实党中央决策部署坚决有力'],
  negativeList: ['表态多调门高、行动少落实差'],
  group: ['zzb-staff', 'xcb-reviewer'],
  timetable: { evidenceWorkingDays: 10, acknowledgeWorkingDays: 5 },
};
const evaluations = [
  { dimension: 'loyalty', text: '对党忠诚' },
  { dimension: 'responsibility', text: '重点任务推进有差距' },
  { dimension: 'selfDiscipline', text: '总体严守纪律' },
];
const batchBody = (batchId: string, patch: Record<string, unknown> = {}) => ({ batchId, title: '2026年度领导班子政治素质考察', scope: { unitIds: ['jyj', 'wjw', 'pqj'] }, plan, ...patch });

const call = async (method: string, path: string, user: string, body?: unknown) =>
  stack.h.call(method, path, { token: await stack.h.login(user), ...(body !== undefined ? { key: newKey(), body } : {}) });
const act = (user: string, taskId: string, body: unknown) => call('POST', `/tasks/${taskId}/actions`, user, body);
const progressOf = async (batchWf: string) => (await call('GET', `/procedures/${batchWf}/batch`, STAFF)).body;
const taskOf = (answer: { openTasks: { taskId: string; step: string }[] }, step: string): string => {
  const found = answer.openTasks.find((x) => x.step === step);
  if (!found) throw new Error(`no open ${step} task in ${JSON.stringify(answer.openTasks)}`);
  return found.taskId;
};

/** Drives one examination from its approved plan to its close, with the reverse findings given. */
async function examine(wf: string, subjectUser: string, o: { findings: unknown[]; grade: string; basis?: string[]; use: Record<string, unknown>; onEvidence?: () => Promise<void> }): Promise<void> {
  const approved = await act(HEAD, await inboxTask(stack.h, HEAD, wf, 'planApproval'), { action: 'approve' });
  expect(approved.body.stage).toBe('evidence');
  await o.onEvidence?.();
  const t = (step: string) => taskOf(approved.body, step);
  for (const [step, body] of CLEAR_EVIDENCE) {
    const r = await act(STAFF, t(step), body);
    expect([step, r.status, r.body.code]).toEqual([step, 200, undefined]);
  }
  const analysis = await act(STAFF, t('reverseInspection'), { action: 'recordReverseInspection', data: { sources: ['complaints'], summary: '走访', findings: o.findings } });
  const analysed = await act(STAFF, taskOf(analysis.body, 'analysis'), { action: 'analyse', data: { evaluations, grade: o.grade, ...(o.basis ? { basis: o.basis } : {}) } });
  const fed = await act(HEAD, taskOf(analysed.body, 'headApproval'), { action: 'approve' });
  const acknowledged = await act(subjectUser, taskOf(fed.body, 'feedback'), { action: 'acknowledge' });
  expect((await act(STAFF, taskOf(acknowledged.body, 'useOfResult'), { action: 'recordUse', data: o.use })).status).toBe(200);
}

test('a batch over three units: one child fails, its siblings run on, one runs late; progress by stage and unit, then the summary', async () => {
  const batchId = uniqueId('qfg');
  const batchWf = politicalExaminationBatchWorkflowId(batchId);
  const child = (unitId: string) => workflowIds.politicalExamination(`${batchId}-${unitId}`);
  const started = await call('POST', '/procedures/politicalExaminationBatch', STAFF, batchBody(batchId));
  expect(started.status).toBe(201);
  expect(started.body).toMatchObject({ workflowId: batchWf, type: 'politicalExaminationBatch', stage: 'examining', openTasks: [] });
  expect(started.body.items).toEqual(['jyj', 'wjw', 'pqj'].map(child));

  // Every child opens its plan approval; their rows name the batch as their parent. The batch writes the rows
  // before it starts the children (kernel/fanout.ts `open`), so wait for both.
  const opened = await eventually(async () => {
    const p = await progressOf(batchWf);
    return p.projected === 3 && p.progress?.started === 3 ? p : undefined;
  }, 30_000, 'three child rows and three children');
  expect(opened).toMatchObject({ status: 'open', stages: [{ stage: 'planApproval', status: 'open', count: 3 }], overdueByUnit: [], failures: [], summary: null });
  expect(opened.progress).toEqual({ total: 3, started: 3, done: 0, failed: 0 });
  const row = await stack.t.orm.em.fork().findOne(ProcedureSchema, { workflowId: child('wjw') });
  expect(row).toMatchObject({ parentWorkflowId: batchWf, unitIds: ['wjw'], title: '2026年度领导班子政治素质考察：市卫生健康委员会领导班子' });

  // pqj's examination fails when its plan is approved; the failure is recorded against it alone.
  await act(HEAD, await inboxTask(stack.h, HEAD, child('pqj'), 'planApproval'), { action: 'approve' });
  await expect(stack.t.env.client.workflow.getHandle(child('pqj')).result()).rejects.toThrow();
  const afterFailure = await eventually(async () => {
    const p = await progressOf(batchWf);
    return p.progress?.failed === 1 ? p : undefined;
  }, 30_000, 'the failure to reach the batch');
  // The kernel reports a failure by its type; an activity's failure arrives as the activity's, so 'failed'.
  expect(afterFailure.failures).toEqual([{ workflowId: child('pqj'), failure: 'failed' }]);
  expect(afterFailure.status).toBe('open');

  // Its siblings go on: jyj with a problem found (a linked rectification), wjw late but clean.
  await examine(child('jyj'), 'jyj-head', {
    findings: [
      { dimension: 'responsibility', severity: 'problem', text: '重点任务推进不力', evidenceRefs: ['督查通报〔2026〕5号'] },
      { dimension: 'selfDiscipline', severity: 'warning', text: '公务接待超标准苗头', evidenceRefs: ['信访件2026-118'] },
    ],
    grade: '一般',
    basis: ['reverseInspection-1', 'reverseInspection-2'],
    use: { coachingPlan: '跟踪培养', admonition: { kind: 'reminderTalk', note: '提醒谈话' }, rectification: { dueDate: dueMonthsFromToday() } },
  });
  await examine(child('wjw'), 'wjw-head', {
    findings: [],
    grade: '好',
    use: { promotionNote: '列入表扬名单' },
    // Its strands open past their deadlines: the batch shows the unit overdue.
    onEvidence: async () => {
      const late = await eventually(async () => {
        const p = await progressOf(batchWf);
        return p.overdueByUnit.length ? p : undefined;
      }, 30_000, 'wjw to fall overdue');
      expect(late.overdueByUnit).toEqual([{ unitId: 'wjw', overdue: 1 }]);
    },
  });

  const summary = await stack.t.env.client.workflow.getHandle(batchWf).result();
  const rectification = workflowIds.rectification(`PE-${batchId}-jyj`);
  expect(summary).toMatchObject({
    batchId,
    subjects: 3,
    examined: 2,
    failed: 1,
    grades: { 好: 1, 较好: 0, 一般: 1, 较差: 0 },
    reverseFindings: { loyalty: 0, steadfastness: 0, responsibility: 1, capability: 0, selfDiscipline: 1 },
    rectifications: { count: 1, workflowIds: [rectification] },
    onTime: 1,
    onTimeRate: 0.5,
    perUnit: [
      { unitId: 'jyj', subjects: 1, examined: 1, failed: 0, onTime: 1, onTimeRate: 1 },
      { unitId: 'pqj', subjects: 1, examined: 0, failed: 1, onTime: 0, onTimeRate: null },
      { unitId: 'wjw', subjects: 1, examined: 1, failed: 0, onTime: 0, onTimeRate: 0 },
    ],
    failures: [{ workflowId: child('pqj'), unitId: 'pqj', failure: 'failed' }],
  });
  const closed = await eventually(async () => {
    const p = await progressOf(batchWf);
    return p.status === 'closed' ? p : undefined;
  }, 30_000, 'the batch row to close');
  expect(closed.summary).toEqual({ ...summary, closedAt: expect.any(String) });
  expect(closed.progress).toEqual({ total: 3, started: 3, done: 3, failed: 1 });
  // The failed child keeps the row of the stage it reached; the others closed.
  expect(closed.stages).toEqual([
    { stage: 'closed', status: 'closed', count: 2 },
    { stage: 'planApproval', status: 'open', count: 1 },
  ]);
  const detail = await call('GET', `/procedures/${batchWf}`, STAFF);
  expect(detail.body.state).toMatchObject({ type: 'politicalExaminationBatch', status: 'closed', progress: { done: 3, failed: 1 }, summary: { examined: 2 } });
  expect(detail.body.items.map((i: { workflowId: string }) => i.workflowId).sort()).toEqual(['jyj', 'pqj', 'wjw'].map(child));
  // The batch opened its children before starting them (patch fanout-open): these are its and one child's
  // histories from then on; political-examination-batch.json stays as v0.2.0 recorded it.
  await maybeRecordHistory('political-examination-batch-opened.json', stack.t.env.client.workflow.getHandle(batchWf));
  await maybeRecordHistory('political-examination-opened.json', stack.t.env.client.workflow.getHandle(child('jyj')));
});

test('with includeMembers, each unit’s leading members are examined too, each acknowledging with their own account', async () => {
  const batchId = uniqueId('qfm');
  const started = await call('POST', '/procedures/politicalExaminationBatch', STAFF, batchBody(batchId, { scope: { unitIds: ['wjw'] }, includeMembers: true, memberUserIds: { GB2003008: 'wjw-deputy' } }));
  expect(started.status).toBe(201);
  // 陈丽 (副处) is a leading member of wjw; 刘畅 (副科) is not.
  const member = workflowIds.politicalExamination(`${batchId}-GB2003008`);
  expect(started.body.items).toEqual([workflowIds.politicalExamination(`${batchId}-wjw`), member]);
  const state = await eventually(async () => {
    const r = await call('GET', `/procedures/${member}`, STAFF);
    return r.body.state?.subject ? r.body.state : undefined;
  }, 30_000, 'the member’s examination');
  expect(state).toMatchObject({ subject: { kind: 'cadre', personId: 'GB2003008', name: '陈丽', unitId: 'wjw' }, subjectUserId: 'wjw-deputy', plan: { dimensions: plan.dimensions } });
});

/** A refused batch leaves nothing: no batch, no child, no row, no action, no audit entry, no idempotency record. */
async function expectNoBatch(body: { batchId: string }, code: string, field: string): Promise<void> {
  const em = stack.t.orm.em.fork();
  const before = { procedures: await em.count(ProcedureSchema, {}), actions: await em.count(ActionLogSchema, {}), audit: await em.count(AuditLogSchema, {}), idempotency: await em.count(IdempotencyRecordSchema, {}) };
  const r = await call('POST', '/procedures/politicalExaminationBatch', STAFF, body);
  expect(r.status).toBe(422);
  expect(r.body).toMatchObject({ status: 422, code, details: { field } });
  expect(r.body.message).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}:`));
  expect(r.body.message).not.toContain('NOPE');
  const after = { procedures: await em.count(ProcedureSchema, {}), actions: await em.count(ActionLogSchema, {}), audit: await em.count(AuditLogSchema, {}), idempotency: await em.count(IdempotencyRecordSchema, {}) };
  expect(after).toEqual(before);
  await expect(stack.t.env.client.workflow.getHandle(politicalExaminationBatchWorkflowId(body.batchId)).describe()).rejects.toThrow();
  await expect(stack.t.env.client.workflow.getHandle(workflowIds.politicalExamination(`${body.batchId}-jyj`)).describe()).rejects.toThrow();
}

test('refused batches: an empty scope, an unknown unit, a unit twice, a leading member without an account or with an unknown one; none leaves a trace', async () => {
  await expectNoBatch(batchBody(uniqueId('qfr'), { scope: { unitIds: [] } }), 'empty_scope', 'scope.unitIds');
  await expectNoBatch(batchBody(uniqueId('qfr'), { scope: { unitIds: ['jyj', 'NOPE'] } }), 'unknown_unit', 'scope.unitIds[1]');
  await expectNoBatch(batchBody(uniqueId('qfr'), { scope: { unitIds: ['jyj', 'wjw', 'jyj'] } }), 'invalid_scope', 'scope.unitIds[2]');
  await expectNoBatch(batchBody(uniqueId('qfr'), { scope: { unitIds: ['jyj'] }, includeMembers: true, memberUserIds: { GB2001001: 'jyj-head' } }), 'no_assignee', 'memberUserIds.GB2005017');
  // An account master data does not have.
  await expectNoBatch(batchBody(uniqueId('qfr'), { scope: { unitIds: ['jyj'] }, includeMembers: true, memberUserIds: { GB2001001: 'jyj-head', GB2005017: 'nobody' } }), 'unknown_user', 'memberUserIds.GB2005017');
  await expectNoBatch(batchBody(uniqueId('qfr'), { scope: { unitIds: ['jyj'] }, plan: { ...plan, group: ['zzb-staff'] } }), 'invalid_plan', 'plan.group');
  // An unknown inspection office, with a scope of every unit of a kind.
  await expectNoBatch(batchBody(uniqueId('qfr'), { scope: { unitKind: 'office' }, inspectionOfficeUnitId: 'NOPE' }), 'unknown_unit', 'inspectionOfficeUnitId');
  expect((await call('GET', '/procedures/political-batch-NOPE/batch', STAFF)).body.code).toBe('procedure_not_found');
});

/**
 * The political-quality examination (政治素质考察) through the API, end to end: the plan returned,
 * redrafted, approved and frozen; five evidence strands in parallel (one waived); the analysis refused
 * until it is justified, returned by the head and redone; the subject's acknowledgement; the use of the
 * result starting a linked rectification; the political-quality file. Each refusal leaves no trace.
 */
import { ActionLogSchema, AuditLogSchema, IdempotencyRecordSchema, ProcedureSchema } from '../../platform/entities';
import { workflowIds } from '../helpers/ids';
import { inboxTask as inboxTaskOf, newKey, traceOf, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { maybeRecordHistory } from '../helpers/histories';
import { dueMonthsFromToday, loadCurrentYears } from '../helpers/rectification';

// The examinations and their linked rectifications are dated from today: the years they read are loaded here.
const stack = useApiStack((t) => loadCurrentYears(t.orm));
const STAFF = 'zzb-staff';
const HEAD = 'zzb-head';
/** The examination group: a member of the department and one of the inspection office. */
const GROUP = ['zzb-staff', 'xcb-reviewer'];

const plan = (patch: Record<string, unknown> = {}) => ({
  dimensions: [
    { dimension: 'loyalty', indicators: ['坚决维护党中央权威和集中统一领导'] },
    { dimension: 'responsibility', indicators: ['敢于斗争、善于斗争', '重点任务落实'] },
    { dimension: 'selfDiscipline', indicators: ['严守政治纪律和政治规矩'] },
  ],
  positiveList: ['贯彻落实党中央决策部署坚决有力'],
  negativeList: ['表态多调门高、行动少落实差'],
  group: GROUP,
  timetable: { evidenceWorkingDays: 10, acknowledgeWorkingDays: 5 },
  ...patch,
});

const startBody = (examinationId: string, patch: Record<string, unknown> = {}) => ({
  examinationId,
  title: '周涛同志政治素质考察',
  subject: { kind: 'cadre', personId: 'GB2001001', userId: 'jyj-head' },
  plan: plan(),
  ...patch,
});

const start = async (body: unknown) => stack.h.call('POST', '/procedures/politicalExamination', { token: await stack.h.login(STAFF), key: newKey(), body });
const task = async (user: string, taskId: string, body: unknown) => stack.h.call('POST', `/tasks/${taskId}/actions`, { token: await stack.h.login(user), key: newKey(), body });
const command = async (wf: string, body: unknown, user = STAFF) => stack.h.call('POST', `/procedures/${wf}/examination`, { token: await stack.h.login(user), key: newKey(), body });
const inboxTask = (user: string, wf: string, step: string) => inboxTaskOf(stack.h, user, wf, step);
const get = async (path: string, user = STAFF) => stack.h.call('GET', path, { token: await stack.h.login(user) });

/** A refused action must leave the action log, the audit chain, the history and the idempotency records as they were. */
async function expectNoTrace(wf: string, refused: () => Promise<{ status: number; body: any }>, status: number, code: string, field?: string): Promise<void> {
  const before = await traceOf(stack.t, wf);
  const r = await refused();
  expect(r.status).toBe(status);
  expect(r.body.code).toBe(code);
  if (field) expect(r.body.details?.field).toBe(field);
  expect(await traceOf(stack.t, wf)).toEqual(before);
}

/** A refused start leaves no procedure at all: no workflow, no row, no action, no audit entry, no idempotency record. */
async function expectNoStart(examinationId: string, body: unknown, code: string, field: string): Promise<void> {
  const wf = workflowIds.politicalExamination(examinationId);
  const em = stack.t.orm.em.fork();
  const idempotency = await em.count(IdempotencyRecordSchema, {});
  const r = await start(body);
  expect(r.status).toBe(422);
  expect(r.body).toMatchObject({ status: 422, code, details: { field } });
  expect(r.body.message).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}:`));
  expect(await em.count(ProcedureSchema, { workflowId: wf })).toBe(0);
  expect(await em.count(ActionLogSchema, { workflowId: wf })).toBe(0);
  expect(await em.count(AuditLogSchema, { workflowId: wf })).toBe(0);
  expect(await em.count(IdempotencyRecordSchema, {})).toBe(idempotency);
  await expect(stack.t.env.client.workflow.getHandle(wf).describe()).rejects.toThrow();
}

const taskOf = (answer: { openTasks: { taskId: string; step: string }[] }, step: string): string => {
  const t = answer.openTasks.find((x) => x.step === step);
  if (!t) throw new Error(`no open ${step} task in ${JSON.stringify(answer.openTasks)}`);
  return t.taskId;
};

const talks = {
  action: 'recordTalks',
  data: {
    interviewees: [
      { name: '班子成员甲', kind: 'key' },
      { name: '中层干部乙', kind: 'informed' },
      { name: '服务对象丙', kind: 'informed' },
      { name: '曾提出不同意见的丁', kind: 'dissenting' },
    ],
    summary: '个别谈话32人，普遍反映政治立场坚定',
  },
};
const questionnaire = {
  action: 'recordQuestionnaire',
  data: {
    respondents: 25,
    items: [
      { text: '坚决维护党中央权威', direction: 'positive', tally: { agree: 23, neutral: 2, disagree: 0 } },
      { text: '存在“七个有之”问题', direction: 'reverse', tally: { agree: 1, neutral: 3, disagree: 21 } },
    ],
  },
};
const reverse = {
  action: 'recordReverseInspection',
  data: {
    sources: ['complaints', 'keyTasks'],
    summary: '走访服务对象，调阅信访件',
    findings: [
      { dimension: 'selfDiscipline', severity: 'warning', text: '公务接待存在超标准苗头', evidenceRefs: ['信访件2026-118'] },
      { dimension: 'responsibility', severity: 'problem', text: '“双减”重点任务推进不力', evidenceRefs: ['督查通报〔2026〕5号'] },
    ],
  },
};
const evaluations = [
  { dimension: 'loyalty', text: '对党忠诚，立场坚定' },
  { dimension: 'responsibility', text: '重点任务推进有差距' },
  { dimension: 'selfDiscipline', text: '总体严守纪律，存在苗头性问题' },
];

test('a cadre’s examination from plan to the political-quality file, with a linked rectification', async () => {
  const id = uniqueId('zz');
  const wf = workflowIds.politicalExamination(id);
  const started = await start(startBody(id));
  expect(started.status).toBe(201);
  expect(started.body).toMatchObject({ workflowId: wf, type: 'politicalExamination', stage: 'planApproval' });
  expect(started.body.openTasks).toMatchObject([{ step: 'planApproval', assigneeIds: [HEAD] }]);

  // 1. The department returns the plan; the drafter redrafts it (a third dimension), and it is approved and frozen.
  const returned = await task(HEAD, taskOf(started.body, 'planApproval'), { action: 'return', comment: '请补充政治能力维度' });
  expect(returned.body).toMatchObject({ stage: 'plan', openTasks: [{ step: 'plan', assigneeIds: [STAFF], round: 2 }] });
  const revised = plan({ dimensions: [...plan().dimensions, { dimension: 'capability', indicators: ['把握政治方向'] }] });
  await expectNoTrace(wf, () => task(STAFF, taskOf(returned.body, 'plan'), { action: 'submitPlan', data: { plan: { ...revised, group: ['zzb-staff'] } } }), 422, 'invalid_plan', 'plan.group');
  const redrafted = await task(STAFF, taskOf(returned.body, 'plan'), { action: 'submitPlan', data: { plan: revised } });
  expect(redrafted.body.stage).toBe('planApproval');
  const approved = await task(HEAD, taskOf(redrafted.body, 'planApproval'), { action: 'approve', comment: '同意' });
  expect(approved.status).toBe(200);
  // The approval answers once the plan is frozen and the five strands are open, each with its deadline.
  expect(approved.body.stage).toBe('evidence');
  expect(approved.body.openTasks.map((t: { step: string }) => t.step).sort()).toEqual(['disciplineOpinion', 'fileReview', 'questionnaire', 'reverseInspection', 'talks']);
  for (const t of approved.body.openTasks) {
    expect(t.assigneeIds).toEqual(GROUP);
    expect(t.dueAt).toEqual(expect.any(String));
  }
  const audit = await get(`/procedures/${wf}/audit`);
  const frozen = (audit.body as { kind: string; payload: any }[]).find((e) => e.kind === 'plan:frozen');
  expect(frozen?.payload).toMatchObject({ version: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/), plan: { dimensions: revised.dimensions } });

  // 2. Evidence, in parallel; a talk list without dissenters and a thin questionnaire are refused.
  const t = (step: string) => taskOf(approved.body, step);
  const noDissent = { ...talks, data: { ...talks.data, interviewees: talks.data.interviewees.filter((i) => i.kind !== 'dissenting') } };
  await expectNoTrace(wf, () => task('xcb-reviewer', t('talks'), noDissent), 422, 'talk_list_incomplete', 'data.interviewees');
  const recorded = await task('xcb-reviewer', t('talks'), talks);
  expect(recorded.body.stage).toBe('evidence');
  await expectNoTrace(wf, () => task(STAFF, t('questionnaire'), { ...questionnaire, data: { ...questionnaire.data, respondents: 19 } }), 422, 'too_few_respondents', 'data.respondents');
  expect((await task(STAFF, t('questionnaire'), questionnaire)).status).toBe(200);
  expect((await task(STAFF, t('disciplineOpinion'), { action: 'recordDisciplineOpinion', data: { result: 'clear', documentRef: '市纪委监委党风政风监督室函〔2026〕31号' } })).status).toBe(200);
  // The department waives the file review, with a reason; somebody outside it cannot.
  await expectNoTrace(wf, () => command(wf, { action: 'waiveStrand', strand: 'fileReview', reason: '已于本年度干部档案专项审核中完成' }, 'jyj-staff'), 403, 'not_allowed');
  const waived = await command(wf, { action: 'waiveStrand', strand: 'fileReview', reason: '已于本年度干部档案专项审核中完成' });
  expect(waived.status).toBe(200);
  expect(waived.body.openTasks.map((x: { step: string }) => x.step)).toEqual(['reverseInspection']);
  const lastStrand = await task(STAFF, t('reverseInspection'), reverse);
  expect(lastStrand.body).toMatchObject({ stage: 'analysis', openTasks: [{ step: 'analysis', assigneeIds: GROUP }] });
  const talksState = (await get(`/procedures/${wf}`)).body.state.strands.find((s: { strand: string }) => s.strand === 'talks');
  expect(talksState.record.counts).toEqual({ informed: 2, key: 1, dissenting: 1 });

  // 3. The analysis: the grade in the set, and below 较好 only with the findings it rests on.
  const analysis = lastStrand.body;
  await expectNoTrace(wf, () => task(STAFF, taskOf(analysis, 'analysis'), { action: 'analyse', data: { evaluations, grade: '优秀' } }), 422, 'grade_not_in_set', 'data.grade');
  const all = [...evaluations, { dimension: 'capability', text: '政治能力较强' }];
  await expectNoTrace(wf, () => task(STAFF, taskOf(analysis, 'analysis'), { action: 'analyse', data: { evaluations, grade: '较好' } }), 422, 'invalid_evidence', 'data.evaluations');
  await expectNoTrace(wf, () => task(STAFF, taskOf(analysis, 'analysis'), { action: 'analyse', data: { evaluations: all, grade: '一般' } }), 422, 'grade_unjustified', 'data.basis');
  const analysed = await task(STAFF, taskOf(analysis, 'analysis'), { action: 'analyse', data: { evaluations: all, grade: '较好' } });
  expect(analysed.body).toMatchObject({ stage: 'headApproval', openTasks: [{ step: 'headApproval', assigneeIds: [HEAD] }] });
  // 4. The head returns it with a reason; the group grades again, now with the findings named.
  const back = await task(HEAD, taskOf(analysed.body, 'headApproval'), { action: 'return', comment: '反向考察发现的问题应在等次中体现' });
  expect(back.body).toMatchObject({ stage: 'analysis' });
  const regraded = await task('xcb-reviewer', taskOf(back.body, 'analysis'), {
    action: 'analyse',
    data: { evaluations: all, grade: '一般', basis: ['reverseInspection-1', 'reverseInspection-2'] },
  });
  const headApproved = await task(HEAD, taskOf(regraded.body, 'headApproval'), { action: 'approve', comment: '同意' });
  expect(headApproved.body).toMatchObject({ stage: 'feedback', openTasks: [{ step: 'feedback', assigneeIds: ['jyj-head'], dueAt: expect.any(String) }] });

  // 5. Feedback: only the subject acknowledges, in person.
  const feedbackTask = taskOf(headApproved.body, 'feedback');
  await expectNoTrace(wf, () => task(STAFF, feedbackTask, { action: 'acknowledge' }), 422, 'not_subject', 'taskId');
  await expectNoTrace(wf, () => task('jyj-head', feedbackTask, { action: 'transfer', targetUserId: 'jyj-staff' }), 422, 'not_subject', 'action');
  const acknowledged = await task('jyj-head', feedbackTask, { action: 'acknowledge', data: { statement: '诚恳接受，立行立改' } });
  expect(acknowledged.body).toMatchObject({ stage: 'useOfResult', openTasks: [{ step: 'useOfResult', assigneeIds: [STAFF] }] });

  // 6. The use of the result: 一般 → coaching; the warning → a reminder talk; the problem → a linked rectification.
  const useTask = taskOf(acknowledged.body, 'useOfResult');
  await expectNoTrace(wf, () => task(STAFF, useTask, { action: 'recordUse', data: { admonition: { kind: 'reminderTalk', note: '由部长提醒谈话' } } }), 422, 'use_of_result_incomplete', 'data.coachingPlan');
  const used = await task(STAFF, useTask, {
    action: 'recordUse',
    data: { coachingPlan: '安排到重点任务一线跟踪培养一年', admonition: { kind: 'reminderTalk', note: '由部长提醒谈话' }, rectification: { dueDate: dueMonthsFromToday() } },
  });
  expect(used.status).toBe(200);

  // 7. Archived and closed; the rectification names the examination, and the examination the rectification.
  const closed = await eventually(async () => {
    const r = await get(`/procedures/${wf}`);
    return r.body.procedure?.status === 'closed' ? r.body : undefined;
  }, 30_000, 'the examination to close');
  const rectificationWf = workflowIds.rectification(`PE-${id}`);
  expect(closed.procedure.result).toMatchObject({ grade: '一般', findings: 2, rectification: { workflowId: rectificationWf, failure: null }, fileEntryId: wf });
  expect(closed.items).toMatchObject([{ workflowId: rectificationWf, type: 'rectification', parentWorkflowId: wf }]);
  const item = await inboxTask('jyj-staff', workflowIds.rectificationItem(`PE-${id}`, '1', 'jyj'), 'submit');
  expect(item).toMatch(/:1$/);
  const rectification = await get(`/procedures/${rectificationWf}`);
  expect(rectification.body.procedure.parentWorkflowId).toBe(wf);
  expect(rectification.body.state.items).toHaveLength(1);

  const file = await get('/people/GB2001001/political-file');
  expect(file.status).toBe(200);
  expect(file.body.subject).toEqual({ kind: 'cadre', id: 'GB2001001', name: '周涛' });
  expect(file.body.entries).toMatchObject([
    { id: wf, examinationId: id, grade: '一般', planHash: frozen?.payload.hash, rectificationWorkflowId: rectificationWf, statement: '诚恳接受，立行立改', personId: 'GB2001001', unitId: 'jyj' },
  ]);
  expect(file.body.entries[0].findings).toHaveLength(2);
  expect(file.body.gate).toEqual({ fresh: true, reason: null, months: 12 });
  expect((await get('/people/NOPE/political-file')).body.code).toBe('person_not_found');
  expect((await get('/people/GB2001001/political-file', 'jyj-staff')).status).toBe(403);

  const verify = await get(`/procedures/${wf}/audit/verify`);
  expect(verify.body.ok).toBe(true);
  await maybeRecordHistory('political-examination.json', stack.t.env.client.workflow.getHandle(wf));
});

test('a leading group’s examination, graded 好, is noted for promotion and filed under its unit', async () => {
  const id = uniqueId('bz');
  const wf = workflowIds.politicalExamination(id);
  const started = await start(startBody(id, { title: '市卫生健康委员会领导班子政治素质考察', subject: { kind: 'group', unitId: 'wjw' } }));
  expect(started.status).toBe(201);
  const approved = await task(HEAD, taskOf(started.body, 'planApproval'), { action: 'approve' });
  const t = (step: string) => taskOf(approved.body, step);
  await task(STAFF, t('talks'), talks);
  await task(STAFF, t('questionnaire'), questionnaire);
  await task(STAFF, t('disciplineOpinion'), { action: 'recordDisciplineOpinion', data: { result: 'clear', documentRef: '纪函〔2026〕7号' } });
  await task(STAFF, t('fileReview'), { action: 'recordFileReview', data: { result: 'clear' } });
  const analysis = await task(STAFF, t('reverseInspection'), { action: 'recordReverseInspection', data: { sources: ['serviceRecipients'], summary: '未发现问题', findings: [] } });
  const analysed = await task(STAFF, taskOf(analysis.body, 'analysis'), { action: 'analyse', data: { evaluations, grade: '好' } });
  const fed = await task(HEAD, taskOf(analysed.body, 'headApproval'), { action: 'approve' });
  // The group's Party secretary is, by default, the unit's head.
  expect(fed.body.openTasks).toMatchObject([{ step: 'feedback', assigneeIds: ['wjw-head'] }]);
  const acknowledged = await task('wjw-head', taskOf(fed.body, 'feedback'), { action: 'acknowledge' });
  const useTask = taskOf(acknowledged.body, 'useOfResult');
  // Nothing to rectify, so no rectification; 好 is noted for promotion.
  await expectNoTrace(wf, () => task(STAFF, useTask, { action: 'recordUse', data: { promotionNote: '班子整体列入表扬名单', rectification: { dueDate: dueMonthsFromToday() } } }), 422, 'use_of_result_incomplete', 'data.rectification');
  expect((await task(STAFF, useTask, { action: 'recordUse', data: { promotionNote: '班子整体列入表扬名单' } })).status).toBe(200);
  const closed = await eventually(async () => {
    const r = await get(`/procedures/${wf}`);
    return r.body.procedure?.status === 'closed' ? r.body : undefined;
  }, 30_000, 'the examination to close');
  expect(closed.procedure.result).toMatchObject({ rectification: null, grade: '好' });
  const file = (await get('/units/wjw/political-file')).body;
  expect(file.subject).toEqual({ kind: 'group', id: 'wjw', name: '市卫生健康委员会领导班子' });
  expect(file.entries).toMatchObject([{ id: wf, subjectKind: 'group', personId: null, unitId: 'wjw', grade: '好', rectificationWorkflowId: null, useOfResult: { promotionNote: '班子整体列入表扬名单' } }]);
  expect((await get('/units/nope/political-file')).body.code).toBe('unit_not_found');
  // A group subject, every strand clear, no rectification and a note for promotion: recorded for the replay test.
  const handle = stack.t.env.client.workflow.getHandle(wf);
  await handle.result();
  await maybeRecordHistory('political-examination-group.json', handle);
});

test('refused starts: an unknown person, a group of 1, an unknown group member; none leaves a trace', async () => {
  const a = uniqueId('zz');
  await expectNoStart(a, startBody(a, { subject: { kind: 'cadre', personId: 'NOPE404', userId: 'jyj-head' } }), 'unknown_person', 'subject.personId');
  const b = uniqueId('zz');
  await expectNoStart(b, startBody(b, { plan: plan({ group: ['zzb-staff'] }) }), 'invalid_plan', 'plan.group');
  const c = uniqueId('zz');
  await expectNoStart(c, startBody(c, { plan: plan({ group: ['zzb-staff', 'nobody'] }) }), 'unknown_user', 'plan.group[1].userId');
  const d = uniqueId('zz');
  await expectNoStart(d, startBody(d, { rules: { grades: ['优秀', '合格'] } }), 'invalid_plan', 'rules.justifyBelow');
});

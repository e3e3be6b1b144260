/**
 * The 任前政治体检 gate of cadre selection over HTTP: a selection whose principles require a political
 * examination of each candidate refuses completeInspection (political_exam_required, naming the rule and
 * the candidates) without a trace while a file has none, only an expired one or a 较差 one, and completes
 * once each is fresh; the political-quality file entries are written straight into the database. And a
 * candidate's examination started from the selection, linked both ways.
 */
import { randomUUID } from 'node:crypto';
import { addDays, addMonths, chinaDateOf } from '../../domain/dates';
import { PoliticalFileEntrySchema, ProcedureSchema } from '../../platform/entities';
import type { Principles, SelectionState } from '../../procedures/cadre-selection/messages';
import { workflowIds } from '../helpers/ids';
import { inboxTask as inboxTaskOf, newKey, traceOf, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { addIntegritySigners } from '../helpers/selection-signers';
import { addCommittee, addPeople } from '../helpers/members';
import { inspectionCommand } from '../helpers/selection';

let signers = { partySecretary: '', disciplineSecretary: '' };
const stack = useApiStack(async (env) => {
  await addCommittee(env.orm, 'cwg', 'cg', 5);
  signers = await addIntegritySigners(env.orm);
  await addPeople(env.orm, [
    { id: 'G001', name: '钱进', gradeSince: '2021-03-01' },
    { id: 'G002', name: '孙平', gradeSince: '2022-09-01' },
  ]);
});

const STAFF = 'zzb-staff';
const today = (): string => chinaDateOf(new Date());

const principles = (politicalExam?: { months: number }): Principles => ({
  post: { title: '市教育局局长', unitId: 'jyj', positions: 1, targetGrade: 'division', isPartyPost: false },
  candidateScope: '全市县处级副职干部',
  method: 'meeting',
  timetable: '2026年12月底前完成',
  ...(politicalExam ? { politicalExam } : {}),
});

const act = async (wf: string, body: unknown, user = STAFF) => stack.h.call('POST', `/procedures/${wf}/selection`, { token: await stack.h.login(user), key: newKey(), body });
const get = async (path: string) => stack.h.call('GET', path, { token: await stack.h.login(STAFF) });
const stateOf = async (wf: string) => (await get(`/procedures/${wf}`)).body.state as SelectionState;
const untilStage = (wf: string, stage: string) => eventually(async () => ((await stateOf(wf))?.stage === stage ? true : undefined), 30_000, `${wf} at ${stage}`);

/** A selection with G001 and G002 shortlisted and the inspection recorded complete, up to completeInspection. */
async function atInspectionEnd(politicalExam?: { months: number }): Promise<string> {
  const selectionId = uniqueId('xg');
  const wf = workflowIds.cadreSelection(selectionId);
  const start = await stack.h.call('POST', '/procedures/cadreSelection', {
    token: await stack.h.login(STAFF),
    key: newKey(),
    body: {
      selectionId,
      title: '市教育局局长人选',
      principles: principles(politicalExam),
      principlesApprovers: { kind: 'unitHead', unitId: 'zzb' },
      committee: { kind: 'role', role: 'approver', unitId: 'cwg' },
    },
  });
  expect(start.status).toBe(201);
  const taskId = await inboxTaskOf(stack.h, 'zzb-head', wf, 'principles');
  expect((await stack.h.call('POST', `/tasks/${taskId}/actions`, { token: await stack.h.login('zzb-head'), key: newKey(), body: { action: 'approve' } })).status).toBe(200);
  await untilStage(wf, 'nomination');
  const people = ['G001', 'G002'];
  const nominated = await act(wf, { action: 'recordNomination', date: today(), meeting: { determined: 30, present: 25, votes: people.map((personId, i) => ({ personId, votes: 20 - i })) } });
  expect(nominated.status).toBe(200);
  await untilStage(wf, 'shortlist');
  expect((await act(wf, { action: 'setShortlist', personIds: people })).status).toBe(200);
  await untilStage(wf, 'inspection');
  const inspection = inspectionCommand(people);
  expect((await act(wf, inspection)).status).toBe(200);
  for (const personId of people) {
    for (const check of ['personnelFile', 'personalMatters', 'disciplineOpinion', 'complaints']) {
      expect((await act(wf, { action: 'recordCheck', personId, check, result: 'clear' })).status).toBe(200);
    }
    expect((await act(wf, { action: 'signIntegrity', personId, as: 'partySecretary', signedBy: signers.partySecretary })).status).toBe(200);
    expect((await act(wf, { action: 'signIntegrity', personId, as: 'disciplineSecretary', signedBy: signers.disciplineSecretary })).status).toBe(200);
  }
  return wf;
}

/** An examination archived in the cadre's political-quality file, as the examination's archive step writes it. */
async function fileEntry(personId: string, examinedOn: string, grade: string): Promise<void> {
  const em = stack.t.orm.em.fork();
  const examinationId = uniqueId('pe');
  em.create(PoliticalFileEntrySchema, {
    id: randomUUID(),
    examinationId,
    subjectKind: 'cadre',
    personId,
    unitId: 'jyj',
    title: `${personId} 政治素质考察`,
    examinedOn,
    grade,
    planHash: 'a'.repeat(64),
    evaluations: [],
    findings: [],
    useOfResult: {},
    rectificationWorkflowId: null,
    acknowledgedAt: null,
    statement: null,
    archivedAt: new Date(),
  });
  await em.flush();
}

/** completeInspection refused with political_exam_required, leaving no trace; returns the blocked candidates. */
async function refusedByGate(wf: string): Promise<{ personId: string; status: string }[]> {
  const before = await traceOf(stack.t, wf);
  const r = await act(wf, { action: 'completeInspection' });
  expect(r.status).toBe(422);
  expect(r.body).toMatchObject({ status: 422, code: 'political_exam_required', details: { rule: 'principles.politicalExam', months: 12 } });
  expect(r.body.message).toMatch(/任前政治体检/);
  expect(await traceOf(stack.t, wf)).toEqual(before);
  return (r.body.details.candidates as { personId: string; status: string }[]).map(({ personId, status }) => ({ personId, status }));
}

it('the gate blocks completeInspection for a missing, expired or 较差 examination, naming the rule and the candidates; fresh ones let it complete', async () => {
  const wf = await atInspectionEnd({ months: 12 });

  const gate = await get(`/procedures/${wf}/selection/political-gate`);
  expect(gate.status).toBe(200);
  expect(gate.body).toMatchObject({ required: true, months: 12, candidates: [{ personId: 'G001', status: 'missing', latest: null }, { personId: 'G002', status: 'missing' }] });

  expect(await refusedByGate(wf)).toEqual([
    { personId: 'G001', status: 'missing' },
    { personId: 'G002', status: 'missing' },
  ]);

  // G001 fresh on the boundary (exactly 12 months old); G002 one day older than that.
  await fileEntry('G001', addMonths(today(), -12), '好');
  await fileEntry('G002', addDays(addMonths(today(), -12), -1), '好');
  expect(await refusedByGate(wf)).toEqual([{ personId: 'G002', status: 'expired' }]);

  // A newer 较差 result is what counts.
  await fileEntry('G002', addMonths(today(), -2), '较差');
  expect(await refusedByGate(wf)).toEqual([{ personId: 'G002', status: 'poor' }]);
  expect((await get(`/procedures/${wf}/selection/political-gate`)).body.candidates).toMatchObject([
    { personId: 'G001', status: 'fresh' },
    { personId: 'G002', status: 'poor', latest: { grade: '较差' } },
  ]);

  await fileEntry('G002', addDays(today(), -1), '较好');
  const done = await act(wf, { action: 'completeInspection' });
  expect(done.status).toBe(200);
  await untilStage(wf, 'decision');
  const state = await stateOf(wf);
  expect(state.politicalGate).toMatchObject({ months: 12, checkedOn: today(), candidates: [{ personId: 'G001', status: 'fresh' }, { personId: 'G002', status: 'fresh', latest: { grade: '较好' } }] });
});

it('without the requirement the inspection completes as before, and the gate reads as not required', async () => {
  const wf = await atInspectionEnd();
  expect((await get(`/procedures/${wf}/selection/political-gate`)).body).toMatchObject({ required: false, months: null, candidates: [] });
  expect((await act(wf, { action: 'completeInspection' })).status).toBe(200);
  await untilStage(wf, 'decision');
  expect((await stateOf(wf)).politicalGate).toBeNull();
});

it('staff start a candidate’s examination from the selection; it is linked both ways, and a non-candidate is refused without starting anything', async () => {
  const wf = await atInspectionEnd({ months: 12 });
  const selectionId = wf.slice('selection-'.length);
  const body = (personId: string) => ({
    personId,
    userId: 'jyj-staff',
    plan: {
      dimensions: [{ dimension: 'loyalty', indicators: ['坚决维护党中央权威和集中统一领导'] }],
      positiveList: ['贯彻落实党中央决策部署坚决有力'],
      negativeList: ['表态多调门高、行动少落实差'],
      group: ['zzb-staff', 'xcb-reviewer'],
      timetable: { evidenceWorkingDays: 10, acknowledgeWorkingDays: 5 },
    },
  });
  const start = async (b: unknown, user = STAFF) => stack.h.call('POST', `/procedures/${wf}/selection/political-examination`, { token: await stack.h.login(user), key: newKey(), body: b });

  // GB2001001 is in master data but not a candidate of this selection.
  const before = await traceOf(stack.t, wf);
  const refused = await start(body('GB2001001'));
  expect(refused.status).toBe(422);
  expect(refused.body).toMatchObject({ code: 'invalid_input', details: { field: 'personId' } });
  expect(await traceOf(stack.t, wf)).toEqual(before);
  await expect(stack.t.env.client.workflow.getHandle(workflowIds.politicalExamination(`${selectionId}-GB2001001`)).describe()).rejects.toThrow();

  const r = await start(body('G001'));
  expect(r.status).toBe(201);
  const examWf = workflowIds.politicalExamination(`${selectionId}-G001`);
  expect(r.body.examination).toMatchObject({ workflowId: examWf, type: 'politicalExamination', stage: 'planApproval' });
  expect(r.body.examination.openTasks.map((t: { step: string }) => t.step)).toEqual(['planApproval']);
  expect(r.body.selection.examinations).toEqual([{ personId: 'G001', workflowId: examWf, startedBy: STAFF, at: expect.any(String) }]);

  // The examination's row names the selection; the selection's state, its action log and its gate list the examination.
  const row = await stack.t.orm.em.fork().findOne(ProcedureSchema, { workflowId: examWf });
  expect(row?.title).toContain(wf);
  expect((await stateOf(wf)).examinations).toEqual(r.body.selection.examinations);
  const actions = (await get(`/procedures/${wf}/actions`)).body as { action: string; data: { examinationWorkflowId?: string } | null }[];
  expect(actions.find((a) => a.action === 'linkExamination')?.data).toMatchObject({ personId: 'G001', examinationWorkflowId: examWf });
  expect((await get(`/procedures/${wf}/selection/political-gate`)).body.examinations).toEqual(r.body.selection.examinations);

  // The same examination id again is a conflict.
  expect((await start(body('G001'))).body).toMatchObject({ status: 409, code: 'procedure_exists', details: { field: 'examinationId' } });
});

/** 政治素质考察 (political-quality examination): the descriptor, the department's command route and the political-quality files. */
import path from 'node:path';
import { z } from 'zod';
import { resolveAssignees, type NamedRule } from '../../api/assignees';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuthUser } from '../../api/auth';
import { Forbidden, NotFound, Unprocessable } from '../../api/errors';
import { sendUpdate } from '../../api/temporal';
import { ActResult, PersonIdParam, WorkflowIdParam } from '../../api/schemas';
import { chinaDateOf } from '../../domain/dates';
import { PersonSchema, PoliticalFileEntrySchema, UnitSchema, type PoliticalFileEntry } from '../../platform/entities';
import { defineProcedure } from '../descriptor';
import { ruleKey } from '../kernel/messages';
import { createExaminationActivities } from './activities';
import { batchRoutes, planBatch } from './batch';
import {
  BATCH_STATUSES,
  EXAMINATION_STATUSES,
  ExaminationRefusal,
  examinationUpdate,
  POLITICAL_EXAMINATION,
  POLITICAL_EXAMINATION_BATCH,
  politicalExaminationWorkflowId,
  type ExaminationRules,
  type ExaminationSubject,
  type PoliticalExaminationInput,
} from './messages';
import { DEFAULT_EXAMINATION_RULES, planProblem, politicalExamFresh, rulesProblem } from './rules';
import { EXAMINATION_ACT_BODIES, ExaminationCommandBody, PoliticalFile, StartExaminationBatchBody, StartExaminationBody, UnitIdParam, type PoliticalFileEntryRow } from './schemas';

/** How old the newest examination may be for the 任前政治体检 gate (DOMAIN.md, default 12 months). */
const GATE_MONTHS = 12;

function entryView(e: PoliticalFileEntry): z.infer<typeof PoliticalFileEntryRow> {
  return {
    id: e.id,
    examinationId: e.examinationId,
    subjectKind: e.subjectKind,
    personId: e.personId,
    unitId: e.unitId,
    title: e.title,
    examinedOn: e.examinedOn,
    grade: e.grade,
    planHash: e.planHash,
    evaluations: e.evaluations,
    findings: e.findings,
    useOfResult: e.useOfResult,
    rectificationWorkflowId: e.rectificationWorkflowId,
    acknowledgedAt: e.acknowledgedAt?.toISOString() ?? null,
    statement: e.statement,
    archivedAt: e.archivedAt.toISOString(),
  };
}

function fileOf(subject: { kind: 'cadre' | 'group'; id: string; name: string }, rows: PoliticalFileEntry[]) {
  const gate = politicalExamFresh(rows, GATE_MONTHS, chinaDateOf(new Date()));
  return { subject, entries: rows.map(entryView), gate: { fresh: gate.fresh, reason: gate.reason, months: GATE_MONTHS } };
}

/** The file is the organization department's record: its own people and supervisors read it, the units examined do not. */
async function assertMayReadFiles(em: EntityManager, user: AuthUser): Promise<void> {
  if (user.roles.includes('supervisor')) return;
  const unit = await em.findOne(UnitSchema, { id: user.unitId });
  if (unit?.kind !== 'department') throw new Forbidden('forbidden', 'political-quality files are read by the organization department and supervisors', { roles: ['department', 'supervisor'] });
}

export const politicalExaminationProcedure = defineProcedure({
  type: POLITICAL_EXAMINATION,
  label: '政治素质考察',
  statuses: EXAMINATION_STATUSES,
  capabilities: { withdraw: false, urge: true, copy: true, closeVote: false, overdue: true },
  refusals: {
    [ExaminationRefusal.invalidPlan]: 422,
    [ExaminationRefusal.talkListIncomplete]: 422,
    [ExaminationRefusal.tooFewRespondents]: 422,
    [ExaminationRefusal.invalidEvidence]: 422,
    [ExaminationRefusal.evidenceIncomplete]: 409,
    [ExaminationRefusal.gradeNotInSet]: 422,
    [ExaminationRefusal.gradeUnjustified]: 422,
    [ExaminationRefusal.notSubject]: 422,
    [ExaminationRefusal.useOfResultIncomplete]: 422,
    [ExaminationRefusal.wrongStage]: 409,
  },
  start: {
    summary: 'Start a political-quality examination (政治素质考察) of one cadre or one leading group',
    description:
      'The plan (dimensions with indicators, the positive and negative lists, the examination group of 2+, the timetable) goes to the ' +
      'department for approval as a task, and is frozen with a content hash. Then five evidence strands run in parallel, each a task ' +
      'for the group with its own deadline; the analysis, the head’s approval, the subject’s acknowledgement and the use of the result ' +
      'follow, and the examination is archived in the political-quality file. The workflow id is political-<examinationId>.',
    body: StartExaminationBody,
    plan: async ({ em, user, body }) => {
      const rules: ExaminationRules = { ...DEFAULT_EXAMINATION_RULES, ...body.rules };
      const badRules = rulesProblem(rules);
      if (badRules) throw new Unprocessable(badRules.code, `rules.${badRules.message}`, { field: `rules.${badRules.details.field}` });
      const badPlan = planProblem(body.plan, rules);
      if (badPlan) throw new Unprocessable(badPlan.code, badPlan.message, badPlan.details);

      const named: NamedRule[] = [
        { rule: { kind: 'user', userId: user.id }, field: 'initiator' },
        { rule: { kind: 'role', role: 'approver', unitId: body.departmentUnitId }, field: 'departmentUnitId' },
        { rule: { kind: 'unitHead', unitId: body.departmentUnitId }, field: 'departmentUnitId' },
        { rule: { kind: 'role', role: 'staff', unitId: body.departmentUnitId }, field: 'departmentUnitId' },
        ...body.plan.group.map((userId, i): NamedRule => ({ rule: { kind: 'user', userId }, field: `plan.group[${i}]` })),
      ];
      if (!(await em.findOne(UnitSchema, { id: body.inspectionOfficeUnitId }))) {
        throw new Unprocessable('unknown_unit', 'inspectionOfficeUnitId: the unit does not exist', { field: 'inspectionOfficeUnitId' });
      }
      let subject: ExaminationSubject;
      let subjectRule: NamedRule;
      if (body.subject.kind === 'cadre') {
        const person = await em.findOne(PersonSchema, { id: body.subject.personId });
        if (!person) throw new Unprocessable('unknown_person', 'subject.personId: the person is not in master data', { field: 'subject.personId' });
        // The file and a linked rectification belong to the cadre's unit.
        if (!person.unitId) throw new Unprocessable('invalid_input', 'subject.personId: the person belongs to no unit in master data', { field: 'subject.personId' });
        subject = { kind: 'cadre', personId: person.id, name: person.name, unitId: person.unitId };
        subjectRule = { rule: { kind: 'user', userId: body.subject.userId }, field: 'subject' };
      } else {
        const unit = await em.findOne(UnitSchema, { id: body.subject.unitId });
        if (!unit) throw new Unprocessable('unknown_unit', 'subject.unitId: the unit does not exist', { field: 'subject.unitId' });
        subject = { kind: 'group', unitId: unit.id, name: `${unit.name}领导班子` };
        subjectRule = body.subject.partySecretaryUserId
          ? { rule: { kind: 'user', userId: body.subject.partySecretaryUserId }, field: 'subject.partySecretaryUserId' }
          : { rule: { kind: 'unitHead', unitId: unit.id }, field: 'subject.unitId' };
      }
      const assignees = await resolveAssignees(em, [...named, subjectRule]);
      const r = subjectRule.rule;
      const subjectUserId = r.kind === 'user' ? r.userId : (assignees[ruleKey(r)]?.[0] as string);
      const input: PoliticalExaminationInput = {
        examinationId: body.examinationId,
        title: body.title,
        initiatorId: user.id,
        subject,
        subjectUserId,
        departmentUnitId: body.departmentUnitId,
        inspectionOfficeUnitId: body.inspectionOfficeUnitId,
        plan: body.plan,
        rules,
        assignees,
      };
      return { workflowId: politicalExaminationWorkflowId(body.examinationId), input, units: [subject.unitId], stage: 'planApproval' };
    },
  },
  actBodies: EXAMINATION_ACT_BODIES,
  activities: createExaminationActivities,
  routes: ({ route, deps }) => {
    route({
      method: 'post',
      path: '/procedures/:workflowId/examination',
      tag: 'political examination',
      summary: 'The department’s command on a political examination: waive an evidence strand, with a reason',
      description:
        'During the evidence stage the organization department (staff or approvers of the department unit) may waive an open strand; ' +
        'the analysis waits until every strand is done or waived. A refused command leaves no trace.',
      idempotent: true,
      params: WorkflowIdParam,
      body: ExaminationCommandBody,
      response: {
        status: 200,
        schema: ActResult.extend({ seq: z.number() }).openapi('ExaminationActResult'),
        description: 'The command was taken: the answer of an action, and its seq',
      },
      errors: [403, 404, 409, 422, 503],
      handler: async ({ em, user, params, body, idempotencyKey }) => {
        if (!params.workflowId.startsWith(politicalExaminationWorkflowId(''))) throw new NotFound('procedure_not_found', 'no such political examination');
        const ack = await sendUpdate(deps, em, params.workflowId, examinationUpdate, { ...body, actorId: user.id, actorRoles: user.roles, actorUnitId: user.unitId }, `${user.id}:${idempotencyKey}`);
        return { status: 200, body: ack };
      },
    });

    route({
      method: 'get',
      path: '/people/:id/political-file',
      tag: 'political examination',
      summary: 'A cadre’s political-quality file (政治素质档案): every examination, newest first, and the 任前政治体检 gate',
      params: PersonIdParam,
      response: { status: 200, schema: PoliticalFile, description: 'The file' },
      errors: [403, 404],
      handler: async ({ em, user, params }) => {
        await assertMayReadFiles(em, user);
        const person = await em.findOne(PersonSchema, { id: params.id });
        if (!person) throw new NotFound('person_not_found', 'no person has this personnel number');
        const rows = await em.find(PoliticalFileEntrySchema, { personId: person.id }, { orderBy: { examinedOn: 'desc', archivedAt: 'desc' } });
        return { status: 200, body: fileOf({ kind: 'cadre', id: person.id, name: person.name }, rows) };
      },
    });

    route({
      method: 'get',
      path: '/units/:id/political-file',
      tag: 'political examination',
      summary: 'A leading group’s political-quality file (政治素质档案): every examination of the unit’s 领导班子, newest first',
      params: UnitIdParam,
      response: { status: 200, schema: PoliticalFile, description: 'The file' },
      errors: [403, 404],
      handler: async ({ em, user, params }) => {
        await assertMayReadFiles(em, user);
        const unit = await em.findOne(UnitSchema, { id: params.id });
        if (!unit) throw new NotFound('unit_not_found', 'no unit has this id');
        const rows = await em.find(PoliticalFileEntrySchema, { unitId: unit.id, subjectKind: 'group' }, { orderBy: { examinedOn: 'desc', archivedAt: 'desc' } });
        return { status: 200, body: fileOf({ kind: 'group', id: unit.id, name: `${unit.name}领导班子` }, rows) };
      },
    });
  },
  historiesDir: path.join(__dirname, 'histories'),
  histories: [
    { file: 'political-examination.json', endsAt: 'completed' },
    // Still in the evidence stage, every strand past its deadline and up the ladder.
    { file: 'political-examination-overdue.json', endsAt: { activity: 'computeRung' } },
    // Started by its batch with its plan-approval task already projected (`opened`), resumed there.
    { file: 'political-examination-opened.json', endsAt: 'completed' },
    // A leading group's examination, every strand clear, graded 好: noted for promotion, no linked rectification, filed
    // under its unit (test/api/political-examination.api.test.ts).
    { file: 'political-examination-group.json', endsAt: 'completed' },
  ],
});

/** 全覆盖: a batch of examinations over a scope of units, one child examination per subject (kernel fan-out). */
export const politicalExaminationBatchProcedure = defineProcedure({
  type: POLITICAL_EXAMINATION_BATCH,
  label: '政治素质考察（全覆盖）',
  statuses: BATCH_STATUSES,
  // The batch has no tasks of its own: its examinations are urged, copied and fall overdue one by one.
  capabilities: { withdraw: false, urge: false, copy: false, closeVote: false, overdue: true },
  refusals: {},
  start: {
    summary: 'Start a full-coverage batch (全覆盖) of political-quality examinations over a scope of units',
    description:
      'The scope is every unit of a kind, or a list of units. Each unit’s leading group is examined and, with includeMembers, each of its ' +
      'leading members as a cadre; each subject is a child examination political-<batchId>-<unitId or personId> to one shared plan. ' +
      'GET /procedures/political-batch-<batchId>/batch shows the progress and, once every child has reported, the summary.',
    body: StartExaminationBatchBody,
    plan: planBatch,
  },
  routes: batchRoutes,
  historiesDir: path.join(__dirname, 'histories'),
  histories: [
    { file: 'political-examination-batch.json', endsAt: 'completed' },
    // Its children opened in bulk before they started (kernel/fanout.ts `open`, patch fanout-open).
    { file: 'political-examination-batch-opened.json', endsAt: 'completed' },
  ],
});

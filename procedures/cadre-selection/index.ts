/** 干部选拔任用 (先定原则、再商人头): the cadre selection's descriptor and its stage route. */
import path from 'node:path';
import { z } from 'zod';
import type { EntityManager } from '@mikro-orm/postgresql';
import { membersOf, resolveAssignees } from '../../api/assignees';
import { access, inDepartment } from '../../api/authz';
import { Conflict, Forbidden, fromTemporal, NotFound, Unavailable, Unprocessable } from '../../api/errors';
import type { ApiDeps } from '../../api/routes/context';
import { sendUpdate, startProcedure } from '../../api/temporal';
import { chinaDateOf } from '../../domain/dates';
import type { Grade } from '../../domain/grades';
import { PersonSchema, PoliticalFileEntrySchema, UnitEstablishmentSchema, UnitOfficeHolderSchema, UnitSchema } from '../../platform/entities';
import { id, StartResult, text, WorkflowIdParam } from '../../api/schemas';
import { defineProcedure } from '../descriptor';
import { stateQuery } from '../kernel/messages';
import { completeVoteRule, MEETING_REFUSAL_STATUS } from '../kernel/vote';
import { politicalExaminationProcedure } from '../political-examination';
import { POLITICAL_EXAMINATION, politicalExaminationWorkflowId } from '../political-examination/messages';
import { createSelectionActivities, recusalsOf, relativesAmong } from './activities';
import {
  CADRE_SELECTION,
  cadreSelectionWorkflowId,
  SELECTION_STATUSES,
  SelectionRefusal,
  selectionUpdate,
  type CadreSelectionInput,
  type IntegritySignerFacts,
  type PoliticalExamFacts,
  type SelectionCommand,
  type SelectionState,
} from './messages';
import { establishmentProblem, politicalGateReadings } from './rules';
import { BarRecordsBody, EstablishmentBody, OfficeHoldersBody, RelationsBody, PoliticalGateView, SelectionCommandBody, StartSelectionBody } from './schemas';

const QUERY_DEADLINE_MS = 15_000;

/** The selection's live state, through its query: 404 for an unknown id, 503 without a worker. */
async function selectionState(deps: Pick<ApiDeps, 'client'>, workflowId: string): Promise<SelectionState> {
  if (!workflowId.startsWith(cadreSelectionWorkflowId(''))) throw new NotFound('procedure_not_found', 'no such cadre selection');
  try {
    const state: unknown = await deps.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => deps.client.workflow.getHandle(workflowId).query(stateQuery));
    return state as SelectionState;
  } catch (err) {
    if (fromTemporal(err)?.status === 404) throw new NotFound('procedure_not_found', 'no such cadre selection');
    throw new Unavailable('state_unavailable', 'the selection’s live state cannot be read now; is a worker running?');
  }
}

/** The candidates still in the procedure: the shortlist once there is one, every nominee before. */
function activeCandidates(state: SelectionState): string[] {
  const shortlisted = state.candidates.some((c) => c.shortlisted);
  return state.candidates.filter((c) => !c.removed && (!shortlisted || c.shortlisted)).map((c) => c.personId);
}

/**
 * The candidates' political-quality files (政治素质档案), for the 任前政治体检 gate. Read here because an Update
 * validator cannot do I/O: the API sends them in the Update's argument, and the validator and the
 * workflow apply one pure rule to them (politicalGateProblem), as assignees are resolved at the start.
 */
async function politicalFacts(em: EntityManager, personIds: string[]): Promise<PoliticalExamFacts[]> {
  if (personIds.length === 0) return [];
  const rows = await em.find(PoliticalFileEntrySchema, { subjectKind: 'cadre', personId: { $in: personIds } }, { orderBy: { examinedOn: 'desc', archivedAt: 'desc' } });
  return personIds.map((personId) => ({
    personId,
    entries: rows.filter((r) => r.personId === personId).map((r) => ({ examinationId: r.examinationId, examinedOn: r.examinedOn, grade: r.grade })),
  }));
}

/**
 * Who signed a 廉洁自律 conclusion, from master data: the signer's posts in force today (unit_office_holder) and
 * the candidate's unit. Read here for the same reason as politicalFacts: the validator applies one pure rule
 * (integritySignerProblem) to what the API read.
 */
async function integritySigner(em: EntityManager, signedBy: string, candidateId: string): Promise<IntegritySignerFacts> {
  const today = chinaDateOf(new Date());
  const candidate = await em.findOne(PersonSchema, { id: candidateId });
  const offices = await em.find(UnitOfficeHolderSchema, { personId: signedBy, since: { $lte: today }, $or: [{ until: null }, { until: { $gte: today } }] });
  return { personId: signedBy, candidateUnitId: candidate?.unitId ?? null, offices: offices.map((o) => ({ unitId: o.unitId, office: o.office, since: String(o.since) })) };
}

/** 职数: refuses principles whose post would take the unit over its approved number of that grade (establishmentProblem). */
async function assertWithinEstablishment(em: EntityManager, principles: CadreSelectionInput['principles']): Promise<void> {
  const { unitId, targetGrade, positions } = principles.post;
  const row = await em.findOne(UnitEstablishmentSchema, { unitId, grade: targetGrade });
  const filled = row ? await em.count(PersonSchema, { unitId, currentGrade: targetGrade as Grade }) : 0;
  const problem = establishmentProblem(row ? { approved: row.approved, filled } : null, positions, principles.overEstablishmentApproval);
  if (problem) throw new Unprocessable(problem.code, problem.message, problem.details);
}

/**
 * The selection's master data (office holders, 影响期 records, relations, 职数) decide who may be selected, so
 * only the organization department's staff (组织部, a unit of kind department) record them, not a unit's own staff.
 */
const MASTER_DATA_ACCESS = access.handler('the organization department’s staff (组织部) only, checked in the handler (assertMasterDataWriter)', ['staff']);
async function assertMasterDataWriter(em: EntityManager, user: { unitId: string }): Promise<void> {
  if (!(await inDepartment(em, user))) throw new Forbidden('forbidden', 'the selection’s master data are recorded by the organization department’s staff (组织部) only');
}

const examinationStart = politicalExaminationProcedure.start;
if (!examinationStart) throw new Error('the political examination module has no start plan');

/** Starting a candidate's examination from the selection: the examination's own start body, its subject the candidate. */
const StartSelectionExaminationBody = examinationStart.body
  .omit({ subject: true, examinationId: true, title: true })
  .extend({
    personId: id.openapi({ description: 'The candidate (干部编号) to examine' }),
    userId: id.openapi({ description: 'The candidate’s own user account: the one who acknowledges the feedback' }),
    examinationId: id.optional().openapi({ description: 'Business key of the examination; default <selectionId>-<personId>' }),
    title: text(200).optional().openapi({ description: 'Default: 任前政治体检, the selection’s title and its workflow id' }),
  })
  .strict()
  .openapi('StartSelectionExamination');

/** The recommenders and participants a nomination names (回避 of recommenders). */
function recommendersOf(c: Extract<SelectionCommand, { action: 'recordNomination' }>): string[] {
  return [...new Set([...(c.meeting?.participants ?? []), ...(c.talks ?? []).flatMap((t) => t.recommenders ?? [])])];
}

/** The people a command names, which must exist in master data. */
function peopleNamed(c: SelectionCommand): { ids: string[]; field: string } {
  switch (c.action) {
    case 'recordNomination':
      return {
        ids: [...(c.meeting?.votes ?? []).map((v) => v.personId), ...(c.talks ?? []).map((t) => t.personId), ...recommendersOf(c)],
        field: 'meeting.votes / talks / recommenders / participants',
      };
    case 'setShortlist':
      return { ids: c.personIds, field: 'personIds' };
    case 'signIntegrity':
      return { ids: c.signedBy ? [c.signedBy] : [], field: 'signedBy' };
    default:
      return { ids: [], field: '' };
  }
}

export const cadreSelectionProcedure = defineProcedure({
  type: CADRE_SELECTION,
  label: '干部选拔任用',
  statuses: SELECTION_STATUSES,
  capabilities: { withdraw: false, urge: true, copy: true, closeVote: true, overdue: false },
  refusals: {
    [SelectionRefusal.wrongStage]: 409,
    [SelectionRefusal.principlesNotFrozen]: 409,
    [SelectionRefusal.recommendationBeforePrinciples]: 422,
    [SelectionRefusal.nominationQuorumNotMet]: 422,
    [SelectionRefusal.candidateNotEligible]: 422,
    [SelectionRefusal.shortlistNotCompetitive]: 422,
    [SelectionRefusal.recommendationExpired]: 422,
    [SelectionRefusal.inspectionIncomplete]: 422,
    [SelectionRefusal.postponeTooLong]: 422,
    [SelectionRefusal.politicalExamRequired]: 422,
    [SelectionRefusal.eligibilityDateFixed]: 422,
    [SelectionRefusal.integritySignerNotOfficeHolder]: 403,
    [SelectionRefusal.integritySignerIsCandidate]: 403,
    [SelectionRefusal.integritySameSigner]: 403,
    [SelectionRefusal.postponementNotDue]: 409,
    [SelectionRefusal.voteAlreadyStarted]: 409,
    [SelectionRefusal.reconsiderationNotAgreed]: 422,
    [SelectionRefusal.recusedMember]: 403,
    [SelectionRefusal.overEstablishment]: 422,
    [SelectionRefusal.personalMattersConcealed]: 422,
    [SelectionRefusal.checkPending]: 422,
    ...MEETING_REFUSAL_STATUS,
  },
  start: {
    summary: 'Start a cadre selection (干部选拔任用) with its principles (先定原则)',
    description:
      'The principles go to the leaders’ meeting first; no candidate name can enter until they are approved and frozen. ' +
      'The workflow id is selection-<selectionId>.',
    body: StartSelectionBody,
    plan: async ({ em, user, body }) => {
      if (!(await em.findOne(UnitSchema, { id: body.principles.post.unitId }))) {
        throw new Unprocessable('unknown_unit', 'principles.post.unitId: the unit does not exist', { field: 'principles.post.unitId' });
      }
      await assertWithinEstablishment(em, body.principles);
      const assignees = await resolveAssignees(em, [
        { rule: body.principlesApprovers, field: 'principlesApprovers' },
        { rule: body.committee, field: 'committee' },
      ]);
      // The principal is a member of the committee: the same check the vote step relies on.
      const { problem } = completeVoteRule(body.principalId ? { principalId: body.principalId } : undefined, membersOf(assignees, body.committee));
      if (problem) throw new Unprocessable('invalid_vote_rule', `principalId: ${problem.message}`, { field: 'principalId' });
      const input: CadreSelectionInput = {
        selectionId: body.selectionId,
        title: body.title,
        initiatorId: user.id,
        principles: body.principles,
        principlesApprovers: body.principlesApprovers,
        committee: body.committee,
        ...(body.principalId ? { principalId: body.principalId } : {}),
        assignees,
      };
      return { workflowId: cadreSelectionWorkflowId(body.selectionId), input, units: [body.principles.post.unitId], stage: 'principles' };
    },
  },
  activities: createSelectionActivities,
  routes: ({ route, deps }) => {
    route({
      method: 'post',
      path: '/procedures/:workflowId/selection',
      tag: 'cadre selection',
      summary: 'Act on a cadre selection’s stage: nomination, shortlist, inspection, objections, assessment',
      description:
        'Each action belongs to one stage and is checked against the regulation’s rules by the workflow’s Update ' +
        'validator: 2/3 present at a meeting recommendation, 差额, an inspection group of 2+, 凡提四必, the 廉洁 signatures, ' +
        'a postponement of at most 3 months. A refused action leaves no trace. The principles are approved and the votes ' +
        'cast as tasks (POST /tasks/:taskId/actions); the vote is closed with POST /procedures/:workflowId/actions {"action":"closeVote"}.',
      idempotent: true,
      params: WorkflowIdParam,
      body: SelectionCommandBody,
      response: {
        status: 200,
        schema: z.object({ seq: z.number(), action: z.string(), stage: z.string(), status: z.string(), state: z.unknown() }).openapi('SelectionActResult'),
        description: 'The action was taken; state is the selection’s live state after it',
      },
      errors: [403, 404, 409, 422, 503],
      handler: async ({ em, user, params, body, idempotencyKey }) => {
        if (!params.workflowId.startsWith(cadreSelectionWorkflowId(''))) throw new NotFound('procedure_not_found', 'no such cadre selection');
        const named = peopleNamed(body);
        if (named.ids.length) {
          const found = new Set((await em.find(PersonSchema, { id: { $in: named.ids } })).map((p) => p.id));
          if (named.ids.some((i) => !found.has(i))) throw new Unprocessable('unknown_person', `${named.field}: a person is not in master data`, { field: named.field });
        }
        let command: SelectionCommand = body;
        if (body.action === 'completeInspection') {
          // The 任前政治体检 facts, only when the frozen principles require the gate (otherwise the command is as before).
          const live = await selectionState(deps, params.workflowId);
          if (live.frozen[live.frozen.length - 1]?.principles.politicalExam) command = { ...body, politicalFacts: await politicalFacts(em, activeCandidates(live)) };
        }
        if (body.action === 'recordNomination' && recommendersOf(body).length) {
          // Only when recommenders are named, so a nomination without them is the command it always was.
          const candidates = [...(body.meeting?.votes ?? []).map((v) => v.personId), ...(body.talks ?? []).map((t) => t.personId)];
          command = { ...body, recommenderRecusals: await relativesAmong(em, recommendersOf(body), candidates) };
        }
        if (body.action === 'signIntegrity') command = { ...body, signer: await integritySigner(em, body.signedBy, body.personId) };
        if (body.action === 'revisePrinciples') await assertWithinEstablishment(em, body.principles);
        if (body.action === 'recordInspection') {
          const live = await selectionState(deps, params.workflowId);
          command = { ...body, groupRecusals: await recusalsOf(em, body.group, activeCandidates(live)) };
        }
        const ack = (await sendUpdate(deps, em, params.workflowId, selectionUpdate, { ...command, actorId: user.id, actorRoles: user.roles }, `${user.id}:${idempotencyKey}`)) as unknown as { seq: number; action: string; stage: string; status: string };
        // The state comes from a query, not the Update's result, which history keeps for every action.
        const state = await deps.client.withDeadline(Date.now() + 15_000, () => deps.client.workflow.getHandle(params.workflowId).query(stateQuery));
        return { status: 200, body: { seq: ack.seq, action: ack.action, stage: ack.stage, status: ack.status, state } };
      },
    });

    route({
      method: 'put',
      path: '/selection/office-holders',
      tag: 'cadre selection',
      summary: 'Record who holds a unit’s Party secretary or discipline secretary post (master data for the 廉洁自律 signatures)',
      description:
        'Each row: a unit, the post (partySecretary 党委(党组)书记, disciplineSecretary 纪委书记/纪检组长), the person and since when; `until` ends ' +
        'the holding. A row with the same unit, post, person and since is replaced. A 廉洁自律 signature (signIntegrity) is accepted only ' +
        'from the account linked to a person who holds that post in the candidate’s unit on the day, who is not the candidate, and who ' +
        'did not give the other signature.',
      access: MASTER_DATA_ACCESS,
      idempotent: true,
      body: OfficeHoldersBody,
      response: { status: 200, schema: z.object({ recorded: z.number() }).openapi('OfficeHoldersRecorded'), description: 'The rows were recorded' },
      errors: [403, 422],
      handler: async ({ em, user, body }) => {
        await assertMasterDataWriter(em, user);
        const unitIds = [...new Set(body.holders.map((h) => h.unitId))];
        const personIds = [...new Set(body.holders.map((h) => h.personId))];
        const units = new Set((await em.find(UnitSchema, { id: { $in: unitIds } })).map((u) => u.id));
        const people = new Set((await em.find(PersonSchema, { id: { $in: personIds } })).map((p) => p.id));
        const i = body.holders.findIndex((h) => !units.has(h.unitId) || !people.has(h.personId));
        if (i >= 0) {
          const field = units.has(body.holders[i]!.unitId) ? `holders[${i}].personId` : `holders[${i}].unitId`;
          throw new Unprocessable(field.endsWith('unitId') ? 'unknown_unit' : 'unknown_person', `${field}: not in master data`, { field });
        }
        await em.transactional(async (tx) => {
          for (const h of body.holders) {
            await tx.getConnection().execute(
              `insert into unit_office_holder (unit_id, office, person_id, since, until) values (?, ?, ?, ?, ?)
               on conflict (unit_id, office, person_id, since) do update set until = excluded.until`,
              [h.unitId, h.office, h.personId, h.since, h.until ?? null],
            );
          }
        });
        return { status: 200, body: { recorded: body.holders.length } };
      },
    });

    route({
      method: 'put',
      path: '/selection/establishment',
      tag: 'cadre selection',
      summary: 'Record a unit’s approved number of posts per grade (职数)',
      description:
        'A selection whose post’s positions, on top of the unit’s people of that grade (person.current_grade), would exceed the approved ' +
        'number is refused at the start and at a revision (422 over_establishment, 超职数配备) unless the principles cite a recorded ' +
        'approval (overEstablishmentApproval). A unit and grade without a row is not checked.',
      access: MASTER_DATA_ACCESS,
      idempotent: true,
      body: EstablishmentBody,
      response: { status: 200, schema: z.object({ recorded: z.number() }).openapi('EstablishmentRecorded'), description: 'The numbers were recorded' },
      errors: [403, 422],
      handler: async ({ em, user, body }) => {
        await assertMasterDataWriter(em, user);
        const unitIds = [...new Set(body.rows.map((r) => r.unitId))];
        const units = new Set((await em.find(UnitSchema, { id: { $in: unitIds } })).map((u) => u.id));
        const i = body.rows.findIndex((r) => !units.has(r.unitId));
        if (i >= 0) throw new Unprocessable('unknown_unit', `rows[${i}].unitId: not in master data`, { field: `rows[${i}].unitId` });
        await em.transactional(async (tx) => {
          for (const r of body.rows) {
            await tx
              .getConnection()
              .execute('insert into unit_establishment (unit_id, grade, approved) values (?, ?, ?) on conflict (unit_id, grade) do update set approved = excluded.approved', [r.unitId, r.grade, r.approved]);
          }
        });
        return { status: 200, body: { recorded: body.rows.length } };
      },
    });

    route({
      method: 'put',
      path: '/selection/relations',
      tag: 'cadre selection',
      summary: 'Record relations between people (回避: a committee member related to a candidate does not vote)',
      description:
        'Each row relates two people in master data: spouse 夫妻, directBlood 直系血亲, collateral 三代以内旁系血亲, inLaw 近姻亲; read both ' +
        'ways. When a selection’s vote opens, the committee members (their accounts linked to people by person.user_id) related to a ' +
        'candidate are recused: their ballots are refused with recused_member, and they count toward 应到会 but not as present.',
      access: MASTER_DATA_ACCESS,
      idempotent: true,
      body: RelationsBody,
      response: { status: 200, schema: z.object({ recorded: z.number() }).openapi('RelationsRecorded'), description: 'The relations were recorded' },
      errors: [403, 422],
      handler: async ({ em, user, body }) => {
        await assertMasterDataWriter(em, user);
        const ids = [...new Set(body.relations.flatMap((r) => [r.personId, r.relativeId]))];
        const people = new Set((await em.find(PersonSchema, { id: { $in: ids } })).map((p) => p.id));
        const i = body.relations.findIndex((r) => !people.has(r.personId) || !people.has(r.relativeId));
        if (i >= 0) {
          const field = `relations[${i}].${people.has(body.relations[i]!.personId) ? 'relativeId' : 'personId'}`;
          throw new Unprocessable('unknown_person', `${field}: not in master data`, { field });
        }
        await em.transactional(async (tx) => {
          for (const r of body.relations) {
            // Stored once either way round: the reverse pair, if recorded, is replaced.
            await tx.getConnection().execute('delete from person_relation where person_id = ? and relative_id = ?', [r.relativeId, r.personId]);
            await tx.getConnection().execute(
              'insert into person_relation (person_id, relative_id, relation) values (?, ?, ?) on conflict (person_id, relative_id) do update set relation = excluded.relation',
              [r.personId, r.relativeId, r.relation],
            );
          }
        });
        return { status: 200, body: { recorded: body.relations.length } };
      },
    });

    route({
      method: 'put',
      path: '/selection/bar-records',
      tag: 'cadre selection',
      summary: 'Record sanctions, 诫勉, 组织处理 and annual assessments on people (影响期: they bar a promotion for a while)',
      description:
        'Master data for the qualification predicate promotionBars: a candidate inside a record’s bar on the eligibility cut-off fails ' +
        'the check, with the record and the date its bar ends. The bar’s length comes from the rule table (党纪处分 警告 12 months, ' +
        '严重警告 18; 政务处分 警告 6, 记过 12, 记大过 18, 降级/撤职 24; 诫勉 6; 组织处理 调离 12, 降职 24; 基本称职/不称职 12 from the ' +
        'end of the year assessed) unless the record gives endsOn. A record with the same person, kind, category and date is replaced.',
      access: MASTER_DATA_ACCESS,
      idempotent: true,
      body: BarRecordsBody,
      response: { status: 200, schema: z.object({ recorded: z.number() }).openapi('BarRecordsRecorded'), description: 'The records were recorded' },
      errors: [403, 422],
      handler: async ({ em, user, body }) => {
        await assertMasterDataWriter(em, user);
        const ids = [...new Set(body.records.map((r) => r.personId))];
        const people = new Set((await em.find(PersonSchema, { id: { $in: ids } })).map((p) => p.id));
        const i = body.records.findIndex((r) => !people.has(r.personId));
        if (i >= 0) throw new Unprocessable('unknown_person', `records[${i}].personId: not in master data`, { field: `records[${i}].personId` });
        await em.transactional(async (tx) => {
          for (const r of body.records) {
            await tx.getConnection().execute(
              `insert into person_bar_record (person_id, kind, category, date, ends_on, ref) values (?, ?, ?, ?, ?, ?)
               on conflict (person_id, kind, category, date) do update set ends_on = excluded.ends_on, ref = excluded.ref`,
              [r.personId, r.kind, r.category, r.date, r.endsOn ?? null, r.ref ?? null],
            );
          }
        });
        return { status: 200, body: { recorded: body.records.length } };
      },
    });

    route({
      method: 'get',
      path: '/procedures/:workflowId/selection/political-gate',
      tag: 'cadre selection',
      summary: 'The 任前政治体检 gate of a selection: each candidate fresh, missing, expired or poor, from the political-quality files now',
      description:
        'Read with the same rule completeInspection applies (politicalGateProblem). When the frozen principles do not require the gate, ' +
        '`required` is false and no candidate is listed. `examinations` are the examinations started from the selection.',
      params: WorkflowIdParam,
      response: { status: 200, schema: PoliticalGateView, description: 'The gate as it reads today' },
      errors: [404, 503],
      handler: async ({ em, params }) => {
        const live = await selectionState(deps, params.workflowId);
        const requirement = live.frozen[live.frozen.length - 1]?.principles.politicalExam;
        const today = chinaDateOf(new Date());
        const ids = activeCandidates(live);
        const candidates = requirement ? politicalGateReadings(ids, await politicalFacts(em, ids), requirement, today) : [];
        return { status: 200, body: { required: !!requirement, months: requirement?.months ?? null, today, candidates, examinations: live.examinations ?? [] } };
      },
    });

    route({
      method: 'post',
      path: '/procedures/:workflowId/selection/political-examination',
      tag: 'cadre selection',
      summary: 'Start a candidate’s political examination (政治素质考察) from the selection, for the 任前政治体检',
      description:
        'Starts a politicalExamination of the candidate through the examination module’s own start plan (the same checks, the same ' +
        '201), and records it on the selection (action linkExamination, listed in state.examinations and the gate). The candidate must ' +
        'be in the selection, which must be at nomination, shortlist or inspection. Its workflow id is political-<examinationId>.',
      roles: ['staff'],
      idempotent: true,
      params: WorkflowIdParam,
      body: StartSelectionExaminationBody,
      response: {
        status: 201,
        schema: z.object({ examination: StartResult, selection: z.object({ seq: z.number(), examinations: PoliticalGateView.shape.examinations }) }).openapi('SelectionExaminationStarted'),
        description: 'The examination has started and is linked to the selection',
      },
      errors: [403, 404, 409, 422, 503],
      handler: async ({ em, user, params, body, idempotencyKey }) => {
        const live = await selectionState(deps, params.workflowId);
        const { personId, userId, examinationId = `${live.selectionId}-${personId}`, title = `任前政治体检 · ${live.title}（${params.workflowId}）`, ...rest } = body;
        // The examination's own start plan: master data, plan rules, assignees. Nothing has happened yet if it refuses.
        const plan = await examinationStart.plan({ em, user, body: { ...rest, examinationId, title, subject: { kind: 'cadre', personId, userId } } });
        const examinationWorkflowId = politicalExaminationWorkflowId(examinationId);
        // Recorded on the selection first, so its Update validator (a candidate still in it, a stage before
        // the decision) refuses before anything starts; a retry with the same key finds the Update
        // deduplicated and starts what a failed first attempt did not.
        const exists = await deps.client.workflow
          .getHandle(examinationWorkflowId)
          .describe()
          .then(
            () => true,
            () => false,
          );
        if (exists) throw new Conflict('procedure_exists', `a procedure with workflow id ${examinationWorkflowId} already exists`, { field: 'examinationId' });
        const link = (await sendUpdate(
          deps,
          em,
          params.workflowId,
          selectionUpdate,
          { action: 'linkExamination', personId, examinationWorkflowId, actorId: user.id, actorRoles: user.roles },
          `${user.id}:${idempotencyKey}:link`,
        )) as unknown as { seq: number };
        const started = await startProcedure(deps, em, POLITICAL_EXAMINATION, plan);
        const after = await selectionState(deps, params.workflowId);
        return { status: 201, body: { examination: started.body, selection: { seq: link.seq, examinations: after.examinations ?? [] } } };
      },
    });
  },
  historiesDir: path.join(__dirname, 'histories'),
  histories: [
    { file: 'cadre-selection.json', endsAt: { activity: 'computeProbationEnd' } },
    // Issue 11's paths (recorded by test/api/cadre-selection-outcomes.api.test.ts with RECORD_HISTORIES=1).
    { file: 'cadre-selection-postponed.json', endsAt: 'completed' },
    { file: 'cadre-selection-reconsidered.json', endsAt: { activity: 'computeProbationEnd' } },
    { file: 'cadre-selection-deferred.json', endsAt: { activity: 'computeNoticePeriod' } },
    { file: 'cadre-selection-renominated.json', endsAt: { activity: 'checkCandidates' } },
    { file: 'cadre-selection-appointed.json', endsAt: 'completed' },
  ],
});

/**
 * What the API reads before it sends a selection command: the live state (through the query), and the
 * master data an Update validator needs but cannot read itself (it does no I/O), sent in the command so the
 * validator and the workflow apply one pure rule (rules.ts) to them.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { fromTemporal, NotFound, Unavailable, Unprocessable } from '../../api/errors';
import type { ApiDeps } from '../../api/routes/context';
import { chinaDateOf } from '../../domain/dates';
import type { Grade } from '../../domain/grades';
import type { BarRecord } from '../../domain/promotion-bars';
import { PersonBarRecordSchema, PersonSchema, PoliticalFileEntrySchema, UnitEstablishmentSchema, UnitOfficeHolderSchema } from '../../platform/entities';
import { stateQuery } from '../kernel/messages';
import { cadreSelectionWorkflowId, type CadreSelectionInput, type IntegritySignerFacts, type PoliticalExamFacts, type SelectionCommand, type SelectionState } from './messages';
import { establishmentProblem, promotionBarProblem } from './rules';

const QUERY_DEADLINE_MS = 15_000;

/** The selection's live state, through its query: 404 for an unknown id, 503 without a worker. */
export async function selectionState(deps: Pick<ApiDeps, 'client'>, workflowId: string): Promise<SelectionState> {
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
export function activeCandidates(state: SelectionState): string[] {
  const shortlisted = state.candidates.some((c) => c.shortlisted);
  return state.candidates.filter((c) => !c.removed && (!shortlisted || c.shortlisted)).map((c) => c.personId);
}

/**
 * The candidates' political-quality files (政治素质档案), for the 任前政治体检 gate. Read here because an Update
 * validator cannot do I/O: the API sends them in the Update's argument, and the validator and the
 * workflow apply one pure rule to them (politicalGateProblem), as assignees are resolved at the start.
 */
export async function politicalFacts(em: EntityManager, personIds: string[]): Promise<PoliticalExamFacts[]> {
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
export async function integritySigner(em: EntityManager, signedBy: string, candidateId: string): Promise<IntegritySignerFacts> {
  const today = chinaDateOf(new Date());
  const candidate = await em.findOne(PersonSchema, { id: candidateId });
  const offices = await em.find(UnitOfficeHolderSchema, { personId: signedBy, since: { $lte: today }, $or: [{ until: null }, { until: { $gte: today } }] });
  return { personId: signedBy, candidateUnitId: candidate?.unitId ?? null, offices: offices.map((o) => ({ unitId: o.unitId, office: o.office, since: String(o.since) })) };
}

/** 职数: refuses principles whose post would take the unit over its approved number of that grade (establishmentProblem). */
export async function assertWithinEstablishment(em: EntityManager, principles: CadreSelectionInput['principles']): Promise<void> {
  const { unitId, targetGrade, positions } = principles.post;
  const row = await em.findOne(UnitEstablishmentSchema, { unitId, grade: targetGrade });
  const filled = row ? await em.count(PersonSchema, { unitId, currentGrade: targetGrade as Grade }) : 0;
  const problem = establishmentProblem(row ? { approved: row.approved, filled } : null, positions, principles.overEstablishmentApproval);
  if (problem) throw new Unprocessable(problem.code, problem.message, problem.details);
}

/**
 * 职数 again at the appointment (《条例》: 不得超职数配备, which the appointment itself would break): the unit's people of
 * the post's grade now, with the appointments this selection recorded that master data does not show yet, plus this
 * one, may not exceed the approved number, unless the principles in force cite a recorded approval. A candidate
 * master data already shows in that grade and unit takes no new place. Refused naming personId.
 */
export async function assertWithinEstablishmentAtAppointment(
  em: EntityManager,
  principles: CadreSelectionInput['principles'],
  personId: string,
  appointedBefore: readonly string[],
): Promise<void> {
  const { unitId, targetGrade } = principles.post;
  const row = await em.findOne(UnitEstablishmentSchema, { unitId, grade: targetGrade });
  if (!row) return;
  const holders = new Set((await em.find(PersonSchema, { unitId, currentGrade: targetGrade as Grade })).map((p) => p.id));
  if (holders.has(personId)) return;
  const filled = holders.size + appointedBefore.filter((id) => !holders.has(id)).length;
  const problem = establishmentProblem({ approved: row.approved, filled }, 1, principles.overEstablishmentApproval);
  if (problem) throw new Unprocessable(problem.code, problem.message, { ...problem.details, field: 'personId', personId, at: 'appointment' });
}

/**
 * 影响期 at the decision and at the appointment: refuses the command when one of `personIds` is inside a bar on
 * `asOf` (promotionBarProblem), from the bar records in master data as they are now. Read here, not in the
 * workflow, so a running selection's commands are unchanged: the workflow only never sees the refused command.
 */
export async function assertNoPromotionBars(em: EntityManager, personIds: readonly string[], asOf: string, at: 'decision' | 'appointment'): Promise<void> {
  if (personIds.length === 0) return;
  const rows = await em.find(PersonBarRecordSchema, { personId: { $in: [...personIds] } }, { orderBy: { date: 'asc' } });
  const people = personIds.map((personId) => ({
    personId,
    records: rows
      .filter((r) => r.personId === personId)
      .map((r): BarRecord => ({ kind: r.kind, category: r.category, date: String(r.date), endsOn: r.endsOn ? String(r.endsOn) : null, ref: r.ref })),
  }));
  const problem = promotionBarProblem(people, asOf, at);
  if (problem) throw new Unprocessable(problem.code, problem.message, problem.details);
}

/** The recommenders and participants a nomination names (回避 of recommenders). */
export function recommendersOf(c: Extract<SelectionCommand, { action: 'recordNomination' }>): string[] {
  return [...new Set([...(c.meeting?.participants ?? []), ...(c.talks ?? []).flatMap((t) => t.recommenders ?? [])])];
}

/** The people a command names, which must exist in master data. */
export function peopleNamed(c: SelectionCommand): { ids: string[]; field: string } {
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

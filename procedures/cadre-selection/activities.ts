/**
 * Activities of cadre selection: freezing the principles with a content hash, checking candidates
 * against them, and the calendar instants of the public notice and the probation.
 */
import { createHash } from 'node:crypto';
import { calendarFailure, calendarOf, type ActivityDeps } from '../../activities/kernel';
import { canonicalJson } from '../../domain/audit';
import { addWorkingDays } from '../../domain/calendar';
import { addDays, addMonths, startOfChinaDay, yearOf } from '../../domain/dates';
import { evaluateQualifications } from '../../domain/qualifications';
import { relativeIn } from '../../domain/relations';
import type { EntityManager } from '@mikro-orm/postgresql';
import { GRADE_INFO, gradeSteps, isGrade } from '../../domain/grades';
import { PersonBarRecordSchema, PersonRelationSchema, PersonSchema, UnitSchema } from '../../platform/entities';
import type { NoticePeriod, Principles, QualificationCheck, Recusal } from './messages';

/**
 * 回避: which of `userIds` (accounts, linked to people by person.user_id) are related to which of `candidateIds`,
 * from person_relation read both ways. Used by the vote's recusals (activity) and the inspection group's (API).
 */
export async function recusalsOf(em: EntityManager, userIds: readonly string[], candidateIds: readonly string[]): Promise<Recusal[]> {
  if (userIds.length === 0 || candidateIds.length === 0) return [];
  const members = await em.find(PersonSchema, { userId: { $in: [...userIds] } });
  if (members.length === 0) return [];
  const userOf = new Map(members.map((m) => [m.id, m.userId as string]));
  const related = await relativesAmong(em, [...userOf.keys()], candidateIds);
  return related.map((r) => ({ ...r, memberId: userOf.get(r.memberId) as string })).sort((a, b) => a.memberId.localeCompare(b.memberId) || a.candidateId.localeCompare(b.candidateId));
}

/**
 * 回避 among people: which of `personIds` are related to which of `candidateIds` (memberId is the person id), from
 * person_relation read both ways. recusalsOf (accounts) and the recommenders' recusals (people) both use it.
 */
export async function relativesAmong(em: EntityManager, personIds: readonly string[], candidateIds: readonly string[]): Promise<Recusal[]> {
  if (personIds.length === 0 || candidateIds.length === 0) return [];
  const relations = await em.find(PersonRelationSchema, {
    $or: [
      { personId: { $in: [...personIds] }, relativeId: { $in: [...candidateIds] } },
      { relativeId: { $in: [...personIds] }, personId: { $in: [...candidateIds] } },
    ],
  });
  const out: Recusal[] = [];
  for (const id of new Set(personIds)) {
    for (const r of relations) {
      const candidateId = relativeIn(r, id);
      if (candidateId && candidateIds.includes(candidateId)) out.push({ memberId: id, candidateId, relation: r.relation });
    }
  }
  return out.sort((a, b) => a.memberId.localeCompare(b.memberId) || a.candidateId.localeCompare(b.candidateId));
}


export function createSelectionActivities(deps: ActivityDeps) {
  const em = () => deps.orm.em.fork();
  const calendar = calendarOf(deps);

  return {
    /** The content hash a frozen version of the principles carries (the workflow records it in the audit chain). */
    async freezePrinciples(input: { principles: Principles }): Promise<{ hash: string }> {
      return { hash: createHash('sha256').update(canonicalJson(input.principles)).digest('hex') };
    },

    /** Checks people against the frozen principles, from their records in master data. */
    async checkCandidates(input: { personIds: string[]; principles: Principles; principlesVersion: number; asOf: string }): Promise<QualificationCheck[]> {
      const people = await em().find(PersonSchema, { id: { $in: input.personIds } });
      const byId = new Map(people.map((p) => [p.id, p]));
      // 影响期: every dated record on the candidates; the predicate decides which is in force on the cut-off.
      const bars = await em().find(PersonBarRecordSchema, { personId: { $in: input.personIds } }, { orderBy: { date: 'asc' } });
      // 任职回避: the candidates' relatives, and which of them hold a leading grade in the post's unit.
      const relations = await em().find(PersonRelationSchema, { $or: [{ personId: { $in: input.personIds } }, { relativeId: { $in: input.personIds } }] });
      const relativeIds = [...new Set(relations.flatMap((r) => [r.personId, r.relativeId]))];
      const leadersIn = async (unitIds: readonly string[]) =>
        unitIds.length === 0
          ? new Map<string, never>()
          : new Map(
              (await em().find(PersonSchema, { id: { $in: relativeIds }, unitId: { $in: [...unitIds] } }))
                .filter((p) => isGrade(p.currentGrade) && GRADE_INFO[p.currentGrade].position !== null)
                .map((p) => [p.id, p]),
            );
      const leaders = await leadersIn([input.principles.post.unitId]);
      // 任职回避, direct superior and subordinate: in the unit tree a unit's parent leads it, so the post's unit is led by
      // its parent and leads its children (domain/qualifications.ts leadsPost, ledByPost).
      const parentUnitId = (await em().findOne(UnitSchema, { id: input.principles.post.unitId }, { fields: ['parentId'] }))?.parentId ?? null;
      const parentLeaders = parentUnitId === null ? new Map<string, never>() : await leadersIn([parentUnitId]);
      const childUnitIds = (await em().find(UnitSchema, { parentId: input.principles.post.unitId }, { fields: ['id'], orderBy: { id: 'asc' } })).map((u) => u.id);
      const childLeaders = await leadersIn(childUnitIds);
      const relativesAmongLeaders = (personId: string, among: ReadonlyMap<string, { id: string; currentGrade: string; unitId: string | null }>) =>
        relations.flatMap((r) => {
          const other = relativeIn(r, personId);
          const leader = other ? among.get(other) : undefined;
          // A leader was found by their unit, so unitId is set.
          return leader ? [{ personId: leader.id, relation: r.relation, grade: leader.currentGrade, unitId: leader.unitId as string }] : [];
        });
      return input.personIds.map((personId) => {
        const p = byId.get(personId);
        if (!p) {
          return {
            personId,
            principlesVersion: input.principlesVersion,
            asOf: input.asOf,
            eligible: false,
            results: [{ predicate: 'personRecord', label: '干部档案 (personnel record)', passed: false, applicable: true, required: 'a record in master data', actual: 'none', fact: `person=${personId}` }],
          };
        }
        const post = input.principles.post;
        const barRecords = bars
          .filter((b) => b.personId === personId)
          .map((b) => ({ kind: b.kind, category: b.category, date: String(b.date), endsOn: b.endsOn ? String(b.endsOn) : null, ref: b.ref }));
        const relativesInUnit = relativesAmongLeaders(personId, leaders);
        const relativesInParentUnit = relativesAmongLeaders(personId, parentLeaders);
        const relativesInChildUnits = relativesAmongLeaders(personId, childLeaders);
        const evaluation = evaluateQualifications(
          { ...p, barRecords, relativesInUnit, relativesInParentUnit, relativesInChildUnits },
          {
            title: post.title,
            targetGrade: post.targetGrade as typeof p.currentGrade,
            isPartyPost: post.isPartyPost,
            ...(post.minPartyYears !== undefined ? { minPartyYears: post.minPartyYears } : {}),
            ...(post.maxAge !== undefined ? { maxAge: post.maxAge } : {}),
            ...(post.outOfTurn ? { outOfTurn: post.outOfTurn } : {}),
            ...(parentUnitId !== null ? { parentUnitId } : {}),
            ...(childUnitIds.length > 0 ? { childUnitIds } : {}),
            ...(input.principles.qualificationOverrides ? { overrides: input.principles.qualificationOverrides } : {}),
          },
          input.asOf,
        );
        const promotion = isGrade(p.currentGrade) && isGrade(post.targetGrade) ? gradeSteps(p.currentGrade, post.targetGrade) > 0 : true;
        return { personId, principlesVersion: input.principlesVersion, asOf: input.asOf, promotion, eligible: evaluation.eligible, results: evaluation.results };
      });
    },

    /**
     * 任前公示: at least `workingDays` working days. Day 1 is the next working day after the
     * decision (the default setting of DOMAIN.md); the notice ends when its last day ends.
     */
    async computeNoticePeriod(input: { fromDate: string; workingDays: number }): Promise<NoticePeriod> {
      const y = yearOf(input.fromDate);
      const overrides = await calendar([y, y + 1]);
      try {
        const startDate = addWorkingDays(input.fromDate, 1, overrides);
        const endDate = addWorkingDays(startDate, input.workingDays - 1, overrides);
        return { startDate, endDate, endsAt: startOfChinaDay(addDays(endDate, 1)), workingDays: input.workingDays };
      } catch (err) {
        throw calendarFailure(err);
      }
    },

    /**
     * 回避: which committee members (user ids) are related to which candidates, from master data: the member's
     * person (person.user_id) and person_relation, read both ways.
     */
    async recusals(input: { memberIds: string[]; candidateIds: string[] }): Promise<Recusal[]> {
      return recusalsOf(em(), input.memberIds, input.candidateIds);
    },

    /** The instant a postponement runs out: the start of its day (China time); the final decision is due then. */
    async computePostponementEnd(input: { until: string }): Promise<string> {
      return startOfChinaDay(input.until);
    },

    /** The end of the probation: calendar months, not working days. */
    async computeProbationEnd(input: { fromDate: string; months: number }): Promise<string> {
      return startOfChinaDay(addMonths(input.fromDate, input.months));
    },
  };
}

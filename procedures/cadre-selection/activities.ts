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
import { PersonBarRecordSchema, PersonRelationSchema, PersonSchema } from '../../platform/entities';
import type { NoticePeriod, Principles, QualificationCheck, Recusal } from './messages';


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
        const evaluation = evaluateQualifications(
          { ...p, barRecords },
          {
            title: post.title,
            targetGrade: post.targetGrade as typeof p.currentGrade,
            isPartyPost: post.isPartyPost,
            ...(post.minPartyYears !== undefined ? { minPartyYears: post.minPartyYears } : {}),
            ...(post.maxAge !== undefined ? { maxAge: post.maxAge } : {}),
            ...(post.outOfTurn ? { outOfTurn: post.outOfTurn } : {}),
            ...(input.principles.qualificationOverrides ? { overrides: input.principles.qualificationOverrides } : {}),
          },
          input.asOf,
        );
        return { personId, principlesVersion: input.principlesVersion, asOf: input.asOf, eligible: evaluation.eligible, results: evaluation.results };
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
      const members = await em().find(PersonSchema, { userId: { $in: input.memberIds } });
      if (members.length === 0 || input.candidateIds.length === 0) return [];
      const personIds = members.map((m) => m.id);
      const relations = await em().find(PersonRelationSchema, {
        $or: [
          { personId: { $in: personIds }, relativeId: { $in: input.candidateIds } },
          { relativeId: { $in: personIds }, personId: { $in: input.candidateIds } },
        ],
      });
      const out: Recusal[] = [];
      for (const m of members) {
        for (const r of relations) {
          const candidateId = r.personId === m.id ? r.relativeId : r.relativeId === m.id ? r.personId : null;
          if (candidateId && input.candidateIds.includes(candidateId)) out.push({ memberId: m.userId as string, candidateId, relation: r.relation });
        }
      }
      return out.sort((a, b) => a.memberId.localeCompare(b.memberId) || a.candidateId.localeCompare(b.candidateId));
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

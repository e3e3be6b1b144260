/**
 * The personnel data a cadre selection's state holds (procedures/descriptor.ts personnelData): each
 * candidate's qualification check, whose results carry the record's facts (birth date, work start, grade
 * and its date, Party membership, bars in force). A reader who may not read a candidate's record (an
 * approver of the principles, another unit's staff) sees which predicates passed, not the facts behind them.
 *
 * The committee decides on the candidates (讨论决定, 条例 art. 28-30), on the material the organization
 * department puts before it, eligibility included: its members see the checks whole once their meeting is
 * opened (MeetingRecord.shouldAttend, 应到, recused members included, as they sit in the meeting too), and each
 * read is logged in person_read.
 */
import type { PersonnelData } from '../descriptor';
import type { SelectionState } from './messages';

export const selectionPersonnel: PersonnelData = {
  people: (state) => ((state as Partial<SelectionState> | null)?.candidates ?? []).filter((c) => c.check).map((c) => c.personId),
  deciders: (state) => [...new Set(((state as Partial<SelectionState> | null)?.meetings ?? []).flatMap((m) => m.shouldAttend))],
  redact: (state, shown) => {
    const s = state as SelectionState | null;
    if (!s?.candidates) return state;
    return {
      ...s,
      // The console reads `actual` and `fact` as text (web/src/predicates.ts): they are emptied, not removed.
      candidates: s.candidates.map((c) =>
        !c.check || shown.has(c.personId) ? c : { ...c, check: { ...c.check, results: c.check.results.map((r) => ({ ...r, actual: '', fact: '' })), redacted: true } },
      ),
    };
  },
};

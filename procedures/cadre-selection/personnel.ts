/**
 * The personnel data a cadre selection's state holds (procedures/descriptor.ts personnelData): each
 * candidate's qualification check, whose results carry the record's facts (birth date, work start, grade
 * and its date, Party membership, bars in force). A reader who may not read a candidate's record (a
 * committee member, another unit's staff) sees which predicates passed, not the facts behind them.
 */
import type { PersonnelData } from '../descriptor';
import type { SelectionState } from './messages';

export const selectionPersonnel: PersonnelData = {
  people: (state) => ((state as Partial<SelectionState> | null)?.candidates ?? []).filter((c) => c.check).map((c) => c.personId),
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

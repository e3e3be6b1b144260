/**
 * The personnel data a redeployment list's state holds (procedures/descriptor.ts personnelData): each
 * eligibility check's facts (birth date, grade, fields, the health record it read) and the health checks
 * recorded in the list. A reader who may not read a cadre's record sees that the check passed or failed,
 * predicate by predicate, which the list's approvers and its meeting act on, but not the facts behind it.
 */
import type { PersonnelData } from '../descriptor';
import type { EligibilityCheck, RedeploymentState } from './messages';

/** The actions whose recorded data holds the master-data facts their rule was applied to (actions.ts). */
const WITH_FACTS = new Set(['apply', 'nominate', 'recordCheck']);

/** A check's outcome, predicate by predicate, without the facts. The console reads `actual` and `fact` as text: emptied, not removed. */
const outcomeOnly = (c: EligibilityCheck): EligibilityCheck & { redacted: true } => ({ ...c, results: c.results.map((r) => ({ ...r, actual: '', fact: '' })), redacted: true });

export const redeploymentPersonnel: PersonnelData = {
  people: (state) => {
    const s = state as Partial<RedeploymentState> | null;
    return [...(s?.checks ?? []).map((c) => c.personId), ...Object.keys(s?.health ?? {})];
  },
  redact: (state, shown) => {
    const s = state as RedeploymentState | null;
    if (!s?.checks) return state;
    return {
      ...s,
      checks: s.checks.map((c) => (shown.has(c.personId) ? c : outcomeOnly(c))),
      health: Object.fromEntries(Object.entries(s.health ?? {}).filter(([personId]) => shown.has(personId))),
    };
  },
  actionPerson: (action, data) => {
    const personId = (data as { personId?: unknown } | null)?.personId;
    return WITH_FACTS.has(action) && typeof personId === 'string' ? personId : null;
  },
  // What is left says who applied or was checked for which tasks, as the list's state does.
  redactAction: (data) => {
    const { facts: _facts, health: _health, checks, ...rest } = data as { facts?: unknown; health?: unknown; checks?: EligibilityCheck[] };
    return { ...rest, ...(checks ? { checks: checks.map(outcomeOnly) } : {}), redacted: true };
  },
};

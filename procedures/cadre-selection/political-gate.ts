/**
 * The 任前政治体检 gate of a selection: before the decision, each candidate's political examination must be
 * recent enough and not 较差, when the frozen principles require it. Pure: imported by the workflow.
 */
import { politicalExamFresh } from '../political-examination/rules';
import { SelectionRefusal, type PoliticalExamFacts, type PoliticalExamRequirement, type PoliticalGateReading } from './messages';
import type { CommandProblem } from './rules';

/** The default age limit of the 任前政治体检 (DOMAIN.md: 12 months). */
export const DEFAULT_POLITICAL_EXAM_MONTHS = 12;

/**
 * Each candidate's standing at the 任前政治体检 gate on `today` (a China date), from the files the API read.
 * Freshness is the examination module's own rule (politicalExamFresh), not a second copy of it; a
 * candidate whose file the API did not send counts as having none.
 */
export function politicalGateReadings(personIds: readonly string[], facts: readonly PoliticalExamFacts[], requirement: PoliticalExamRequirement, today: string): PoliticalGateReading[] {
  return personIds.map((personId) => {
    const entries = facts.find((f) => f.personId === personId)?.entries ?? [];
    const fresh = politicalExamFresh(entries, requirement.months, today);
    const latest = fresh.latest ? (entries.find((e) => e === fresh.latest) ?? null) : null;
    const status = fresh.fresh ? 'fresh' : fresh.reason === 'failing' ? 'poor' : (fresh.reason ?? 'missing');
    return { personId, status, latest };
  });
}

/**
 * Why the 任前政治体检 blocks the decision stage, or null: a candidate without an examination, with only one
 * older than the requirement's months, or with a 较差 result. Requirement absent: no gate.
 */
export function politicalGateProblem(personIds: readonly string[], facts: readonly PoliticalExamFacts[], requirement: PoliticalExamRequirement | undefined, today: string): CommandProblem | null {
  if (!requirement) return null;
  const blocked = politicalGateReadings(personIds, facts, requirement, today).filter((r) => r.status !== 'fresh');
  if (blocked.length === 0) return null;
  return {
    code: SelectionRefusal.politicalExamRequired,
    message:
      `任前政治体检: the principles require each candidate's political examination to be at most ${requirement.months} months old and not 较差 ` +
      `before the decision; not met for ${blocked.map((b) => `${b.personId} (${b.status})`).join(', ')}`,
    details: { rule: 'principles.politicalExam', months: requirement.months, candidates: blocked.map((b) => ({ personId: b.personId, status: b.status, examinedOn: b.latest?.examinedOn ?? null })) },
  };
}

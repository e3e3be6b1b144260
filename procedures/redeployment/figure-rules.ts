/**
 * Rules of 揭榜出征's figures (`redeployment`, DOMAIN.md §3): the terms' outcomes folded as they end, the
 * list's snapshot at dispatch, and the figures the list closes with (by host unit and former unit). Pure;
 * bundled into the workflow.
 */
import {
  TERM_GRADES,
  type Application,
  type ChallengeTask,
  type Dispatch,
  type EligibilityCheck,
  type FigureCounts,
  type ListFigures,
  type ListSnapshot,
  type Proposal,
  type TermOutcome,
  type TermTally,
} from './messages';

// --- figures ---------------------------------------------------------------------------------------

export function emptyCounts(): FigureCounts {
  return { dispatched: 0, ended: 0, failed: 0, endedEarly: 0, onTimeWithReports: 0, grades: Object.fromEntries(TERM_GRADES.map((g) => [g, 0])), recognised: 0 };
}

export function emptyTermTally(): TermTally {
  return { all: emptyCounts(), byHostUnit: {}, byFormerUnit: {} };
}

function addOutcome(c: FigureCounts, o: TermOutcome | null): void {
  if (!o) {
    c.failed += 1;
    return;
  }
  c.ended += 1;
  if (o.endedEarly) c.endedEarly += 1;
  if (o.reportsDue > 0 && o.reportsOnTime >= o.reportsDue) c.onTimeWithReports += 1;
  if (o.grade) c.grades[o.grade] = (c.grades[o.grade] ?? 0) + 1;
  if (o.recognised) c.recognised += 1;
}

/** Folds one term's end into the tally (null: the term failed). */
export function foldTerm(t: TermTally, d: Dispatch, o: TermOutcome | null): TermTally {
  addOutcome(t.all, o);
  addOutcome((t.byHostUnit[d.hostUnitId] ??= emptyCounts()), o);
  addOutcome((t.byFormerUnit[d.formerUnitId ?? '-'] ??= emptyCounts()), o);
  return t;
}

/** What the terms stage carries: the dispatches and the counts before the terms. */
export function snapshotOf(s: { tasks: readonly ChallengeTask[]; applications: readonly Application[]; checks: readonly EligibilityCheck[]; proposal: Proposal | null }, dispatches: Dispatch[]): ListSnapshot {
  const host: Record<string, [number, number]> = {};
  const former: Record<string, [number, number]> = {};
  const hostOf = new Map(s.tasks.map((t) => [t.taskId, t.hostUnitId] as const));
  const formerOf = new Map(s.applications.map((a) => [a.personId, a.formerUnitId ?? '-'] as const));
  for (const a of s.applications) {
    for (const t of a.taskIds) (host[hostOf.get(t) ?? '-'] ??= [0, 0])[0] += 1;
    (former[a.formerUnitId ?? '-'] ??= [0, 0])[0] += a.taskIds.length;
  }
  for (const p of s.proposal?.pairs ?? []) {
    (host[hostOf.get(p.taskId) ?? '-'] ??= [0, 0])[1] += 1;
    (former[formerOf.get(p.personId) ?? '-'] ??= [0, 0])[1] += 1;
  }
  return {
    dispatches,
    counts: {
      applications: s.applications.filter((a) => a.source === 'application').reduce((n, a) => n + a.taskIds.length, 0),
      nominations: s.applications.filter((a) => a.source === 'nomination').length,
      applicants: new Set(s.applications.map((a) => a.personId)).size,
      eligible: new Set(s.checks.filter((k) => k.eligible).map((k) => k.personId)).size,
      matched: s.proposal?.pairs.length ?? 0,
    },
    perUnit: { host, former },
    term: Object.fromEntries(s.tasks.map((t) => [t.taskId, t.term])),
    titles: Object.fromEntries(s.tasks.map((t) => [t.taskId, t.title])),
  };
}

/** The list's figures: applications, matched, dispatched, and the terms' outcomes, in total and per unit. */
export function figuresOf(listId: string, snap: ListSnapshot, tally: TermTally, closedAt: string | null): ListFigures {
  const per = (counts: Record<string, [number, number]>, terms: Record<string, FigureCounts>) =>
    [...new Set([...Object.keys(counts), ...Object.keys(terms)])].sort().map((unitId) => ({ unitId, applications: counts[unitId]?.[0] ?? 0, matched: counts[unitId]?.[1] ?? 0, ...(terms[unitId] ?? emptyCounts()) }));
  const dispatchedBy = (key: (d: Dispatch) => string): Record<string, FigureCounts> => {
    const out: Record<string, FigureCounts> = {};
    for (const [k, v] of Object.entries(key === hostKey ? tally.byHostUnit : tally.byFormerUnit)) out[k] = { ...v, grades: { ...v.grades } };
    for (const d of snap.dispatches) (out[key(d)] ??= emptyCounts()).dispatched += 1;
    return out;
  };
  return {
    listId,
    ...snap.counts,
    dispatched: snap.dispatches.length,
    terms: { ...tally.all, grades: { ...tally.all.grades }, dispatched: snap.dispatches.length },
    byHostUnit: per(snap.perUnit.host, dispatchedBy(hostKey)),
    byFormerUnit: per(snap.perUnit.former, dispatchedBy(formerKey)),
    closedAt,
  };
}
const hostKey = (d: Dispatch): string => d.hostUnitId;
const formerKey = (d: Dispatch): string => d.formerUnitId ?? '-';

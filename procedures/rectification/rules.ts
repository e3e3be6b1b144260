/**
 * Rules of the rectification procedure (巡视整改, DOMAIN.md §4), kept as data with defaults so a
 * local practice can change them in one place. Pure: imported by the workflow and the API.
 */
import { addMonths } from '../../domain/dates';
import type { EscalationRungRule } from '../kernel/deadline';
import type { Difficulty, ItemResult, RectificationSummary, UnitSummary } from './messages';

export interface RectificationRules {
  /** Default time limit per difficulty grade, in months after the feedback date. */
  dueMonthsByDifficulty: Record<Difficulty, number>;
  /** Items are done within a year at most. */
  maxDueMonths: number;
  /** The reminder goes out this many working days before the due date. */
  reminderWorkingDays: number;
}

export const defaultRectificationRules: RectificationRules = {
  // 立行立改 within a month; ordinary items within 6 months; hard, long-term items within a year.
  dueMonthsByDifficulty: { immediate: 1, normal: 6, hard: 12 },
  maxDueMonths: 12,
  reminderWorkingDays: 3,
};

export function defaultDueDate(
  feedbackDate: string,
  difficulty: Difficulty,
  rules: RectificationRules = defaultRectificationRules,
): string {
  return addMonths(feedbackDate, rules.dueMonthsByDifficulty[difficulty]);
}

/** Why a due date is unacceptable, or null when it is fine. */
export function dueDateProblem(
  feedbackDate: string,
  dueDate: string,
  rules: RectificationRules = defaultRectificationRules,
): string | null {
  if (dueDate <= feedbackDate) return `must be after the feedback date ${feedbackDate}`;
  const latest = addMonths(feedbackDate, rules.maxDueMonths);
  if (dueDate > latest) return `must be within ${rules.maxDueMonths} months of the feedback, by ${latest}`;
  return null;
}

/**
 * The overdue ladder (挂账督办) of an item: 督办通知 at once, 预警 a week later with a new final date,
 * 问责 once that date has passed too.
 */
export const ITEM_ESCALATION_LADDER: readonly EscalationRungRule[] = [
  { rung: 'supervisionNotice', workingDaysAfterDue: 0 },
  { rung: 'warning', workingDaysAfterDue: 5, finalDateWorkingDaysAfterDue: 15 },
  { rung: 'accountability', workingDaysAfterDue: 0, atFinalDate: true },
];

/**
 * The running counts of a feedback's ended items. A full-coverage feedback folds each item's result in
 * as it reports and keeps only these counts, bounded by its units, across continue-as-new.
 */
export interface RectificationTally {
  signedOff: number;
  withdrawn: number;
  /** Absent in a tally carried by a run before it existed: read as 0. */
  withdrawnLate?: number;
  onTime: number;
  /** The unit's part (ItemResult.submittedOnTime). Absent in a tally carried from before it existed: read as 0. */
  submittedOnTime?: number;
  /** Per unit: [items, signedOff, onTime, submittedOnTime]; the fourth is absent in tallies from before it. */
  perUnit: Record<string, [number, number, number] | [number, number, number, number]>;
}

export const emptyTally = (): RectificationTally => ({ signedOff: 0, withdrawn: 0, withdrawnLate: 0, onTime: 0, submittedOnTime: 0, perUnit: {} });

/**
 * Adds one ended item. An item withdrawn before its deadline was never due, so it counts towards neither on
 * time nor late; one withdrawn after it (a supervisor's decision) was due and is not on time.
 */
export function tallyItem(t: RectificationTally, r: ItemResult): RectificationTally {
  const signed = r.status === 'signedOff';
  const onTime = signed && r.onTime;
  // A result from before submittedOnTime: signed off on time means submitted on time too.
  const submitted = signed && (r.submittedOnTime ?? r.onTime);
  const [items, unitSigned, unitOnTime, unitSubmitted = 0] = t.perUnit[r.unitId] ?? [0, 0, 0, 0];
  t.perUnit[r.unitId] = [items + 1, unitSigned + (signed ? 1 : 0), unitOnTime + (onTime ? 1 : 0), unitSubmitted + (submitted ? 1 : 0)];
  if (submitted) t.submittedOnTime = (t.submittedOnTime ?? 0) + 1;
  if (signed) t.signedOff += 1;
  else {
    t.withdrawn += 1;
    if (r.withdrawnLate) t.withdrawnLate = (t.withdrawnLate ?? 0) + 1;
  }
  if (onTime) t.onTime += 1;
  return t;
}

/** on time / due, rounded to 4 decimals; 1 when nothing was due. */
const onTimeRate = (onTime: number, due: number): number => (due === 0 ? 1 : Math.round((onTime / due) * 10_000) / 10_000);

/** The whole feedback's result once every item has ended: counts, on-time rate, per unit. */
export function summaryOf(feedbackId: string, t: RectificationTally, closedAt: string, failed = 0): RectificationSummary {
  return {
    feedbackId,
    items: t.signedOff + t.withdrawn + failed,
    signedOff: t.signedOff,
    withdrawn: t.withdrawn,
    withdrawnLate: t.withdrawnLate ?? 0,
    failed,
    onTime: t.onTime,
    submittedOnTime: t.submittedOnTime ?? 0,
    late: t.signedOff - t.onTime,
    // Over every item that was due: signed off, or withdrawn after its deadline.
    onTimeRate: onTimeRate(t.onTime, t.signedOff + (t.withdrawnLate ?? 0)),
    perUnit: Object.entries(t.perUnit)
      .map(([unitId, [items, signedOff, onTime, submittedOnTime = 0]]): UnitSummary => ({ unitId, items, signedOff, onTime, submittedOnTime }))
      .sort((a, b) => a.unitId.localeCompare(b.unitId)),
    closedAt,
  };
}

/** The summary of a list of ended items. */
export function summarize(feedbackId: string, results: ItemResult[], closedAt: string, failed = 0): RectificationSummary {
  return summaryOf(feedbackId, results.reduce(tallyItem, emptyTally()), closedAt, failed);
}

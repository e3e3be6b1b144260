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

/** The whole feedback's result once every item has ended: counts, on-time rate, per unit. */
export function summarize(feedbackId: string, results: ItemResult[], closedAt: string, failed = 0): RectificationSummary {
  const perUnit = new Map<string, UnitSummary>();
  for (const r of results) {
    const u = perUnit.get(r.unitId) ?? { unitId: r.unitId, items: 0, signedOff: 0, onTime: 0 };
    u.items += 1;
    if (r.status === 'signedOff') u.signedOff += 1;
    if (r.status === 'signedOff' && r.onTime) u.onTime += 1;
    perUnit.set(r.unitId, u);
  }
  const signedOff = results.filter((r) => r.status === 'signedOff');
  const onTime = signedOff.filter((r) => r.onTime).length;
  return {
    feedbackId,
    items: results.length + failed,
    signedOff: signedOff.length,
    withdrawn: results.length - signedOff.length,
    failed,
    onTime,
    late: signedOff.length - onTime,
    // Withdrawn items were never due, so the rate is over the items signed off.
    onTimeRate: signedOff.length === 0 ? 1 : Math.round((onTime / signedOff.length) * 10_000) / 10_000,
    perUnit: [...perUnit.values()].sort((a, b) => a.unitId.localeCompare(b.unitId)),
    closedAt,
  };
}

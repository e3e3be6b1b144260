/**
 * Rules of cadre selection (干部选拔任用, DOMAIN.md §1) that are numbers, kept as data with the
 * regulation's defaults. Pure: imported by the workflow.
 */
import type { Ratio } from '../workflows/lib/vote';

export interface SelectionRules {
  /** A meeting recommendation needs this share of the determined participants present. */
  nominationQuorum: Ratio;
  /** A recommendation is valid this long, for its post only. */
  recommendationValidMonths: number;
  minInspectionGroup: number;
  /** 任前公示 lasts at least this many working days. */
  noticeWorkingDays: number;
  /** A postponement after an objection that cannot be verified yet. */
  maxPostponeMonths: number;
  probationMonths: number;
}

export const DEFAULT_SELECTION_RULES: SelectionRules = {
  nominationQuorum: { num: 2, den: 3 },
  recommendationValidMonths: 12,
  minInspectionGroup: 2,
  noticeWorkingDays: 5,
  maxPostponeMonths: 3,
  probationMonths: 12,
};

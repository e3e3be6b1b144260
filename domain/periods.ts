/**
 * Periods of service counted on calendar dates, never in floating-point years (the qualification
 * predicates, domain/qualifications.ts, count work, tenure and Party standing with them). "N years since
 * D" is reached on the anniversary: D + 12·N months by `addMonths`, which clamps to the end of a shorter
 * month. So a period that starts on 2020-02-29 completes its first year on 2021-02-28 (the month-end rule
 * of 民法典 art. 202: with no corresponding day, the last day of the month counts), and its fourth on
 * 2024-02-29. Requirements in years are turned into whole months.
 *
 * Pure and deterministic: the workflow imports it.
 */
import { addMonths } from './dates';

/** Whole months from `from` to `to`: the largest m with addMonths(from, m) ≤ to (negative if to < from). */
export function fullMonthsBetween(from: string, to: string): number {
  const [fy, fm] = [Number(from.slice(0, 4)), Number(from.slice(5, 7))];
  const [ty, tm] = [Number(to.slice(0, 4)), Number(to.slice(5, 7))];
  let months = (ty - fy) * 12 + (tm - fm);
  while (addMonths(from, months) > to) months -= 1;
  return months;
}

/** Whether at least `years` (to the month) have passed from `from` to `asOf`: the anniversary counts. */
export function hasServedYears(from: string, asOf: string, years: number): boolean {
  return addMonths(from, yearsToMonths(years)) <= asOf;
}

/** A requirement in years as whole months (fractions count to the month: 1.5 years = 18 months). */
export function yearsToMonths(years: number): number {
  return Math.round(years * 12);
}

/**
 * The working-day calendar (工作日), from `chinese-days` (State Council notices). Not imported by
 * workflows: deadlines are computed in an activity and recorded in history, so a calendar update
 * never changes how a running procedure replays.
 */
import { findWorkday, isWorkday } from 'chinese-days';
import calendarData from 'chinese-days/dist/chinese-days.json';
import { yearOf } from './dates';

/** Years with official data. For any other year chinese-days silently assumes Monday–Friday. */
export const COVERED_YEARS: ReadonlySet<number> = new Set(
  Object.keys((calendarData as { holidays: Record<string, string> }).holidays).map((d) => Number(d.slice(0, 4))),
);

export class CalendarNotCoveredError extends Error {
  constructor(readonly year: number) {
    super(
      `the working-day calendar has no official data for ${year}; a deadline in ${year} cannot be computed ` +
        `until the State Council's holiday schedule for ${year} is loaded`,
    );
    this.name = 'CalendarNotCoveredError';
  }
}

export function assertCovered(date: string): void {
  const y = yearOf(date);
  if (!COVERED_YEARS.has(y)) throw new CalendarNotCoveredError(y);
}

export function isWorkingDay(date: string): boolean {
  assertCovered(date);
  return isWorkday(date);
}

/** The date itself when it is a working day, otherwise the next working day. */
export function onOrAfterWorkingDay(date: string): string {
  assertCovered(date);
  const d = findWorkday(0, date);
  assertCovered(d);
  return d;
}

/** Moves `n` working days from `date` (negative: backwards), skipping holidays, counting 调休 days. */
export function addWorkingDays(date: string, n: number): string {
  assertCovered(date);
  const d = findWorkday(n, date);
  assertCovered(d);
  return d;
}

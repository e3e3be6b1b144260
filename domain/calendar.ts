/**
 * The working-day calendar (工作日), from `chinese-days` (State Council notices), plus overrides loaded
 * into PostgreSQL for the years chinese-days does not cover yet (or to correct one it does). Not
 * imported by workflows: deadlines are computed in an activity and recorded in history, so a calendar
 * update never changes how a running procedure replays.
 */
import { isWorkday } from 'chinese-days';
import calendarData from 'chinese-days/dist/chinese-days.json';
import { addDays, yearOf } from './dates';

const official = calendarData as { holidays: Record<string, string>; workdays: Record<string, string> };

/** Years with official data. For any other year chinese-days silently assumes Monday–Friday. */
export const COVERED_YEARS: ReadonlySet<number> = new Set(Object.keys(official.holidays).map((d) => Number(d.slice(0, 4))));

/** The holidays and make-up workdays chinese-days lists for a year, in date order (the same shape as a loaded year). */
export function officialDays(year: number): { date: string; workday: boolean; name: string | null }[] {
  const prefix = `${year}-`;
  // Names look like "National Day,国庆节,3": English, Chinese, length of the holiday.
  const name = (raw: string) => raw.split(',')[1] ?? raw;
  return [
    ...Object.entries(official.holidays).filter(([d]) => d.startsWith(prefix)).map(([date, n]) => ({ date, workday: false, name: name(n) })),
    ...Object.entries(official.workdays).filter(([d]) => d.startsWith(prefix)).map(([date, n]) => ({ date, workday: true, name: name(n) })),
  ].sort((a, b) => a.date.localeCompare(b.date));
}

/**
 * A loaded calendar for whole years (platform/calendar-store.ts reads it from the database). Each year
 * in `years` is covered, and replaces chinese-days for that year when both have it: a loaded year is
 * a deliberate correction. Within such a year, `days` gives the flag of every listed date (the
 * holidays and the make-up workdays, 调休) and every other date is a working day exactly when it is
 * Monday to Friday, because that is how the State Council's notices are written.
 */
export interface OverrideCalendar {
  years: ReadonlySet<number>;
  /** 'YYYY-MM-DD' → is it a working day. */
  days: ReadonlyMap<string, boolean>;
}

export const NO_OVERRIDES: OverrideCalendar = { years: new Set(), days: new Map() };

export class CalendarNotCoveredError extends Error {
  constructor(readonly year: number) {
    super(
      `the working-day calendar has no official data for ${year}; a deadline in ${year} cannot be computed ` +
        `until the State Council's holiday schedule for ${year} is loaded`,
    );
    this.name = 'CalendarNotCoveredError';
  }
}

/** Whether working days in `year` are known: from a loaded override or from chinese-days. */
export function isYearCovered(year: number, overrides: OverrideCalendar = NO_OVERRIDES): boolean {
  return overrides.years.has(year) || COVERED_YEARS.has(year);
}

export function assertCovered(date: string, overrides: OverrideCalendar = NO_OVERRIDES): void {
  const y = yearOf(date);
  if (!isYearCovered(y, overrides)) throw new CalendarNotCoveredError(y);
}

/** Monday to Friday, from the date alone (UTC, so the host's time zone cannot shift the day). */
function isMondayToFriday(date: string): boolean {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return dow >= 1 && dow <= 5;
}

export function isWorkingDay(date: string, overrides: OverrideCalendar = NO_OVERRIDES): boolean {
  assertCovered(date, overrides);
  if (overrides.years.has(yearOf(date))) return overrides.days.get(date) ?? isMondayToFriday(date);
  return isWorkday(date);
}

/**
 * Upper bound on the calendar days one step may walk. The longest run of non-working days in any
 * real calendar is about 10 (Spring Festival plus a weekend); a loaded year that marks months as
 * holidays is a data error, and it should fail loudly rather than loop.
 */
const MAX_GAP_DAYS = 60;

/**
 * Walks one calendar day at a time to the next (`dir` 1) or previous (`dir` -1) working day. Every day
 * it looks at must be covered, so a walk that leaves the known years is refused, never guessed.
 */
function nextWorkingDay(date: string, dir: 1 | -1, overrides: OverrideCalendar): string {
  let d = date;
  for (let i = 0; i < MAX_GAP_DAYS; i++) {
    d = addDays(d, dir);
    if (isWorkingDay(d, overrides)) return d;
  }
  throw new RangeError(`no working day within ${MAX_GAP_DAYS} days ${dir > 0 ? 'after' : 'before'} ${date}; check the calendar of ${yearOf(d)}`);
}

/** The date itself when it is a working day, otherwise the next working day. */
export function onOrAfterWorkingDay(date: string, overrides: OverrideCalendar = NO_OVERRIDES): string {
  return isWorkingDay(date, overrides) ? date : nextWorkingDay(date, 1, overrides);
}

/**
 * Moves `n` working days from `date` (negative: backwards), skipping holidays, counting 调休 days.
 * The same stepping as chinese-days' `findWorkday`, done here so loaded years take part in it.
 */
export function addWorkingDays(date: string, n: number, overrides: OverrideCalendar = NO_OVERRIDES): string {
  if (!Number.isInteger(n)) throw new RangeError(`not a whole number of working days: ${n}`);
  if (n === 0) return onOrAfterWorkingDay(date, overrides);
  assertCovered(date, overrides);
  let d = date;
  for (let left = Math.abs(n); left > 0; left--) d = nextWorkingDay(d, n > 0 ? 1 : -1, overrides);
  return d;
}

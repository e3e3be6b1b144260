/**
 * Pure rules behind the supervision board and reports (issue 13): working days between two dates, the
 * working-day index PostgreSQL joins on to measure stages, and the periods reports cover. The calendar
 * itself is domain/calendar.ts; nothing here decides whether a day is a working day.
 */
import { isWorkingDay, type OverrideCalendar, NO_OVERRIDES, addWorkingDays } from './calendar';
import { addDays, addMonths, chinaDateOf, isValidDate, startOfChinaDay } from './dates';

/**
 * Working days after `from` up to and including `to` (0 when `to` is not after `from`). Days overdue
 * of work due on `from`, seen on `to`: the due day itself is the last day in time, so it does not count.
 */
export function workingDaysAfter(from: string, to: string, overrides: OverrideCalendar = NO_OVERRIDES): number {
  let n = 0;
  for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (isWorkingDay(d, overrides)) n++;
  return n;
}

/** The China date an instant-deadline belongs to: a deadline at the end of a day (00:00 next day) is that day's. */
export function dueDateOf(dueAt: Date): string {
  return chinaDateOf(new Date(dueAt.getTime() - 1));
}

/** Working days a piece of work is overdue on `today` (a China date); 0 while it is not. */
export function workingDaysOverdue(dueAt: Date, now: Date, overrides: OverrideCalendar = NO_OVERRIDES): number {
  if (dueAt.getTime() > now.getTime()) return 0;
  return workingDaysAfter(dueDateOf(dueAt), chinaDateOf(now), overrides);
}

/**
 * "Due in the next N working days": the instant before which such work is due, the end of the N-th
 * working day after today (N = 0: the end of today, or of the next working day when today is not one).
 */
export function dueWindowEnd(now: Date, workingDays: number, overrides: OverrideCalendar = NO_OVERRIDES): Date {
  const last = addWorkingDays(chinaDateOf(now), workingDays, overrides);
  return new Date(startOfChinaDay(addDays(last, 1)));
}

/**
 * Each calendar day from `from` to `to` with the number of working days up to and including it. Two
 * instants are then `index(to) - index(from)` working days apart, a join PostgreSQL does per row instead
 * of walking the calendar per row.
 */
export function workingDayIndex(from: string, to: string, overrides: OverrideCalendar = NO_OVERRIDES): { dates: string[]; index: number[] } {
  const dates: string[] = [];
  const index: number[] = [];
  let n = 0;
  for (let d = from; d <= to; d = addDays(d, 1)) {
    if (isWorkingDay(d, overrides)) n++;
    dates.push(d);
    index.push(n);
  }
  return { dates, index };
}

export const PERIOD_KINDS = ['month', 'quarter', 'year'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** A report period: China dates, `to` exclusive, and the instants they start at. */
export interface Period {
  kind: PeriodKind;
  /** 2026-11, 2026-Q4 or 2026. */
  label: string;
  from: string;
  to: string;
  fromInstant: Date;
  toInstant: Date;
}

/**
 * The period `at` names, as `2026-11` (month), `2026-Q4` (quarter) or `2026` (year); null when `at` does
 * not name a period of that kind.
 */
export function periodOf(kind: PeriodKind, at: string): Period | null {
  let from: string;
  let months: number;
  if (kind === 'month') {
    const m = /^(\d{4})-(\d{2})$/.exec(at);
    if (!m) return null;
    from = `${m[1]}-${m[2]}-01`;
    months = 1;
  } else if (kind === 'quarter') {
    const m = /^(\d{4})-Q([1-4])$/.exec(at);
    if (!m) return null;
    from = `${m[1]}-${String((Number(m[2]) - 1) * 3 + 1).padStart(2, '0')}-01`;
    months = 3;
  } else {
    if (!/^\d{4}$/.test(at)) return null;
    from = `${at}-01-01`;
    months = 12;
  }
  if (!isValidDate(from)) return null;
  const to = addMonths(from, months);
  return { kind, label: at, from, to, fromInstant: new Date(startOfChinaDay(from)), toInstant: new Date(startOfChinaDay(to)) };
}

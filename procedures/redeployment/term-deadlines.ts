/**
 * The working-day deadline of a term's progress report, pure given the calendar: the due date is
 * `workingDays` working days after the period's last day (holidays skipped, 调休 days counted),
 * overdue once that day has ended in China time, reminded at 09:00 a few working days before. Not
 * imported by the workflow: the calendar changes over time, so the term's activity computes it and
 * its answer is recorded in history.
 */
import { addWorkingDays, type OverrideCalendar } from '../../domain/calendar';
import { addDays, startOfChinaDay } from '../../domain/dates';
import type { Deadlines } from '../kernel/deadline';
import { REPORT_REMINDER_WORKING_DAYS } from './term-rules';

const nineAm = (date: string): string => new Date(Date.parse(startOfChinaDay(date)) + 9 * 3600_000).toISOString();

/** Throws CalendarNotCoveredError when the walk leaves the calendar's known years. */
export function reportDeadlines(periodEnd: string, workingDays: number, overrides?: OverrideCalendar, reminderWorkingDays: number = REPORT_REMINDER_WORKING_DAYS): Deadlines {
  const effectiveDueDate = addWorkingDays(periodEnd, workingDays, overrides);
  // The reminder falls after the period's end: within the reporting window, never before it opens.
  const remindDate = addWorkingDays(effectiveDueDate, -Math.min(reminderWorkingDays, workingDays - 1), overrides);
  return { effectiveDueDate, dueAt: startOfChinaDay(addDays(effectiveDueDate, 1)), remindAt: nineAm(remindDate) };
}

/** The instant a China calendar date has ended. */
export const endOfChinaDay = (date: string): string => startOfChinaDay(addDays(date, 1));

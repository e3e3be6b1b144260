/**
 * An item's deadline instants from the working-day calendar, computed when the feedback starts (by the
 * API, which has just loaded the calendar) and carried in the input, so they are recorded in history
 * and a later calendar change never moves a running item.
 */
import { addWorkingDays, onOrAfterWorkingDay, type OverrideCalendar } from '../../domain/calendar';
import { addDays, startOfChinaDay } from '../../domain/dates';
import type { Deadlines } from '../kernel/deadline';
import { defaultRectificationRules, type RectificationRules } from './rules';

/** Throws CalendarNotCoveredError when a date falls in a year the calendar does not cover. */
export function itemDeadlines(dueDate: string, overrides: OverrideCalendar, rules: RectificationRules = defaultRectificationRules): Deadlines {
  const effectiveDueDate = onOrAfterWorkingDay(dueDate, overrides);
  const remindDate = addWorkingDays(effectiveDueDate, -rules.reminderWorkingDays, overrides);
  return {
    effectiveDueDate,
    // Overdue once the due day has ended in China time.
    dueAt: startOfChinaDay(addDays(effectiveDueDate, 1)),
    // Reminders go out at the start of the working day (09:00).
    remindAt: new Date(Date.parse(startOfChinaDay(remindDate)) + 9 * 3600_000).toISOString(),
  };
}

/**
 * Activities of the rectification: a 整改报告's deadline instants, from the working-day calendar as it stands.
 * The API computes them at the start when the calendar covers the due date; a report due in a year not loaded
 * yet starts without them, and its workflow asks here until the year is loaded (report.workflow.ts). The answer
 * is recorded in history, so a later change of the calendar never moves a running report.
 */
import { calendarFailure, calendarOf, type ActivityDeps } from '../../activities/kernel';
import { assertCovered } from '../../domain/calendar';
import { yearOf } from '../../domain/dates';
import type { Deadlines } from '../kernel/deadline';
import { itemDeadlines } from './deadlines';

export function createRectificationActivities(deps: ActivityDeps) {
  const calendar = calendarOf(deps);
  return {
    /** A report's deadlines (itemDeadlines); fails non-retryably with calendar_not_covered while its year is not loaded. */
    async rectificationReportDeadlines(input: { dueDate: string }): Promise<Deadlines> {
      const y = yearOf(input.dueDate);
      // The reminder may fall in the year before, the effective due date in the year after.
      const overrides = await calendar([y - 1, y, y + 1]);
      try {
        assertCovered(input.dueDate, overrides);
        return itemDeadlines(input.dueDate, overrides);
      } catch (err) {
        throw calendarFailure(err);
      }
    },
  };
}

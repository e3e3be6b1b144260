/**
 * The kernel's activities: the projection of transitions and the overdue ladder's instants, plus the
 * calendar helpers procedure modules use. Idempotent: writes are keyed by workflow id and seq.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/activity';
import { addDays, startOfChinaDay } from '../domain/dates';
import { addWorkingDays, CalendarNotCoveredError, type OverrideCalendar } from '../domain/calendar';
import { loadOverrides } from '../platform/calendar-store';
import type { EscalationRungRule, EscalationStep } from '../procedures/kernel/deadline';
import type { Transition } from '../procedures/kernel/messages';
import { applyTransitions, type Applied, type ChainHead } from './projection';

export interface ActivityDeps {
  orm: MikroORM;
  /** The loaded working-day calendars for these years; defaults to reading them from the database. */
  loadCalendar?: (years: number[]) => Promise<OverrideCalendar>;
  /**
   * Test only (the crash test): called after a projection is written and before the activity
   * completes, so a worker can be killed with the write done and the activity unfinished.
   */
  afterProjection?: (transitions: Transition[]) => Promise<void>;
}

/** Reads the calendar overrides for the years a computation may touch. */
export function calendarOf(deps: ActivityDeps): (years: number[]) => Promise<OverrideCalendar> {
  return deps.loadCalendar ?? ((years) => loadOverrides(deps.orm.em.fork(), years));
}

/** A calendar gap is bad data for this computation, not an outage: the caller decides to wait. */
export function calendarFailure(err: unknown): unknown {
  return err instanceof CalendarNotCoveredError ? ApplicationFailure.nonRetryable(err.message, 'calendar_not_covered') : err;
}

const nineAm = (date: string): string => new Date(Date.parse(startOfChinaDay(date)) + 9 * 3600_000).toISOString();

export function createKernelActivities(deps: ActivityDeps) {
  const calendar = calendarOf(deps);
  return {
    /**
     * Projects transitions the API has not written yet (or writes nothing). Given the chain's head its
     * previous write returned, it answers with the new one (see applyTransitions), and the projector passes
     * it on, so an action's write needs no read; without one (histories from before), the count written.
     */
    async project(transitions: Transition[], head?: ChainHead | null): Promise<number | Applied> {
      const applied = await applyTransitions(deps.orm.em.fork(), transitions, head);
      await deps.afterProjection?.(transitions);
      return head === undefined ? applied.written : applied;
    },

    /** One rung of the overdue ladder as an instant, from the calendar as it stands. */
    async computeRung(input: { rule: EscalationRungRule; effectiveDueDate: string; finalDate?: string }): Promise<EscalationStep> {
      const { rule, effectiveDueDate } = input;
      if (rule.atFinalDate) {
        if (!input.finalDate) throw ApplicationFailure.nonRetryable(`rung ${rule.rung} needs a warning with a final date before it`, 'bad_ladder');
        return { rung: rule.rung, at: startOfChinaDay(addDays(input.finalDate, 1)) };
      }
      const y = Number(effectiveDueDate.slice(0, 4));
      const overrides = await calendar([y, y + 1]);
      try {
        const at = rule.workingDaysAfterDue === 0 ? startOfChinaDay(addDays(effectiveDueDate, 1)) : nineAm(addWorkingDays(effectiveDueDate, rule.workingDaysAfterDue, overrides));
        if (rule.finalDateWorkingDaysAfterDue !== undefined) {
          return { rung: rule.rung, at, finalDate: addWorkingDays(effectiveDueDate, rule.finalDateWorkingDaysAfterDue, overrides) };
        }
        return { rung: rule.rung, at };
      } catch (err) {
        throw calendarFailure(err);
      }
    },
  };
}

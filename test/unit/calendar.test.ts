import {
  addWorkingDays,
  assertCovered,
  CalendarNotCoveredError,
  isWorkingDay,
  NO_OVERRIDES,
  onOrAfterWorkingDay,
  type OverrideCalendar,
} from '../../domain/calendar';
import { createActivities, type ActivityDeps } from '../../activities';
import { calendarFailure } from '../../activities/kernel';
import type { EscalationStep } from '../../procedures/kernel/deadline';
import { itemDeadlines } from '../../procedures/rectification/deadlines';
import { ITEM_ESCALATION_LADDER } from '../../procedures/rectification/rules';
import type { MikroORM } from '@mikro-orm/postgresql';

describe('working-day calendar (chinese-days, official data)', () => {
  test('a 5-working-day period starting the day before National Day 2026 skips the holiday and counts the make-up Saturday', () => {
    // 10-01..10-07 are holidays; 10-08, 10-09, 10-10 (Saturday, 调休), 10-12, 10-13.
    expect(addWorkingDays('2026-09-30', 5)).toBe('2026-10-13');
    expect(isWorkingDay('2026-10-10')).toBe(true);
    expect(isWorkingDay('2026-10-05')).toBe(false);
  });

  test('the 2026 Spring Festival make-up Saturday is a working day', () => {
    expect(isWorkingDay('2026-02-14')).toBe(true);
    expect(addWorkingDays('2026-02-13', 1)).toBe('2026-02-14');
    expect(isWorkingDay('2026-02-23')).toBe(false);
    expect(onOrAfterWorkingDay('2026-02-16')).toBe('2026-02-24');
  });

  test('a plain weekend is not a working day and a due date on it moves to Monday', () => {
    expect(onOrAfterWorkingDay('2026-12-05')).toBe('2026-12-07');
    expect(onOrAfterWorkingDay('2026-12-07')).toBe('2026-12-07');
  });

  test('a deadline in a year the calendar does not cover is refused, not guessed', () => {
    expect(() => onOrAfterWorkingDay('2027-03-01')).toThrow(CalendarNotCoveredError);
    expect(() => onOrAfterWorkingDay('2027-03-01')).toThrow(/2027/);
    // Starting in a covered year but landing in 2027 is refused too.
    expect(() => addWorkingDays('2026-12-30', 5)).toThrow(CalendarNotCoveredError);
  });
});

/**
 * The calendar computations as the engine runs them: an item's deadlines (computed at the start from
 * the calendar as loaded) and the overdue ladder, one rung at a time through the computeRung activity.
 */
function testActivities(deps: ActivityDeps) {
  const acts = createActivities(deps);
  const load = deps.loadCalendar ?? (async () => NO_OVERRIDES);
  return {
    async computeItemDeadlines({ dueDate }: { dueDate: string }) {
      const y = Number(dueDate.slice(0, 4));
      const overrides = await load([y - 1, y, y + 1]);
      try {
        return itemDeadlines(dueDate, overrides);
      } catch (err) {
        throw calendarFailure(err);
      }
    },
    async computeEscalation({ effectiveDueDate }: { procedureType: string; effectiveDueDate: string }) {
      const out: EscalationStep[] = [];
      let finalDate: string | undefined;
      for (const rule of ITEM_ESCALATION_LADDER) {
        const rung = await acts.computeRung({ rule, effectiveDueDate, ...(finalDate ? { finalDate } : {}) });
        if (rung.finalDate) finalDate = rung.finalDate;
        out.push(rung);
      }
      return out;
    },
  };
}

describe('computeItemDeadlines activity', () => {
  // The deadline activity touches no database here: no calendar is loaded.
  const acts = testActivities({ orm: {} as MikroORM, loadCalendar: async () => NO_OVERRIDES });

  test('a due date on a holiday moves to the next working day; overdue once that day ends in China time', async () => {
    const d = await acts.computeItemDeadlines({ dueDate: '2026-10-01' });
    expect(d.effectiveDueDate).toBe('2026-10-08');
    expect(d.dueAt).toBe('2026-10-08T16:00:00.000Z');
    // Three working days before 10-08, at 09:00 China time: 09-30, 09-29, 09-28.
    expect(d.remindAt).toBe('2026-09-28T01:00:00.000Z');
  });

  test('an uncovered year fails without retries, with the reason', async () => {
    await expect(acts.computeItemDeadlines({ dueDate: '2027-01-15' })).rejects.toMatchObject({
      type: 'calendar_not_covered',
      nonRetryable: true,
    });
  });
});

describe('calendar overrides (a loaded year)', () => {
  // 2027 as a loaded notice might read: 2027-03-15 (Monday) a holiday, 2027-03-20 (Saturday) a make-up workday.
  const y2027: OverrideCalendar = {
    years: new Set([2027]),
    days: new Map([
      ['2027-03-15', false],
      ['2027-03-20', true],
    ]),
  };

  test('2027 is refused without an override and covered with one', () => {
    expect(() => assertCovered('2027-03-15')).toThrow(CalendarNotCoveredError);
    expect(() => assertCovered('2027-03-15', y2027)).not.toThrow();
    expect(() => assertCovered('2028-01-03', y2027)).toThrow(CalendarNotCoveredError);
  });

  test('a listed holiday on a weekday is skipped; unlisted days are Monday to Friday', () => {
    expect(isWorkingDay('2027-03-15', y2027)).toBe(false);
    expect(isWorkingDay('2027-03-16', y2027)).toBe(true);
    expect(isWorkingDay('2027-03-13', y2027)).toBe(false); // an unlisted Saturday
    expect(onOrAfterWorkingDay('2027-03-15', y2027)).toBe('2027-03-16');
    // Friday 03-12 → skip the weekend and the Monday holiday.
    expect(onOrAfterWorkingDay('2027-03-13', y2027)).toBe('2027-03-16');
    expect(addWorkingDays('2027-03-12', 1, y2027)).toBe('2027-03-16');
    expect(addWorkingDays('2027-03-16', -1, y2027)).toBe('2027-03-12');
  });

  test('a make-up Saturday (调休) counts as a working day', () => {
    expect(isWorkingDay('2027-03-20', y2027)).toBe(true);
    expect(onOrAfterWorkingDay('2027-03-20', y2027)).toBe('2027-03-20');
    // 03-19 (Friday) + 1 is the make-up Saturday; + 2 is Monday 03-22.
    expect(addWorkingDays('2027-03-19', 1, y2027)).toBe('2027-03-20');
    expect(addWorkingDays('2027-03-19', 2, y2027)).toBe('2027-03-22');
    expect(addWorkingDays('2027-03-22', -2, y2027)).toBe('2027-03-19');
  });

  test('stepping from a chinese-days year into a loaded year crosses the boundary', () => {
    // 2026-12-31 (Thursday) + 1 → Friday 2027-01-01 is a plain weekday in this override (nothing listed).
    expect(addWorkingDays('2026-12-31', 1, y2027)).toBe('2027-01-01');
    const newYear: OverrideCalendar = { years: new Set([2027]), days: new Map([['2027-01-01', false]]) };
    expect(addWorkingDays('2026-12-31', 1, newYear)).toBe('2027-01-04');
    expect(addWorkingDays('2027-01-04', -1, newYear)).toBe('2026-12-31');
  });

  test('an override for a covered year wins over chinese-days, so a correction can be loaded', () => {
    // chinese-days: 2026-10-01..07 holidays, 10-10 (Saturday) a make-up workday.
    expect(isWorkingDay('2026-10-05')).toBe(false);
    const corrected: OverrideCalendar = {
      years: new Set([2026]),
      days: new Map([
        ['2026-10-01', false],
        ['2026-10-02', false],
      ]),
    };
    // The loaded year replaces chinese-days for the whole of 2026: 10-05 (Monday) is now a plain weekday.
    expect(isWorkingDay('2026-10-05', corrected)).toBe(true);
    expect(isWorkingDay('2026-10-10', corrected)).toBe(false);
    expect(onOrAfterWorkingDay('2026-10-01', corrected)).toBe('2026-10-05');
    // Other years are untouched.
    expect(isWorkingDay('2025-10-06', corrected)).toBe(false);
  });

  test('a loaded year without a working day in reach fails loudly instead of looping', () => {
    const allHolidays: OverrideCalendar = {
      years: new Set([2027]),
      days: new Map(Array.from({ length: 120 }, (_, i) => [new Date(Date.UTC(2027, 0, 1 + i)).toISOString().slice(0, 10), false])),
    };
    expect(() => onOrAfterWorkingDay('2027-01-01', allHolidays)).toThrow(RangeError);
  });

  test('computeItemDeadlines uses the loaded year', async () => {
    const seen: number[][] = [];
    const acts = testActivities({
      orm: {} as MikroORM,
      loadCalendar: async (years) => {
        seen.push(years);
        return y2027;
      },
    });
    const d = await acts.computeItemDeadlines({ dueDate: '2027-03-15' });
    expect(seen).toEqual([[2026, 2027, 2028]]);
    expect(d.effectiveDueDate).toBe('2027-03-16');
    expect(d.dueAt).toBe('2027-03-16T16:00:00.000Z');
    // Three working days before 03-16, skipping the 03-15 holiday: 03-12, 03-11, 03-10.
    expect(d.remindAt).toBe('2027-03-10T01:00:00.000Z');
  });
});

describe('computeEscalation activity (the overdue ladder from the working-day calendar)', () => {
  const acts = testActivities({ orm: {} as MikroORM, loadCalendar: async () => NO_OVERRIDES });

  test('督办通知 when overdue, 预警 five working days later with a final date, 问责 once that date has passed', async () => {
    // Due 09-30; the National Day holiday (10-01..10-07) and the make-up Saturday 10-10 shape the ladder.
    const ladder = await acts.computeEscalation({ procedureType: 'rectificationItem', effectiveDueDate: '2026-09-30' });
    expect(ladder).toEqual([
      { rung: 'supervisionNotice', at: '2026-09-30T16:00:00.000Z' },
      // 10-08, 10-09, 10-10, 10-12, 10-13: the fifth working day, at 09:00 China time.
      { rung: 'warning', at: '2026-10-13T01:00:00.000Z', finalDate: '2026-10-27' },
      { rung: 'accountability', at: '2026-10-27T16:00:00.000Z' },
    ]);
  });

  test('a ladder that reaches an uncovered year is refused, not guessed', async () => {
    await expect(acts.computeEscalation({ procedureType: 'rectificationItem', effectiveDueDate: '2026-12-31' })).rejects.toMatchObject({
      type: 'calendar_not_covered',
    });
  });

});

import { addWorkingDays, CalendarNotCoveredError, isWorkingDay, onOrAfterWorkingDay } from '../../domain/calendar';
import { createActivities } from '../../activities';
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

describe('computeItemDeadlines activity', () => {
  // The deadline activity touches no database.
  const acts = createActivities({ orm: {} as MikroORM });

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

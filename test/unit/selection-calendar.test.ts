/**
 * The calendar activities of cadre selection (activities/selection.ts): the public notice (任前公示)
 * in working days, and the end of the one-year probation (试用期) in calendar months.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { createActivities } from '../../activities';
import { NO_OVERRIDES, type OverrideCalendar } from '../../domain/calendar';

describe('任前公示: computeNoticePeriod', () => {
  const acts = createActivities({ orm: {} as MikroORM, loadCalendar: async () => NO_OVERRIDES });

  test('starts on the next working day, skips National Day and counts the make-up Saturday; ends when the last day ends in China time', async () => {
    // Decided on Tuesday 09-29: day 1 is 09-30; 10-01..10-07 are holidays; then 10-08, 10-09, 10-10 (Saturday, 调休), 10-12.
    const notice = await acts.computeNoticePeriod({ fromDate: '2026-09-29', workingDays: 5 });
    expect(notice).toEqual({ startDate: '2026-09-30', endDate: '2026-10-12', endsAt: '2026-10-12T16:00:00.000Z', workingDays: 5 });
  });

  test('a decision on a Friday starts the notice on Monday', async () => {
    // Friday 2026-11-27: Monday 11-30 … Friday 12-04.
    const notice = await acts.computeNoticePeriod({ fromDate: '2026-11-27', workingDays: 5 });
    expect(notice).toEqual({ startDate: '2026-11-30', endDate: '2026-12-04', endsAt: '2026-12-04T16:00:00.000Z', workingDays: 5 });
  });

  test('a notice that reaches an uncovered year is refused without retries, not guessed', async () => {
    // From 12-28: 12-29, 12-30, 12-31, then two days in 2027, which has no official data.
    await expect(acts.computeNoticePeriod({ fromDate: '2026-12-28', workingDays: 5 })).rejects.toMatchObject({
      type: 'calendar_not_covered',
      nonRetryable: true,
      message: expect.stringMatching(/2027/),
    });
  });

  test('with 2027 loaded, the same notice crosses the new year and skips its holiday', async () => {
    const seen: number[][] = [];
    const y2027: OverrideCalendar = { years: new Set([2027]), days: new Map([['2027-01-01', false]]) };
    const loaded = createActivities({
      orm: {} as MikroORM,
      loadCalendar: async (years) => {
        seen.push(years);
        return y2027;
      },
    });
    // 12-29, 12-30, 12-31, (01-01 holiday, weekend) 01-04, 01-05.
    const notice = await loaded.computeNoticePeriod({ fromDate: '2026-12-28', workingDays: 5 });
    expect(seen).toEqual([[2026, 2027]]);
    expect(notice).toEqual({ startDate: '2026-12-29', endDate: '2027-01-05', endsAt: '2027-01-05T16:00:00.000Z', workingDays: 5 });
  });
});

describe('试用期: computeProbationEnd', () => {
  const acts = createActivities({ orm: {} as MikroORM, loadCalendar: async () => NO_OVERRIDES });

  test('one year in calendar months, ending at the start of the same date a year later, China time', async () => {
    expect(await acts.computeProbationEnd({ fromDate: '2026-11-30', months: 12 })).toBe('2027-11-29T16:00:00.000Z');
  });

  test('a start on 29 February ends on 28 February of the next year', async () => {
    expect(await acts.computeProbationEnd({ fromDate: '2028-02-29', months: 12 })).toBe('2029-02-27T16:00:00.000Z');
  });

  test('needs no calendar data, so an uncovered year is no obstacle', async () => {
    const acts2 = createActivities({
      orm: {} as MikroORM,
      loadCalendar: async () => {
        throw new Error('the probation must not read the working-day calendar');
      },
    });
    expect(await acts2.computeProbationEnd({ fromDate: '2027-06-15', months: 12 })).toBe('2028-06-14T16:00:00.000Z');
  });
});

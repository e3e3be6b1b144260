/**
 * The API tests' fixture dates (test/helpers/today.ts) keep their meaning on later days. The API tests run on the
 * real clock, so they cannot be run "in 2028"; their facts can: each is computed here as of later days and read by
 * the same rule functions the workflows use. The literal dates they replaced are shown to fail on some of them.
 */
import { addDays, addMonths, yearOf } from '../../domain/dates';
import { fullMonthsBetween, hasServedYears } from '../../domain/periods';
import { ageOn, latestHealth } from '../../procedures/redeployment/rules';
import { reportSchedule } from '../../procedures/redeployment/term-rules';
import { testYear } from '../helpers/rectification';
import { bornAged, calendarYearsAhead, daysAgo, monthsAgo, termAhead, todayOf } from '../helpers/today';

// Today, the days the replaced literals broke on (a 2-year and a 5-year anniversary, a health check's 12 months, an
// age limit reached, a term in the past), late December, a leap day and a few years on. Noon China time.
const DAYS = ['2026-11-30', '2026-12-28', '2027-05-02', '2027-09-02', '2027-10-09', '2027-12-31', '2028-02-29', '2029-05-02', '2031-12-24', '2036-06-15'];
const at = (day: string): Date => new Date(`${day}T04:00:00Z`);

describe.each(DAYS)('as of %s', (day) => {
  const now = at(day);
  const today = todayOf(now);

  test('selection: R001/T001 over 5 years as 副处, R002 from 2 to under 5, R003/T003 from 1 to under 2; R002 1 year 11 months at its cut-off', () => {
    expect(today).toBe(day);
    const r001 = monthsAgo(69, now);
    const r002 = monthsAgo(51, now);
    const r003 = monthsAgo(18, now);
    expect(hasServedYears(r001, today, 5)).toBe(true);
    expect([hasServedYears(r002, today, 2), hasServedYears(r002, today, 5)]).toEqual([true, false]);
    expect([hasServedYears(r003, today, 1), hasServedYears(r003, today, 2)]).toEqual([true, false]);
    const cutoff = addDays(addMonths(r002, 24), -1);
    expect(fullMonthsBetween(r002, cutoff)).toBe(23);
    expect(cutoff < today).toBe(true);
  });

  test('redeployment: the imported health checks are within 12 months, the cadres under 60, and the term ahead', () => {
    for (const days of [53, 71]) expect(latestHealth([{ date: daysAgo(days, now), result: 'fit' }], today, 12)).not.toBeNull();
    expect([58, 56, 55].map((years) => ageOn(bornAged(years, now), today))).toEqual([58, 56, 55]);
    const term = termAhead(12, now);
    expect(term.start > today).toBe(true);
    expect(fullMonthsBetween(term.start, addDays(term.end, 1))).toBe(12);
    // No report period ends within a test's minutes: the first ends a month or more away.
    expect(reportSchedule(term, 1)[0]?.end && reportSchedule(term, 1)[0]!.end > addDays(today, 27)).toBe(true);
  });

  test('calendar: every day a 5-working-day notice from today can reach is in a year the test database covers; the test year after stays uncovered', () => {
    // Five working days are at most 5 + 2 weekends + the longest holiday (8 days) on: 17 days covers them.
    for (let d = 0; d <= 17; d++) expect(calendarYearsAhead(now)).toContain(yearOf(addDays(today, d)));
    expect(calendarYearsAhead(now)).not.toContain(testYear(now) + 1);
  });
});

test('the literal dates the fixtures replaced fail on later days (which is why they were replaced)', () => {
  // T003/R003: 副处 since 2025-05-01 had served 2 years by 2027-05-02, and was no longer short of them.
  expect(hasServedYears('2025-05-01', '2027-05-02', 2)).toBe(true);
  // R002: since 2022-09-01, 5 years by 2027-09-02: the revision to "5 years as deputy" would no longer remove R002.
  expect(hasServedYears('2022-09-01', '2027-09-02', 5)).toBe(true);
  // The health check of 2026-10-08 was out of its 12 months on 2027-10-09.
  expect(latestHealth([{ date: '2026-10-08', result: 'fit' }], '2027-10-09', 12)).toBeNull();
  // Born 1968-05-01: 61 on 2029-05-02, over the limit of 60.
  expect(ageOn('1968-05-01', '2029-05-02')).toBe(61);
  // Only the current year was covered: a notice from 2026-12-28 ends in 2027.
  expect(yearOf(addDays('2026-12-28', 5))).toBe(2027);
});

/**
 * Fixture dates relative to today (China time). The API and workflow tests run on the real clock, so a fixture
 * written as a literal date ("副处 since 2025-05-01: a year and a half", "a health check on 2026-10-08") changes
 * meaning as time passes and the test fails on some later day. These give the same facts on any day. Each takes
 * `now` (the real clock by default), so test/unit/fixture-dates.test.ts checks the facts as of later days too.
 */
import { addDays, addMonths, chinaDateOf, yearOf } from '../../domain/dates';

/** Today, China time. */
export const todayOf = (now: Date = new Date()): string => chinaDateOf(now);

/** The first day of the month `months` before this one: whole months ago, plus at most this month's days. */
export const monthsAgo = (months: number, now: Date = new Date()): string => addMonths(`${todayOf(now).slice(0, 7)}-01`, -months);

/** The day `days` before today. */
export const daysAgo = (days: number, now: Date = new Date()): string => addDays(todayOf(now), -days);

/** A birth date `years` and a half ago: the person is `years` old (周岁) from six months before today to six months after. */
export const bornAged = (years: number, now: Date = new Date()): string => addMonths(todayOf(now), -(years * 12 + 6));

/** A term of `months` from the first of next month: it has not started, and no report period of it ends while a test runs. */
export function termAhead(months = 12, now: Date = new Date()): { start: string; end: string } {
  const start = addMonths(`${todayOf(now).slice(0, 7)}-01`, 1);
  return { start, end: addDays(addMonths(start, months), -1) };
}

/**
 * The years a test database needs a calendar for: this one and the next. Procedures dated today count working days
 * forward, and from late December 5 working days (a public notice) reach into January.
 */
export function calendarYearsAhead(now: Date = new Date()): number[] {
  const y = yearOf(todayOf(now));
  return [y, y + 1];
}

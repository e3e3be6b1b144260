/** A rectification feedback's workflow input, built as the API's start builds it (assignees and deadlines resolved). */
import type { MikroORM } from '@mikro-orm/postgresql';
import { rectificationProcedure } from '../../procedures/rectification';
import type { RectificationInput } from '../../procedures/rectification/messages';
import { newKey, type Http } from './api';
import { loadPlainYear } from './env';
import { addMonths, chinaDateOf, yearOf } from '../../domain/dates';

const STAFF = { id: 'zzb-staff', username: 'zzb-staff', displayName: '', unitId: 'zzb', roles: ['staff' as const] };

/**
 * The year the rectification tests date their feedbacks in. The workflows run on the real clock, so a due date
 * that has passed makes an item overdue at its start and late at its close: the year is the first after the
 * current one laid out as 2026 is (1 January a Thursday, not a leap year), so a test reads weekdays as in 2026
 * and its dates never fall in the past. Its calendar is loaded as a plain Monday–Friday year (loadTestYear); the
 * year after stays uncovered for a 整改报告 waiting for its year's calendar: it is at least two years on, beyond the
 * current and next years a test database is given (helpers/env.ts).
 */
export function testYear(now: Date = new Date()): number {
  const layoutOf2026 = (y: number): boolean => new Date(Date.UTC(y, 0, 1)).getUTCDay() === 4 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0));
  let y = now.getUTCFullYear() + 1;
  while (!layoutOf2026(y)) y += 1;
  return y;
}

/** `MM-DD` of the test year (or of the year after, `next`), as a date string. */
export const testDate = (monthDay: string, next = false): string => `${testYear() + (next ? 1 : 0)}-${monthDay}`;

/** Covers the test year with a loaded calendar (no holidays: its November and December have none in 2026 either). Idempotent. */
export function loadTestYear(orm: MikroORM): Promise<void> {
  return loadPlainYear(orm, testYear());
}

export async function rectificationInput(
  orm: MikroORM,
  o: { feedbackId: string; title: string; inspectionGroup: string; units?: string[]; reportDueDate?: string; reportByDefault?: boolean },
): Promise<RectificationInput> {
  const start = rectificationProcedure.start;
  if (!start) throw new Error('rectification has no start');
  // Dated in the test year by default, so its items are never overdue at their start whenever a test runs.
  await loadTestYear(orm);
  const body = start.body.parse({
    feedbackId: o.feedbackId,
    title: o.title,
    inspectionGroup: o.inspectionGroup,
    feedbackDate: testDate('11-20'),
    inspectionOfficeUnitId: 'xcb',
    problems: [{ no: '1', title: '干部选拔任用程序不规范', difficulty: 'normal', leadUnitId: 'zzb', assignments: (o.units ?? ['jyj']).map((unitId) => ({ unitId, dueDate: testDate('12-31') })) }],
    // 整改报告 per unit, at a date the test calendar covers (the default, 2 months on, is in the uncovered year after); the API plans one
    // by default (reportByDefault), and the item tests opt out so the feedback closes with its items.
    ...(o.reportByDefault ? {} : { report: o.reportDueDate ? { dueDate: o.reportDueDate } : false }),
  });
  return (await start.plan({ em: orm.em.fork(), user: STAFF, body })).input;
}

const loadedOver = new WeakMap<Http, Promise<void>>();

/**
 * loadTestYear for a test that has only the API: the calendar administrator loads the test year once per API (the
 * helper's callers start items concurrently), unless it is loaded already. The API wants at least one listed day:
 * 1 January, a holiday every year, which no test's November or December reads.
 */
export function loadTestYearOver(h: Http): Promise<void> {
  let loading = loadedOver.get(h);
  if (!loading) {
    loading = (async () => {
      const year = testYear();
      const token = await h.login('calendar-admin');
      if ((await h.call('GET', `/calendar/years/${year}`, { token })).status === 200) return;
      const put = await h.call('PUT', `/calendar/years/${year}`, {
        token,
        key: newKey(),
        body: { source: 'test: Monday–Friday', days: [{ date: `${year}-01-01`, workday: false, name: '元旦' }] },
      });
      if (put.status !== 200) throw new Error(`load ${year}: ${put.status} ${JSON.stringify(put.body)}`);
    })();
    loadedOver.set(h, loading);
  }
  return loading;
}

/**
 * Covers the current year and the next (China time) with loaded plain Monday–Friday calendars, for a test whose
 * workflows date their deadlines from today (an examination's timetable, its linked rectification): such a test
 * reads no holiday, and must not rely on chinese-days covering whatever year it runs in. Idempotent.
 */
export async function loadCurrentYears(orm: MikroORM, now: Date = new Date()): Promise<void> {
  const y = yearOf(chinaDateOf(now));
  for (const year of [y, y + 1]) await loadPlainYear(orm, year);
}

/**
 * A due date `months` after today (China time): a rectification dated today (a linked one) must be due after its
 * feedback and within 12 months of it (rules.ts maxDueMonths), so it cannot be dated in the test year. Its year is
 * one loadCurrentYears covers.
 */
export const dueMonthsFromToday = (months = 1, now: Date = new Date()): string => addMonths(chinaDateOf(now), months);

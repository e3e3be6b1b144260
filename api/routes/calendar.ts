/**
 * The working-day calendar: which years are covered, and loading a year that chinese-days does not
 * cover yet (or correcting one it does) from the State Council's notice. Deadlines already computed
 * keep their recorded instants; a loaded year counts for deadlines computed from then on.
 */
import { z } from 'zod';
import { COVERED_YEARS, officialDays } from '../../domain/calendar';
import { yearOf } from '../../domain/dates';
import { toDateString } from '../../platform/calendar-store';
import { CalendarDaySchema, CalendarYearSchema, type CalendarYear } from '../../platform/entities';
import { access } from '../authz';
import { BadRequest, NotFound } from '../errors';
import { CalendarYearDetail, CalendarYearParam, CalendarYearRow, PutCalendarYearBody } from '../schemas';
import type { RouteContext } from './context';

const CHINESE_DAYS = 'chinese-days';

function loadedView(y: CalendarYear): z.infer<typeof CalendarYearRow> {
  return { year: y.year, source: y.source, loadedBy: y.loadedBy, loadedAt: y.loadedAt.toISOString() };
}

const officialView = (year: number): z.infer<typeof CalendarYearRow> => ({ year, source: CHINESE_DAYS, loadedBy: null, loadedAt: null });

export function calendarRoutes({ route }: RouteContext): void {
  route({
    method: 'get',
    path: '/calendar/years',
    tag: 'calendar',
    summary: 'Years the working-day calendar covers: from chinese-days, and the years loaded here',
    description: 'A loaded year replaces chinese-days for that year, so it is listed with its own source.',
    access: access.user('the public holiday calendar'),
    response: { status: 200, schema: z.array(CalendarYearRow), description: 'In year order' },
    handler: async ({ em }) => {
      const loaded = await em.find(CalendarYearSchema, {}, { orderBy: { year: 'asc' } });
      const byYear = new Map<number, z.infer<typeof CalendarYearRow>>([...COVERED_YEARS].map((y) => [y, officialView(y)]));
      for (const y of loaded) byYear.set(y.year, loadedView(y));
      return { status: 200, body: [...byYear.values()].sort((a, b) => a.year - b.year) };
    },
  });

  route({
    method: 'get',
    path: '/calendar/years/:year',
    tag: 'calendar',
    summary: 'One covered year: its holidays and make-up workdays',
    access: access.user('the public holiday calendar'),
    params: CalendarYearParam,
    response: { status: 200, schema: CalendarYearDetail, description: 'Every day not listed is a working day exactly when it is Monday–Friday' },
    errors: [404],
    handler: async ({ em, params }) => {
      const loaded = await em.findOne(CalendarYearSchema, { year: params.year });
      if (loaded) {
        const days = await em.find(CalendarDaySchema, { year: params.year }, { orderBy: { date: 'asc' } });
        return {
          status: 200,
          body: { ...loadedView(loaded), days: days.map((d) => ({ date: toDateString(d.date), workday: d.isWorkday, name: d.name })) },
        };
      }
      if (COVERED_YEARS.has(params.year)) return { status: 200, body: { ...officialView(params.year), days: officialDays(params.year) } };
      throw new NotFound('calendar_year_not_found', `the working-day calendar does not cover ${params.year}; load it with PUT /calendar/years/${params.year}`);
    },
  });

  route({
    method: 'put',
    path: '/calendar/years/:year',
    tag: 'calendar',
    summary: 'Load (or replace) the working-day calendar of one year from the State Council notice',
    description:
      'List the holidays (workday false) and the make-up workdays (调休, workday true) of the year; every other day is a ' +
      'working day exactly when it is Monday–Friday. The year is replaced as a whole, and it wins over chinese-days.',
    access: access.roles('calendarAdmin'),
    idempotent: true,
    params: CalendarYearParam,
    body: PutCalendarYearBody,
    response: { status: 200, schema: CalendarYearDetail, description: 'The year as loaded' },
    errors: [403],
    handler: async ({ em, params, body, user }) => {
      // The body schema cannot see the path, so the year of each date is checked here, reported like zod's issues.
      const issues = body.days.flatMap((d, i) =>
        yearOf(d.date) === params.year ? [] : [{ field: `days[${i}].date`, message: `${d.date} is not in ${params.year}` }],
      );
      const first = issues[0];
      if (first) throw new BadRequest('validation_error', `${first.field}: ${first.message}`, { issues });

      const row: CalendarYear = { year: params.year, source: body.source, loadedBy: user.id, loadedAt: new Date() };
      const days = [...body.days]
        .sort((a, b) => a.date.localeCompare(b.date))
        .map((d) => ({ date: d.date, year: params.year, isWorkday: d.workday, name: d.name ?? null }));
      await em.transactional(async (tx) => {
        // The upsert locks the year's row first, so two loads of the same year run one after the other.
        await tx.createQueryBuilder(CalendarYearSchema).insert(row).onConflict('year').merge().execute();
        await tx.nativeDelete(CalendarDaySchema, { year: params.year });
        await tx.insertMany(CalendarDaySchema, days);
      });
      return {
        status: 200,
        body: { ...loadedView(row), days: days.map((d) => ({ date: d.date, workday: d.isWorkday, name: d.name })) },
      };
    },
  });
}

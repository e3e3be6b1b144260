/**
 * Reads the loaded working-day calendars (calendar_year, calendar_day) into the structure
 * domain/calendar.ts takes. Kept out of domain/ because domain/ does no I/O.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OverrideCalendar } from '../domain/calendar';
import { CalendarDaySchema, CalendarYearSchema } from './entities';

/**
 * The loaded years, all of them or only `years`. A year is loaded as a whole (one transaction replaces
 * it), so reading the years and then their days sees whole years.
 */
export async function loadOverrides(em: EntityManager, years?: readonly number[]): Promise<OverrideCalendar> {
  if (years && years.length === 0) return { years: new Set(), days: new Map() };
  const where = years ? { year: { $in: [...new Set(years)] } } : {};
  const rows = await em.find(CalendarYearSchema, where, { fields: ['year'] });
  const loaded = rows.map((r) => r.year);
  if (loaded.length === 0) return { years: new Set(), days: new Map() };
  const days = await em.find(CalendarDaySchema, { year: { $in: loaded } }, { orderBy: { date: 'asc' } });
  return { years: new Set(loaded), days: new Map(days.map((d) => [toDateString(d.date), d.isWorkday])) };
}

/** A `date` column as YYYY-MM-DD, whichever way the driver hands it over. */
export function toDateString(value: string | Date): string {
  if (typeof value === 'string') return value.slice(0, 10);
  // A JS Date for a date column is local midnight of that day; read it back in local time.
  const y = value.getFullYear();
  const m = String(value.getMonth() + 1).padStart(2, '0');
  const d = String(value.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

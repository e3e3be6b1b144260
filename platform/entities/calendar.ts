/**
 * The working-day calendar loaded from State Council notices (domain/calendar.ts).
 * PostgreSQL tables as MikroORM EntitySchemas (no decorators); the schema changes only through migrations/.
 */
import { EntitySchema } from '@mikro-orm/core';

/** A year of the working-day calendar loaded from a State Council notice (domain/calendar.ts). */
export interface CalendarYear {
  year: number;
  /** Where the data comes from, e.g. the notice number (国办发明电〔2026〕…). */
  source: string;
  loadedBy: string;
  loadedAt: Date;
}

/** A listed day of a loaded year: a holiday, or a make-up workday (调休). Unlisted days are Monday–Friday. */
export interface CalendarDay {
  /** YYYY-MM-DD. */
  date: string;
  year: number;
  isWorkday: boolean;
  name: string | null;
}

export const CalendarYearSchema = new EntitySchema<CalendarYear>({
  name: 'CalendarYear',
  tableName: 'calendar_year',
  properties: {
    year: { type: 'integer', primary: true },
    source: { type: 'text' },
    loadedBy: { type: 'string' },
    loadedAt: { type: 'Date' },
  },
});

export const CalendarDaySchema = new EntitySchema<CalendarDay>({
  name: 'CalendarDay',
  tableName: 'calendar_day',
  properties: {
    date: { type: 'date', primary: true },
    year: { type: 'integer' },
    isWorkday: { type: 'boolean' },
    name: { type: 'text', nullable: true },
  },
});

import { Migration } from '@mikro-orm/migrations';

/**
 * Working-day calendars loaded for whole years (State Council notices that chinese-days does not have
 * yet, or corrections to one it has). A year is replaced as a whole, so its days cascade with it.
 */
export class Migration20261125030000_calendar_override extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table calendar_year (
        year integer primary key,
        source text not null,
        loaded_by text not null,
        loaded_at timestamptz not null
      );
      create table calendar_day (
        date date primary key,
        year integer not null references calendar_year(year) on delete cascade,
        is_workday boolean not null,
        name text null
      );
      create index calendar_day_year_idx on calendar_day (year);
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists calendar_day, calendar_year cascade;');
  }
}

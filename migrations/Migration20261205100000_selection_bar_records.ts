import { Migration } from '@mikro-orm/migrations';

/**
 * 影响期 (issue 11): dated records on a person that bar a promotion for a while: 党纪处分, 政务处分, 诫勉, 组织处理
 * and 基本称职/不称职 annual assessments. The bar's length comes from the rule table (domain/promotion-bars.ts
 * BAR_MONTHS) unless the record states its end (ends_on, e.g. 组织处理 as decided). One record per person, kind,
 * category and date, so an import of the same file twice changes nothing.
 */
export class Migration20261205100000_selection_bar_records extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table person_bar_record (
        person_id text not null references person(id),
        kind text not null check (kind in ('partySanction', 'governmentSanction', 'admonition', 'organizationalHandling', 'annualAssessment')),
        category text not null,
        date date not null,
        ends_on date null,
        ref text null,
        primary key (person_id, kind, category, date),
        check (ends_on is null or ends_on > date)
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists person_bar_record;`);
  }
}

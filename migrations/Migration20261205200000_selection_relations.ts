import { Migration } from '@mikro-orm/migrations';

/**
 * 回避 (issue 11): relations between people in master data, so a committee member related to a candidate is
 * recused from the vote (《条例》, chapter 回避 / 《领导干部任职回避暂行规定》: spouse, direct blood relatives,
 * collateral relatives within three generations, close in-laws). A relation is stored once, either way round;
 * the rule reads both directions. A member is linked to their person record by person.user_id.
 */
export class Migration20261205200000_selection_relations extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table person_relation (
        person_id text not null references person(id),
        relative_id text not null references person(id),
        relation text not null check (relation in ('spouse', 'directBlood', 'collateral', 'inLaw')),
        primary key (person_id, relative_id),
        check (person_id <> relative_id)
      );
      create index person_relation_relative_idx on person_relation (relative_id);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists person_relation;`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * Who holds the two posts that sign a candidate's 廉洁自律 conclusion (issue 11, defect 5): a unit's Party
 * secretary (党委(党组)书记) and its discipline secretary (纪委书记/纪检组长). Master data, dated: a person holds
 * a post from `since` until `until` (null: still), so a signature is checked against the holder on the day
 * it is given. Before this table any staff user could sign as either.
 */
export class Migration20261205000000_selection_office_holder extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table unit_office_holder (
        unit_id text not null references unit(id),
        office text not null check (office in ('partySecretary', 'disciplineSecretary')),
        person_id text not null references person(id),
        since date not null,
        until date null,
        primary key (unit_id, office, person_id, since),
        check (until is null or until >= since)
      );
      create index unit_office_holder_person_idx on unit_office_holder (person_id);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists unit_office_holder;`);
  }
}

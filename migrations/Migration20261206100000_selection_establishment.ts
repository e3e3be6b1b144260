import { Migration } from '@mikro-orm/migrations';

/**
 * 职数 (issue 11): a unit's approved number of posts per grade (领导职数核定). A selection whose post would take
 * the unit's holders of that grade over it is refused (超职数配备) unless the principles cite a recorded approval.
 * A unit and grade without a row here is not checked.
 */
export class Migration20261206100000_selection_establishment extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table unit_establishment (
        unit_id text not null references unit(id),
        grade text not null,
        approved integer not null check (approved >= 0),
        primary key (unit_id, grade)
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists unit_establishment;`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * The political-quality file (政治素质档案): one row per closed political examination of a cadre or a
 * leading group, keyed by the examination's workflow id so the archiving activity's retry writes nothing.
 * Read by person and by unit, newest first (the 任前政治体检 gate reads the newest).
 */
export class Migration20261130000000_political_file extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table political_file_entry (
        id text primary key,
        examination_id text not null,
        subject_kind text not null check (subject_kind in ('cadre', 'group')),
        person_id text null references person(id),
        unit_id text not null references unit(id),
        title text not null,
        examined_on date not null,
        grade text not null,
        plan_hash text not null,
        evaluations jsonb not null,
        findings jsonb not null,
        use_of_result jsonb not null,
        rectification_workflow_id text null,
        acknowledged_at timestamptz null,
        statement text null,
        archived_at timestamptz not null default now(),
        check ((subject_kind = 'cadre') = (person_id is not null))
      );
      create index political_file_entry_person_idx on political_file_entry (person_id, examined_on desc);
      create index political_file_entry_unit_idx on political_file_entry (unit_id, examined_on desc);
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists political_file_entry;');
  }
}

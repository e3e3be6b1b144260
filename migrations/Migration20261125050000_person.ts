import { Migration } from '@mikro-orm/migrations';

/**
 * People (cadres, 干部): the master data the qualification predicates read. The id is the personnel
 * number (干部编号). The grade and education ladders are spelled out here as of this migration, because a
 * migration must not change when domain/grades.ts does.
 */
export class Migration20261125050000_person extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table person (
        id text primary key,
        name text not null,
        gender text null check (gender in ('male', 'female')),
        birth_date date not null,
        unit_id text null references unit(id),
        current_post text null,
        current_grade text not null
          check (current_grade in ('staff', 'deputySection', 'section', 'deputyDivision', 'division', 'deputyBureau', 'bureau')),
        grade_since date not null,
        work_start_date date not null,
        grassroots_years numeric(4,1) not null default 0 check (grassroots_years >= 0),
        education text not null check (education in ('highSchool', 'college', 'bachelor', 'master', 'doctor')),
        party_join_date date null,
        last_promotion_date date null,
        last_promotion_out_of_turn boolean not null default false,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index person_unit_id_idx on person (unit_id);
      create index person_current_grade_idx on person (current_grade);
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists person cascade;');
  }
}

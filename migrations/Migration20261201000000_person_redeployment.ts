import { Migration } from '@mikro-orm/migrations';

/**
 * What 揭榜出征 (redeployment) eligibility reads from a person: when they left a leadership post
 * (退出领导岗位), their skills or fields (专业领域), and their latest health check (体检: date and result),
 * and the task letters (任务书) a list issues, kept with their sha256 so a download can be verified. The
 * health results are spelled out here as of this migration, so a later change of the rules does not
 * change the migration.
 */
export class Migration20261201000000_person_redeployment extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table person
        add column left_leadership_post_on date null,
        add column fields jsonb not null default '[]'::jsonb,
        add column health_checked_on date null,
        add column health_result text null check (health_result in ('fit', 'fitWithLimits', 'unfit')),
        add constraint person_health_pair check ((health_checked_on is null) = (health_result is null));
      create index person_left_leadership_post_idx on person (left_leadership_post_on) where left_leadership_post_on is not null;

      create table redeployment_letter (
        id text primary key,
        workflow_id text not null,
        task_id text not null,
        person_id text not null references person(id),
        media_type text not null,
        file_name text not null,
        content bytea not null,
        sha256 text not null,
        issued_at timestamptz not null default now()
      );
      create index redeployment_letter_workflow_idx on redeployment_letter (workflow_id);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table if exists redeployment_letter;
      alter table person drop constraint if exists person_health_pair,
        drop column if exists left_leadership_post_on, drop column if exists fields,
        drop column if exists health_checked_on, drop column if exists health_result;
    `);
  }
}

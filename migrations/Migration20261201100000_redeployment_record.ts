import { Migration } from '@mikro-orm/migrations';

/**
 * The outcomes of a 揭榜出征 term on the person's file: a recognition at the post (送奖到岗) for 优秀,
 * an accountability follow-up (问责跟进) for 不合格. One row per term and kind, keyed by the term's
 * workflow id and the kind, so the recording activity's retry writes nothing. Read by person, newest first.
 */
export class Migration20261201100000_redeployment_record extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table redeployment_record (
        id text primary key,
        kind text not null check (kind in ('recognition', 'accountability')),
        term_workflow_id text not null,
        list_id text not null,
        task_id text not null,
        task_title text not null,
        person_id text not null references person(id),
        host_unit_id text not null references unit(id),
        grade text not null,
        achievements jsonb not null,
        follow_up text null,
        recorded_by text not null,
        recorded_at timestamptz not null default now(),
        unique (term_workflow_id, kind)
      );
      create index redeployment_record_person_idx on redeployment_record (person_id, recorded_at desc);
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists redeployment_record;');
  }
}

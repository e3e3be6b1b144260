import { Migration } from '@mikro-orm/migrations';

/**
 * Transitions (procedures/kernel/projector.ts) are written by whichever comes first, the API or the
 * workflow's projection activity: `transition_applied` makes the second a no-op, and the procedure row
 * keeps the snapshot of the highest seq written, whatever order the writes arrive in.
 */
export class Migration20261129000000_transitions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table procedure add column projected_seq integer not null default 0;`);
    this.addSql(`create table transition_applied (workflow_id text not null, seq integer not null, applied_at timestamptz not null default now(), primary key (workflow_id, seq));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists transition_applied;`);
    this.addSql(`alter table procedure drop column if exists projected_seq;`);
  }
}

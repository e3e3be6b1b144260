import { Migration } from '@mikro-orm/migrations';

/**
 * Supervision (issue 13): the indexes the board and the reports group by, the watch list (挂账督办) and
 * the log of supervisors' actions from the board.
 */
export class Migration20261204100000_supervision extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      -- The board reads open work by due date; partial, so closed procedures (most rows) cost nothing.
      create index procedure_open_due_idx on procedure (due_at, workflow_id) where status = 'open' and due_at is not null;
      -- Whether a procedure has pending work, and who holds it.
      create index task_pending_workflow_idx on task (workflow_id) where status = 'pending';
      -- Reports per period: started, closed, and the actions (returns, escalations) within it.
      create index procedure_started_at_idx on procedure (started_at);
      create index procedure_closed_at_idx on procedure (closed_at) where closed_at is not null;
      create index task_completed_at_idx on task (completed_at) where completed_at is not null;
      create index action_log_action_at_idx on action_log (action, at);
      create table supervision_watch (
        workflow_id text primary key,
        watched_by text not null,
        comment text null,
        watched_at timestamptz not null
      );
      create table supervision_action (
        id text primary key,
        kind text not null,
        actor_id text not null,
        at timestamptz not null,
        target text null,
        filter jsonb null,
        comment text null,
        result jsonb not null
      );
      create index supervision_action_at_idx on supervision_action (at desc);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table if exists supervision_action, supervision_watch;
      drop index if exists procedure_open_due_idx, task_pending_workflow_idx, procedure_started_at_idx, procedure_closed_at_idx, task_completed_at_idx, action_log_action_at_idx;
    `);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * The board (platform/board.ts) reads, for the open work it shows, whether a procedure has pending tasks
 * and who holds them. With the assignees in the partial index the pending tasks come from an index-only
 * scan instead of one heap page per task, scattered over the whole task table (bench/board.ts: 30,000
 * pending among 1,000,000 tasks read 14,000 heap pages per board).
 */
export class Migration20261206000000_supervision_pending_cover extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      drop index if exists task_pending_workflow_idx;
      create index task_pending_workflow_idx on task (workflow_id) include (assignee_ids) where status = 'pending';
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop index if exists task_pending_workflow_idx;
      create index task_pending_workflow_idx on task (workflow_id) where status = 'pending';
    `);
  }
}

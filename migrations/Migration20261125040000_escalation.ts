import { Migration } from '@mikro-orm/migrations';

/** The overdue ladder's current rung on each procedure, for the supervisors' list. */
export class Migration20261125040000_escalation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table procedure add column escalation jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table procedure drop column if exists escalation;`);
  }
}

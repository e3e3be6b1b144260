import { Migration } from '@mikro-orm/migrations';

/**
 * The audit log: every action and state change of a procedure, as a hash chain per procedure
 * (domain/audit.ts). The id is the key of the write that produced the entry, so a retried or
 * replayed activity appends nothing.
 */
export class Migration20261125020000_audit_log extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table audit_log (
        id text primary key,
        workflow_id text not null,
        seq integer not null check (seq >= 1),
        kind text not null,
        actor_id text not null,
        at timestamptz not null,
        payload jsonb null,
        prev_hash text not null,
        hash text not null,
        unique (workflow_id, seq)
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists audit_log;');
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * Audit anchoring (issue 13): a chain rewritten from some entry to its end, every hash recomputed, still
 * verifies on its own. Each day the anchor job (platform/anchor.ts) records every procedure's chain head
 * and the Merkle root over them; verify-audit then finds a head that is no longer in its chain. Both
 * tables are append-only: a trigger refuses UPDATE, DELETE and TRUNCATE, so an anchor is never edited
 * to fit a rewritten chain (the root exported outside the database covers a trigger dropped by a superuser).
 */
export class Migration20261207000000_audit_anchor extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table audit_anchor (
        id bigint generated always as identity primary key,
        key text not null unique,
        anchored_at timestamptz not null default now(),
        root text not null,
        procedures integer not null
      );
    `);
    this.addSql(`
      create table audit_anchor_head (
        anchor_id bigint not null references audit_anchor(id),
        workflow_id text not null,
        seq integer not null,
        hash text not null,
        primary key (anchor_id, workflow_id)
      );
    `);
    this.addSql(`create index audit_anchor_head_workflow on audit_anchor_head (workflow_id, anchor_id desc);`);
    this.addSql(`
      create function refuse_append_only_change() returns trigger language plpgsql as $$
      begin
        raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = '42501';
      end $$;
    `);
    for (const table of ['audit_anchor', 'audit_anchor_head']) {
      this.addSql(`create trigger ${table}_append_only before update or delete on ${table} for each row execute function refuse_append_only_change();`);
      this.addSql(`create trigger ${table}_no_truncate before truncate on ${table} for each statement execute function refuse_append_only_change();`);
    }
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists audit_anchor_head;`);
    this.addSql(`drop table if exists audit_anchor;`);
    this.addSql(`drop function if exists refuse_append_only_change();`);
  }
}

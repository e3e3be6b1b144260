import { Migration } from '@mikro-orm/migrations';

/**
 * An Idempotency-Key is reserved before its request runs (issue 10 §5): the row is inserted
 * `in_progress`, held by one request (`owner`) until `locked_until`, then completed with the answer.
 * The unique (user_id, key) makes the insert the lock, so two concurrent requests never both run.
 * A reservation whose request died (the API process was killed) lapses at `locked_until`, and a
 * retry takes it over. Rows written before this migration were stored answers: `completed`.
 *
 * Large answers are not copied into the record: they are gzip-compressed once into
 * idempotency_answer, addressed by their sha256, and the record points at it (`body_sha256`).
 */
export class Migration20261202000000_idempotency_reservation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table idempotency_record
        add column state text not null default 'completed' check (state in ('in_progress', 'completed')),
        add column owner text null,
        add column locked_until timestamptz null,
        add column body_sha256 text null,
        alter column status_code drop not null,
        alter column body drop not null;
      alter table idempotency_record alter column state drop default;
      alter table idempotency_record add constraint idempotency_record_completed_chk
        check (state = 'in_progress' or (status_code is not null and (body is not null or body_sha256 is not null)));
      create table idempotency_answer (
        sha256 text primary key,
        gz bytea not null,
        bytes integer not null,
        created_at timestamptz not null default now()
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table if exists idempotency_answer;
      delete from idempotency_record where state = 'in_progress' or body is null;
      alter table idempotency_record
        drop constraint if exists idempotency_record_completed_chk,
        drop column state, drop column owner, drop column locked_until, drop column body_sha256,
        alter column status_code set not null,
        alter column body set not null;
    `);
  }
}

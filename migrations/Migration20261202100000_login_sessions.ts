import { Migration } from '@mikro-orm/migrations';

/**
 * Login and sessions (issue 10 §6). A session gets an id its user can see and end (the token hash stays
 * secret), when it was last used (idle sessions expire), and where it was opened from. login_throttle
 * counts failed logins per username and per client address (`scope`), and how long each is locked out.
 */
export class Migration20261202100000_login_sessions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table session
        add column id text null,
        add column last_seen_at timestamptz null,
        add column address text null,
        add column user_agent text null;
      update session set id = gen_random_uuid()::text, last_seen_at = created_at;
      alter table session alter column id set not null, alter column last_seen_at set not null;
      create unique index session_id_idx on session (id);
      create table login_throttle (
        scope text primary key,
        failures integer not null,
        locked_until timestamptz null,
        last_failure_at timestamptz not null
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table if exists login_throttle;
      drop index if exists session_id_idx;
      alter table session drop column id, drop column last_seen_at, drop column address, drop column user_agent;
    `);
  }
}

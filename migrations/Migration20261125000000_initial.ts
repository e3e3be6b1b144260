import { Migration } from '@mikro-orm/migrations';

/** Master data, projections and idempotency records for the foundation and rectification. */
export class Migration20261125000000_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table unit (
        id text primary key,
        name text not null,
        kind text not null check (kind in ('unit', 'department', 'office')),
        head_user_id text null
      );
      create table app_user (
        id text primary key,
        username text not null unique,
        display_name text not null,
        unit_id text not null references unit(id),
        roles text[] not null default '{}',
        password_hash text not null,
        created_at timestamptz not null default now()
      );
      create table session (
        token_hash text primary key,
        user_id text not null references app_user(id),
        created_at timestamptz not null,
        expires_at timestamptz not null
      );
      create index session_user_idx on session (user_id);
      create table procedure (
        workflow_id text primary key,
        type text not null,
        parent_workflow_id text null,
        title text not null,
        unit_ids text[] not null default '{}',
        status text not null,
        stage text not null,
        overdue boolean not null default false,
        due_at timestamptz null,
        started_by text not null,
        started_at timestamptz not null,
        closed_at timestamptz null,
        result jsonb null,
        updated_at timestamptz not null
      );
      create index procedure_type_status_idx on procedure (type, status);
      create index procedure_parent_idx on procedure (parent_workflow_id);
      create index procedure_units_idx on procedure using gin (unit_ids);
      create index procedure_overdue_idx on procedure (overdue) where overdue;
      create table task (
        id text primary key,
        workflow_id text not null,
        procedure_type text not null,
        step text not null,
        seq integer not null,
        round integer not null,
        assignee_ids text[] not null,
        status text not null check (status in ('pending', 'done')),
        opened_at timestamptz not null,
        due_at timestamptz null,
        completed_at timestamptz null,
        completed_by text null,
        action text null
      );
      create index task_assignees_pending_idx on task using gin (assignee_ids) where status = 'pending';
      create index task_workflow_idx on task (workflow_id);
      create table action_log (
        id text primary key,
        workflow_id text not null,
        seq integer not null,
        task_id text null,
        step text null,
        actor_id text not null,
        action text not null,
        comment text null,
        data jsonb null,
        at timestamptz not null,
        unique (workflow_id, seq)
      );
      create table notification (
        id text primary key,
        user_id text not null,
        workflow_id text not null,
        kind text not null,
        message text not null,
        created_at timestamptz not null,
        read_at timestamptz null
      );
      create index notification_user_idx on notification (user_id, created_at desc);
      create table idempotency_record (
        user_id text not null,
        key text not null,
        fingerprint text not null,
        status_code integer not null,
        body jsonb not null,
        created_at timestamptz not null,
        primary key (user_id, key)
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql(
      'drop table if exists idempotency_record, notification, action_log, task, procedure, session, app_user, unit cascade;',
    );
  }
}

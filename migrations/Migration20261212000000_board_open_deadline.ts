import { Migration } from '@mikro-orm/migrations';

/**
 * The board's due date is the procedure's earliest open deadline (issue 13: the board across every type with
 * the overdue capability). The procedure row's due_at is what the workflow gives its row, and some types
 * keep their deadlines on the tasks instead: a political examination opens with no due date of its own while
 * each evidence strand and the feedback carry theirs (it never reached the board, though overdue and on the
 * ladder), and a redeployment term's row holds the term's end while each monthly report is due long before
 * (an overdue report showed 0 days overdue). So the due date is read from the projection, not the workflow's
 * commands: the earliest of the row's own due date and the pending tasks' due dates.
 *
 * procedure_open_due(workflow_id, due_at) is that one definition; board_item_expected (the board's
 * pre-aggregates) and platform/board.ts (the board from the projection's rows, its export and the bulk urge)
 * both call it. A pending task's due date is set after it opened when the calendar learns its year
 * (activities/projection.ts), so the task trigger now also refreshes on a change of a pending task's due_at.
 */
export class Migration20261212000000_board_open_deadline extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function procedure_open_due(wf text, own timestamptz) returns timestamptz language sql stable as $fn$
        -- least() passes over nulls: a row without a due date of its own takes its tasks', and the reverse.
        select least(own, (select min(t.due_at) from task t where t.workflow_id = wf and t.status = 'pending'))
      $fn$;

      -- The pending tasks' due dates from the index, with their assignees (the board reads both per item).
      drop index if exists task_pending_workflow_idx;
      create index task_pending_workflow_idx on task (workflow_id) include (assignee_ids, due_at) where status = 'pending';

      create or replace view board_item_expected as
        select p.workflow_id, p.type, p.stage, p.title, p.unit_ids, d.due_at,
               ((d.due_at at time zone 'UTC') + interval '8 hours')::date as due_day,
               p.overdue, coalesce(p.escalation->>'rung', 'none') as rung,
               exists (select 1 from supervision_watch w where w.workflow_id = p.workflow_id) as watched,
               p.started_by,
               array(select distinct a from task t cross join lateral unnest(t.assignee_ids) as a
                      where t.workflow_id = p.workflow_id and t.status = 'pending' order by a) as assignee_ids
          from procedure p cross join lateral (select procedure_open_due(p.workflow_id, p.due_at) as due_at) d
         where p.status = 'open' and d.due_at is not null
           and exists (select 1 from task t where t.workflow_id = p.workflow_id and t.status = 'pending');

      create or replace function board_task_changed() returns trigger language plpgsql as $fn$
      begin
        if tg_op = 'INSERT' then
          perform board_refresh_set(array(select distinct workflow_id from new_rows where status = 'pending'));
        elsif tg_op = 'DELETE' then
          perform board_refresh_set(array(select distinct workflow_id from old_rows where status = 'pending'));
        else
          perform board_refresh_set(array(select distinct workflow_id from (
            (select workflow_id, assignee_ids, due_at from old_rows where status = 'pending' except all select workflow_id, assignee_ids, due_at from new_rows where status = 'pending')
            union all (select workflow_id, assignee_ids, due_at from new_rows where status = 'pending' except all select workflow_id, assignee_ids, due_at from old_rows where status = 'pending')) d));
        end if;
        return null;
      end
      $fn$;

      select board_rebuild();
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      create or replace view board_item_expected as
        select p.workflow_id, p.type, p.stage, p.title, p.unit_ids, p.due_at,
               ((p.due_at at time zone 'UTC') + interval '8 hours')::date as due_day,
               p.overdue, coalesce(p.escalation->>'rung', 'none') as rung,
               exists (select 1 from supervision_watch w where w.workflow_id = p.workflow_id) as watched,
               p.started_by,
               array(select distinct a from task t cross join lateral unnest(t.assignee_ids) as a
                      where t.workflow_id = p.workflow_id and t.status = 'pending' order by a) as assignee_ids
          from procedure p
         where p.status = 'open' and p.due_at is not null
           and exists (select 1 from task t where t.workflow_id = p.workflow_id and t.status = 'pending');

      create or replace function board_task_changed() returns trigger language plpgsql as $fn$
      begin
        if tg_op = 'INSERT' then
          perform board_refresh_set(array(select distinct workflow_id from new_rows where status = 'pending'));
        elsif tg_op = 'DELETE' then
          perform board_refresh_set(array(select distinct workflow_id from old_rows where status = 'pending'));
        else
          perform board_refresh_set(array(select distinct workflow_id from (
            (select workflow_id, assignee_ids from old_rows where status = 'pending' except all select workflow_id, assignee_ids from new_rows where status = 'pending')
            union all (select workflow_id, assignee_ids from new_rows where status = 'pending' except all select workflow_id, assignee_ids from old_rows where status = 'pending')) d));
        end if;
        return null;
      end
      $fn$;

      drop function procedure_open_due(text, timestamptz);
      drop index if exists task_pending_workflow_idx;
      create index task_pending_workflow_idx on task (workflow_id) include (assignee_ids) where status = 'pending';
      select board_rebuild();
    `);
  }
}

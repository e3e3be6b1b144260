import { Migration } from '@mikro-orm/migrations';

/**
 * The supervision board's pre-aggregates (issue 13: p95 <= 50 ms at 100,000 procedures). Grouping every
 * item in the window at each request cost 150 to 430 ms at that scale (18,000 items, bench/board.ts), so
 * the counts are kept up to date instead, by triggers in the same transaction as the projection write
 * that changes them: whatever writes procedure, task or supervision_watch rows (the projection's
 * activities, a reconciler repair, a test's SQL) keeps them true without knowing about them.
 *
 * - board_item: one row per item the board can show (open, with a due time and pending work), with what
 *   the board reads of it: the board's rows without the joins to the tasks and the watch list.
 * - board_rollup: the items per unit × type × stage × rung × overdue flag × watched × due day (China
 *   date), and per item once (unit_id '') for the totals. The board sums whole days from it; the days a
 *   threshold (now, the window's end) falls in come from board_item (platform/board.ts).
 * - board_rollup_assignee: the same per assignee holding a pending task of the item, for the groups'
 *   assignees.
 *
 * board_item_expected is the one definition of an item; board_refresh(workflow_id) applies one
 * procedure's change as a difference, board_rebuild() recomputes everything (a repair, or after a bulk
 * load), and board_drift() counts the rows that differ from a recomputation (the reconciler's check).
 */
export class Migration20261209000000_board_rollup extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table board_item (
        workflow_id text primary key,
        type text not null,
        stage text not null,
        title text not null,
        unit_ids text[] not null,
        due_at timestamptz not null,
        due_day date not null,
        overdue boolean not null,
        rung text not null,
        watched boolean not null,
        started_by text not null,
        assignee_ids text[] not null
      );
      create index board_item_due_idx on board_item (due_at, workflow_id);
      -- The days a threshold falls in, item by item.
      create index board_item_due_day_idx on board_item (due_day);
      -- A group's oldest item, read in due order from its first day.
      create index board_item_group_due_idx on board_item (type, stage, due_at, workflow_id);
      -- The totals of a user who sees every unit still check the scope of items without a unit.
      create index board_item_no_unit_idx on board_item (due_at) where unit_ids = '{}';

      create table board_rollup (
        unit_id text not null,
        type text not null,
        stage text not null,
        rung text not null,
        overdue boolean not null,
        watched boolean not null,
        due_day date not null,
        has_units boolean not null,
        items integer not null,
        primary key (due_day, unit_id, type, stage, rung, overdue, watched, has_units)
      );
      create table board_rollup_assignee (
        unit_id text not null,
        type text not null,
        stage text not null,
        rung text not null,
        overdue boolean not null,
        watched boolean not null,
        due_day date not null,
        assignee_id text not null,
        items integer not null,
        primary key (due_day, unit_id, type, stage, rung, overdue, watched, assignee_id)
      );

      create view board_item_expected as
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

      -- What board_item's rows add up to; the rollups must equal it.
      create view board_rollup_expected as
        select u.unit_id, b.type, b.stage, b.rung, b.overdue, b.watched, b.due_day, cardinality(b.unit_ids) > 0 as has_units, count(*)::int as items
          from board_item b cross join lateral unnest(array[''] || b.unit_ids) as u(unit_id)
         group by 1, 2, 3, 4, 5, 6, 7, 8;
      create view board_rollup_assignee_expected as
        select u.unit_id, b.type, b.stage, b.rung, b.overdue, b.watched, b.due_day, a.assignee_id, count(*)::int as items
          from board_item b cross join lateral unnest(b.unit_ids) as u(unit_id) cross join lateral unnest(b.assignee_ids) as a(assignee_id)
         group by 1, 2, 3, 4, 5, 6, 7, 8;

      -- Adds (sign 1) or takes away (-1) one item's counts. Keys in order, so two transactions lock
      -- the rows they share in the same order.
      create function board_apply(b board_item, sign integer) returns void language plpgsql as $fn$
      begin
        insert into board_rollup as r (unit_id, type, stage, rung, overdue, watched, due_day, has_units, items)
          select u, b.type, b.stage, b.rung, b.overdue, b.watched, b.due_day, cardinality(b.unit_ids) > 0, count(*)::int * sign
            from unnest(array[''] || b.unit_ids) as u group by u order by u
          on conflict (due_day, unit_id, type, stage, rung, overdue, watched, has_units) do update set items = r.items + excluded.items;
        insert into board_rollup_assignee as r (unit_id, type, stage, rung, overdue, watched, due_day, assignee_id, items)
          select u, b.type, b.stage, b.rung, b.overdue, b.watched, b.due_day, a, count(*)::int * sign
            from unnest(b.unit_ids) as u cross join unnest(b.assignee_ids) as a group by u, a order by u, a
          on conflict (due_day, unit_id, type, stage, rung, overdue, watched, assignee_id) do update set items = r.items + excluded.items;
        if sign < 0 then
          delete from board_rollup r where r.due_day = b.due_day and r.unit_id = any(array[''] || b.unit_ids) and r.type = b.type
             and r.stage = b.stage and r.rung = b.rung and r.overdue = b.overdue and r.watched = b.watched and r.items = 0;
          delete from board_rollup_assignee r where r.due_day = b.due_day and r.unit_id = any(b.unit_ids) and r.type = b.type
             and r.stage = b.stage and r.rung = b.rung and r.overdue = b.overdue and r.watched = b.watched and r.items = 0;
        end if;
      end
      $fn$;

      create function board_refresh(wf text) returns void language plpgsql as $fn$
      declare
        was board_item;
        now_is board_item;
      begin
        -- One procedure's refreshes one after another: two transactions that both found no row would
        -- both insert it.
        perform pg_advisory_xact_lock(hashtext('board_item:' || wf));
        select * into was from board_item where workflow_id = wf;
        select * into now_is from board_item_expected where workflow_id = wf;
        if was is not distinct from now_is then return; end if;
        if was.workflow_id is not null then
          perform board_apply(was, -1);
          delete from board_item where workflow_id = wf;
        end if;
        if now_is.workflow_id is not null then
          insert into board_item select now_is.*;
          perform board_apply(now_is, 1);
        end if;
      end
      $fn$;

      create function board_touch() returns trigger language plpgsql as $fn$
      begin
        if tg_op = 'INSERT' then
          perform board_refresh(new.workflow_id);
        elsif tg_op = 'DELETE' then
          perform board_refresh(old.workflow_id);
        else
          perform board_refresh(old.workflow_id);
          if new.workflow_id <> old.workflow_id then perform board_refresh(new.workflow_id); end if;
        end if;
        return null;
      end
      $fn$;

      create trigger board_procedure_insert_delete after insert or delete on procedure for each row execute function board_touch();
      create trigger board_procedure_update after update of workflow_id, type, stage, title, unit_ids, status, due_at, overdue, escalation, started_by on procedure
        for each row when ((old.workflow_id, old.type, old.stage, old.title, old.unit_ids, old.status, old.due_at, old.overdue, old.escalation, old.started_by)
          is distinct from (new.workflow_id, new.type, new.stage, new.title, new.unit_ids, new.status, new.due_at, new.overdue, new.escalation, new.started_by))
        execute function board_touch();
      -- Only pending tasks count (whether there is pending work, and who holds it).
      create trigger board_task_insert after insert on task for each row when (new.status = 'pending') execute function board_touch();
      create trigger board_task_delete after delete on task for each row when (old.status = 'pending') execute function board_touch();
      create trigger board_task_update after update of workflow_id, status, assignee_ids on task
        for each row when ((old.status = 'pending' or new.status = 'pending')
          and (old.workflow_id, old.status, old.assignee_ids) is distinct from (new.workflow_id, new.status, new.assignee_ids))
        execute function board_touch();
      create trigger board_watch after insert or delete or update on supervision_watch for each row execute function board_touch();

      create function board_rebuild() returns void language plpgsql as $fn$
      begin
        lock table board_item, board_rollup, board_rollup_assignee in exclusive mode;
        delete from board_rollup_assignee;
        delete from board_rollup;
        delete from board_item;
        insert into board_item select * from board_item_expected;
        insert into board_rollup select * from board_rollup_expected;
        insert into board_rollup_assignee select * from board_rollup_assignee_expected;
      end
      $fn$;

      -- Rows that differ from a recomputation, per table.
      create function board_drift() returns table (kind text, rows bigint) language sql stable as $fn$
        select 'board_item', count(*) from (
          (select * from board_item except all select * from board_item_expected)
          union all (select * from board_item_expected except all select * from board_item)) d
        union all
        select 'board_rollup', count(*) from (
          (select * from board_rollup except all select * from board_rollup_expected)
          union all (select * from board_rollup_expected except all select * from board_rollup)) d
        union all
        select 'board_rollup_assignee', count(*) from (
          (select * from board_rollup_assignee except all select * from board_rollup_assignee_expected)
          union all (select * from board_rollup_assignee_expected except all select * from board_rollup_assignee)) d
      $fn$;

      select board_rebuild();
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop trigger if exists board_procedure_insert_delete on procedure;
      drop trigger if exists board_procedure_update on procedure;
      drop trigger if exists board_task_insert on task;
      drop trigger if exists board_task_delete on task;
      drop trigger if exists board_task_update on task;
      drop trigger if exists board_watch on supervision_watch;
      drop function if exists board_drift(), board_rebuild(), board_touch(), board_refresh(text), board_apply(board_item, integer);
      drop view if exists board_rollup_assignee_expected, board_rollup_expected, board_item_expected;
      drop table if exists board_rollup_assignee, board_rollup, board_item;
    `);
  }
}

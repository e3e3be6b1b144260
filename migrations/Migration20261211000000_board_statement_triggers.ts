import { Migration } from '@mikro-orm/migrations';

const COLS = 'unit_id, type, stage, rung, overdue, watched, due_day';
/** board_compact() every COMPACT_EVERY-th item change, as Migration20261210000000_board_rollup_deltas. */
const COMPACT_EVERY = 256;
/** The procedure's columns board_item_expected reads: a row whose values of these are unchanged changes no item. */
const PROCEDURE_READ = 'workflow_id, type, stage, title, unit_ids, status, due_at, overdue, escalation, started_by';

/**
 * The board's triggers per statement instead of per row (issue 13, for issue 7's fan-out). A batch's
 * children are opened in statements of 250 procedures and 250 tasks (procedures/kernel/fanout.ts,
 * activities/projection.ts), and each row called board_refresh() on its own: 500 calls, each with its
 * advisory lock, its board_item_expected query and two delta inserts. bench/board-contention.ts: 81 such
 * statements in 15 s with the triggers per row against 388 with them off.
 *
 * Now each table has one AFTER ... FOR EACH STATEMENT trigger per event (PostgreSQL allows transition
 * tables only on a trigger with a single event), which collects the workflow ids the statement may have
 * changed from its transition tables and hands them to board_refresh_set() at once: one lock statement,
 * one read of board_item and board_item_expected for all of them, board_item written in one statement, and
 * the statement's deltas in one grouped insert per rollup (signed counts summed per key; a key that comes
 * to nothing, as a crossing's -1 and +1, is left out). A 250-item statement appends a delta row per key it
 * touches instead of 500 trigger calls.
 *
 * Which ids (the per-row triggers' WHEN clauses, as sets): an UPDATE's ids are those of the rows whose
 * read columns differ between the old and the new transition table (EXCEPT ALL both ways, so no key is
 * needed and a changed workflow_id counts both its old and new id); only pending tasks count for tasks.
 * A statement with several data-modifying CTEs on one table, and INSERT ... ON CONFLICT DO UPDATE (the
 * projection's upserts), fire each statement trigger once with every row of the statement (its inserted
 * rows in the INSERT trigger's table, its updated ones in the UPDATE trigger's). An id handed twice (by
 * the procedure's and the task's triggers of one statement) is refreshed twice, and the second finds
 * board_item already equal to board_item_expected: nothing is counted twice.
 *
 * board_refresh(wf) is the set's refresh of one id. board_compact() still runs every COMPACT_EVERY-th item
 * change (the sequence advances by the statement's item changes), so the deltas pending stay as many.
 */
export class Migration20261211000000_board_statement_triggers extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      drop trigger board_procedure_insert_delete on procedure;
      drop trigger board_procedure_update on procedure;
      drop trigger board_task_insert on task;
      drop trigger board_task_delete on task;
      drop trigger board_task_update on task;
      drop trigger board_watch on supervision_watch;
      drop function board_touch();
      drop function board_apply(board_item, integer);

      create function board_refresh_set(wfs text[]) returns void language plpgsql as $fn$
      declare
        changes integer;
        old_item board_item;
        new_item board_item;
      begin
        if cardinality(wfs) = 0 then return; end if;
        if cardinality(wfs) = 1 then
          -- One procedure's action (most statements): a few small statements, as the per-row triggers ran,
          -- cost less than the set's one statement of many nodes (0.2 against 0.4 ms a refresh, most of
          -- them finding no change).
          perform pg_advisory_xact_lock(hashtext('board_item:' || wfs[1]));
          select * into old_item from board_item where workflow_id = wfs[1];
          select * into new_item from board_item_expected where workflow_id = wfs[1];
          if old_item is not distinct from new_item then return; end if;
          if old_item.workflow_id is not null then delete from board_item where workflow_id = wfs[1]; end if;
          if new_item.workflow_id is not null then insert into board_item select new_item.*; end if;
          -- The item's old counts (-1) and new ones (+1), summed per key.
          insert into board_rollup_delta (${COLS}, has_units, items)
            select u, s.type, s.stage, s.rung, s.overdue, s.watched, s.due_day, cardinality(s.unit_ids) > 0, sum(case when s.ordinality = 1 then -1 else 1 end)::int
              from unnest(array[old_item, new_item]) with ordinality as s cross join unnest(array[''] || s.unit_ids) as u
             where s.workflow_id is not null
             group by u, s.type, s.stage, s.rung, s.overdue, s.watched, s.due_day, cardinality(s.unit_ids) > 0
            having sum(case when s.ordinality = 1 then -1 else 1 end) <> 0;
          insert into board_rollup_assignee_delta (${COLS}, assignee_id, items)
            select u, s.type, s.stage, s.rung, s.overdue, s.watched, s.due_day, a, sum(case when s.ordinality = 1 then -1 else 1 end)::int
              from unnest(array[old_item, new_item]) with ordinality as s cross join unnest(s.unit_ids) as u cross join unnest(s.assignee_ids) as a
             where s.workflow_id is not null
             group by u, s.type, s.stage, s.rung, s.overdue, s.watched, s.due_day, a
            having sum(case when s.ordinality = 1 then -1 else 1 end) <> 0;
          changes := (old_item.workflow_id is not null)::int + (new_item.workflow_id is not null)::int;
        else
          -- Each procedure's refreshes one after another (two transactions that both found no row would both
          -- insert it), the locks taken in one order, so two statements over overlapping ids wait in a line.
          perform pg_advisory_xact_lock(h) from (select distinct hashtext('board_item:' || w) as h from unnest(wfs) as w order by 1) l;
          -- One statement: its CTEs read board_item as it was before any of them writes.
          with was as (select * from board_item where workflow_id = any(wfs)),
          now_is as (select * from board_item_expected where workflow_id = any(wfs)),
          gone as (select * from was except all select * from now_is),
          came as (select * from now_is except all select * from was),
          dropped as (delete from board_item b where b.workflow_id = any(array(select workflow_id from gone except select workflow_id from came))),
          -- An item that changes is replaced in place: a delete and an insert of one key in one statement would collide.
          kept as (
            insert into board_item as b select * from came
            on conflict (workflow_id) do update set type = excluded.type, stage = excluded.stage, title = excluded.title, unit_ids = excluded.unit_ids,
              due_at = excluded.due_at, due_day = excluded.due_day, overdue = excluded.overdue, rung = excluded.rung, watched = excluded.watched,
              started_by = excluded.started_by, assignee_ids = excluded.assignee_ids),
          signed as (select g.*, -1 as sign from gone g union all select c.*, 1 from came c),
          totals as (
            insert into board_rollup_delta (${COLS}, has_units, items)
            select u, s.type, s.stage, s.rung, s.overdue, s.watched, s.due_day, cardinality(s.unit_ids) > 0, sum(s.sign)::int
              from signed s cross join unnest(array[''] || s.unit_ids) as u
             group by u, s.type, s.stage, s.rung, s.overdue, s.watched, s.due_day, cardinality(s.unit_ids) > 0
            having sum(s.sign) <> 0),
          assignees as (
            insert into board_rollup_assignee_delta (${COLS}, assignee_id, items)
            select u, s.type, s.stage, s.rung, s.overdue, s.watched, s.due_day, a, sum(s.sign)::int
              from signed s cross join unnest(s.unit_ids) as u cross join unnest(s.assignee_ids) as a
             group by u, s.type, s.stage, s.rung, s.overdue, s.watched, s.due_day, a
            having sum(s.sign) <> 0)
          select count(*) into changes from signed;
        end if;
        -- A turn per item change, as the per-row triggers took one per board_apply(); nextval never waits.
        if changes > 0 and (select bool_or(nextval('board_compact_turn') % ${COMPACT_EVERY} = 0) from generate_series(1, changes)) then
          perform board_compact();
        end if;
      end
      $fn$;

      create or replace function board_refresh(wf text) returns void language sql as $fn$ select board_refresh_set(array[wf]) $fn$;

      create function board_procedure_changed() returns trigger language plpgsql as $fn$
      begin
        if tg_op = 'INSERT' then
          perform board_refresh_set(array(select workflow_id from new_rows));
        elsif tg_op = 'DELETE' then
          perform board_refresh_set(array(select workflow_id from old_rows));
        else
          perform board_refresh_set(array(select distinct workflow_id from (
            (select ${PROCEDURE_READ} from old_rows except all select ${PROCEDURE_READ} from new_rows)
            union all (select ${PROCEDURE_READ} from new_rows except all select ${PROCEDURE_READ} from old_rows)) d));
        end if;
        return null;
      end
      $fn$;

      -- Only pending tasks count (whether there is pending work, and who holds it).
      create function board_task_changed() returns trigger language plpgsql as $fn$
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

      create function board_watch_changed() returns trigger language plpgsql as $fn$
      begin
        if tg_op = 'INSERT' then
          perform board_refresh_set(array(select workflow_id from new_rows));
        elsif tg_op = 'DELETE' then
          perform board_refresh_set(array(select workflow_id from old_rows));
        else
          perform board_refresh_set(array(select workflow_id from old_rows union select workflow_id from new_rows));
        end if;
        return null;
      end
      $fn$;

      create trigger board_procedure_insert after insert on procedure referencing new table as new_rows for each statement execute function board_procedure_changed();
      create trigger board_procedure_update after update on procedure referencing old table as old_rows new table as new_rows for each statement execute function board_procedure_changed();
      create trigger board_procedure_delete after delete on procedure referencing old table as old_rows for each statement execute function board_procedure_changed();
      create trigger board_task_insert after insert on task referencing new table as new_rows for each statement execute function board_task_changed();
      create trigger board_task_update after update on task referencing old table as old_rows new table as new_rows for each statement execute function board_task_changed();
      create trigger board_task_delete after delete on task referencing old table as old_rows for each statement execute function board_task_changed();
      create trigger board_watch_insert after insert on supervision_watch referencing new table as new_rows for each statement execute function board_watch_changed();
      create trigger board_watch_update after update on supervision_watch referencing old table as old_rows new table as new_rows for each statement execute function board_watch_changed();
      create trigger board_watch_delete after delete on supervision_watch referencing old table as old_rows for each statement execute function board_watch_changed();
    `);
  }

  override async down(): Promise<void> {
    // The per-row triggers of Migration20261209000000_board_rollup, with board_apply() as
    // Migration20261210000000_board_rollup_deltas left it (deltas).
    this.addSql(`
      drop trigger board_procedure_insert on procedure;
      drop trigger board_procedure_update on procedure;
      drop trigger board_procedure_delete on procedure;
      drop trigger board_task_insert on task;
      drop trigger board_task_update on task;
      drop trigger board_task_delete on task;
      drop trigger board_watch_insert on supervision_watch;
      drop trigger board_watch_update on supervision_watch;
      drop trigger board_watch_delete on supervision_watch;
      drop function board_procedure_changed(), board_task_changed(), board_watch_changed();

      create function board_apply(b board_item, sign integer) returns void language plpgsql as $fn$
      begin
        insert into board_rollup_delta (${COLS}, has_units, items)
          select u, b.type, b.stage, b.rung, b.overdue, b.watched, b.due_day, cardinality(b.unit_ids) > 0, count(*)::int * sign
            from unnest(array[''] || b.unit_ids) as u group by u;
        insert into board_rollup_assignee_delta (${COLS}, assignee_id, items)
          select u, b.type, b.stage, b.rung, b.overdue, b.watched, b.due_day, a, count(*)::int * sign
            from unnest(b.unit_ids) as u cross join unnest(b.assignee_ids) as a group by u, a;
        if nextval('board_compact_turn') % ${COMPACT_EVERY} = 0 then perform board_compact(); end if;
      end
      $fn$;

      drop function board_refresh(text);
      create function board_refresh(wf text) returns void language plpgsql as $fn$
      declare
        was board_item;
        now_is board_item;
      begin
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
      drop function board_refresh_set(text[]);

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
      create trigger board_procedure_update after update of ${PROCEDURE_READ} on procedure
        for each row when ((old.workflow_id, old.type, old.stage, old.title, old.unit_ids, old.status, old.due_at, old.overdue, old.escalation, old.started_by)
          is distinct from (new.workflow_id, new.type, new.stage, new.title, new.unit_ids, new.status, new.due_at, new.overdue, new.escalation, new.started_by))
        execute function board_touch();
      create trigger board_task_insert after insert on task for each row when (new.status = 'pending') execute function board_touch();
      create trigger board_task_delete after delete on task for each row when (old.status = 'pending') execute function board_touch();
      create trigger board_task_update after update of workflow_id, status, assignee_ids on task
        for each row when ((old.status = 'pending' or new.status = 'pending')
          and (old.workflow_id, old.status, old.assignee_ids) is distinct from (new.workflow_id, new.status, new.assignee_ids))
        execute function board_touch();
      create trigger board_watch after insert or delete or update on supervision_watch for each row execute function board_touch();
    `);
  }
}

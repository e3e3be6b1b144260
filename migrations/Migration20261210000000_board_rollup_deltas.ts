import { Migration } from '@mikro-orm/migrations';

const KEY = 'due_day, unit_id, type, stage, rung, overdue, watched';
const COLS = 'unit_id, type, stage, rung, overdue, watched, due_day';

/**
 * The board's rollups without a hot row (issue 13). Migration20261209000000_board_rollup kept them by
 * upserting counts in the projection's transaction: every item of a feedback shares its (type, stage, due
 * day) rows, so concurrent writes queued on their row locks until commit, and two writes crossing (an item
 * moving from day A to B while another moved from B to A: -1 on its old key, then +1 on its new one) locked
 * the same rows in opposite orders and deadlocked. bench/board-contention.ts (16 clients over 2,000 items,
 * two of them opening 250-item fan-outs; load average 9 to 18): 0.3 transactions a second and 24 deadlocks
 * in a 15 s run, every client waiting on a row lock at every sample; 700 a second with the triggers off.
 * With the deltas: about 400 a second, no deadlock, no lock wait, no drift.
 *
 * Now the triggers only append signed deltas to insert-only tables, which no two writers can lock against
 * each other (the usual counter-table-with-deltas design). The rollups the board reads are views that sum
 * the compacted base rows and the pending deltas, per key, leaving out keys that add up to nothing; their
 * names and columns are the tables' old ones, so platform/board.ts and board_drift() read them unchanged.
 * board_compact() folds the deltas into the base rows. The triggers call it every COMPACT_EVERY-th delta
 * batch (a sequence, so no lock), and it runs only where no other compaction is running (an advisory try
 * lock), so the base rows have one writer at a time and no writer waits for it. Its transaction is the one
 * that happens to hold the turn: the base rows' locks are held until that commits, but nobody else takes
 * them (board_rebuild() waits for it, as for any write).
 */
const COMPACT_EVERY = 256;

export class Migration20261210000000_board_rollup_deltas extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table board_rollup rename to board_rollup_base;
      alter table board_rollup_assignee rename to board_rollup_assignee_base;
      -- The base rows that came to nothing after a compaction, found without reading the rest.
      create index board_rollup_base_zero_idx on board_rollup_base (due_day) where items = 0;
      create index board_rollup_assignee_base_zero_idx on board_rollup_assignee_base (due_day) where items = 0;

      create table board_rollup_delta (like board_rollup_base);
      create table board_rollup_assignee_delta (like board_rollup_assignee_base);
      create sequence board_compact_turn;

      create view board_rollup as
        select ${COLS}, has_units, sum(items)::int as items
          from (select ${COLS}, has_units, items from board_rollup_base
                union all select ${COLS}, has_units, items from board_rollup_delta) r
         group by ${KEY}, has_units
        having sum(items) <> 0;
      create view board_rollup_assignee as
        select ${COLS}, assignee_id, sum(items)::int as items
          from (select ${COLS}, assignee_id, items from board_rollup_assignee_base
                union all select ${COLS}, assignee_id, items from board_rollup_assignee_delta) r
         group by ${KEY}, assignee_id
        having sum(items) <> 0;

      create function board_compact() returns void language plpgsql as $fn$
      begin
        -- One compaction at a time; a transaction that finds one running leaves the deltas to the next.
        if not pg_try_advisory_xact_lock(hashtext('board_compact')) then return; end if;
        -- The deltas committed by now (and this transaction's own) go; those committed later stay for the next.
        with moved as (delete from board_rollup_delta returning *)
        insert into board_rollup_base as r (${COLS}, has_units, items)
          select ${COLS}, has_units, sum(items)::int from moved group by ${KEY}, has_units
          on conflict (${KEY}, has_units) do update set items = r.items + excluded.items;
        with moved as (delete from board_rollup_assignee_delta returning *)
        insert into board_rollup_assignee_base as r (${COLS}, assignee_id, items)
          select ${COLS}, assignee_id, sum(items)::int from moved group by ${KEY}, assignee_id
          on conflict (${KEY}, assignee_id) do update set items = r.items + excluded.items;
        delete from board_rollup_base where items = 0;
        delete from board_rollup_assignee_base where items = 0;
      end
      $fn$;

      -- Adds (sign 1) or takes away (-1) one item's counts, as deltas: plain inserts, no row of anyone else's.
      create or replace function board_apply(b board_item, sign integer) returns void language plpgsql as $fn$
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

      create or replace function board_rebuild() returns void language plpgsql as $fn$
      begin
        lock table board_item, board_rollup_base, board_rollup_assignee_base, board_rollup_delta, board_rollup_assignee_delta in exclusive mode;
        delete from board_rollup_assignee_delta;
        delete from board_rollup_delta;
        delete from board_rollup_assignee_base;
        delete from board_rollup_base;
        delete from board_item;
        insert into board_item select * from board_item_expected;
        insert into board_rollup_base select * from board_rollup_expected;
        insert into board_rollup_assignee_base select * from board_rollup_assignee_expected;
      end
      $fn$;
    `);
  }

  override async down(): Promise<void> {
    // The tables and functions of Migration20261209000000_board_rollup again, recomputed.
    this.addSql(`
      drop view board_rollup, board_rollup_assignee;
      drop function board_compact();
      drop table board_rollup_delta, board_rollup_assignee_delta;
      drop sequence board_compact_turn;
      drop index board_rollup_base_zero_idx, board_rollup_assignee_base_zero_idx;
      alter table board_rollup_base rename to board_rollup;
      alter table board_rollup_assignee_base rename to board_rollup_assignee;

      create or replace function board_apply(b board_item, sign integer) returns void language plpgsql as $fn$
      begin
        insert into board_rollup as r (${COLS}, has_units, items)
          select u, b.type, b.stage, b.rung, b.overdue, b.watched, b.due_day, cardinality(b.unit_ids) > 0, count(*)::int * sign
            from unnest(array[''] || b.unit_ids) as u group by u order by u
          on conflict (${KEY}, has_units) do update set items = r.items + excluded.items;
        insert into board_rollup_assignee as r (${COLS}, assignee_id, items)
          select u, b.type, b.stage, b.rung, b.overdue, b.watched, b.due_day, a, count(*)::int * sign
            from unnest(b.unit_ids) as u cross join unnest(b.assignee_ids) as a group by u, a order by u, a
          on conflict (${KEY}, assignee_id) do update set items = r.items + excluded.items;
        if sign < 0 then
          delete from board_rollup r where r.due_day = b.due_day and r.unit_id = any(array[''] || b.unit_ids) and r.type = b.type
             and r.stage = b.stage and r.rung = b.rung and r.overdue = b.overdue and r.watched = b.watched and r.items = 0;
          delete from board_rollup_assignee r where r.due_day = b.due_day and r.unit_id = any(b.unit_ids) and r.type = b.type
             and r.stage = b.stage and r.rung = b.rung and r.overdue = b.overdue and r.watched = b.watched and r.items = 0;
        end if;
      end
      $fn$;

      create or replace function board_rebuild() returns void language plpgsql as $fn$
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

      select board_rebuild();
    `);
  }
}

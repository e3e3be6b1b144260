import { Migration } from '@mikro-orm/migrations';

/** The procedure's columns board_item_expected reads, as Migration20261211000000_board_statement_triggers. */
const PROCEDURE_READ = 'workflow_id, type, stage, title, unit_ids, status, due_at, overdue, escalation, started_by';

/** board_item_expected as Migration20261212000000_board_open_deadline left it, with an optional type filter. */
const itemExpected = (typeFilter: string): string => `
  create or replace view board_item_expected as
    select p.workflow_id, p.type, p.stage, p.title, p.unit_ids, d.due_at,
           ((d.due_at at time zone 'UTC') + interval '8 hours')::date as due_day,
           p.overdue, coalesce(p.escalation->>'rung', 'none') as rung,
           exists (select 1 from supervision_watch w where w.workflow_id = p.workflow_id) as watched,
           p.started_by,
           array(select distinct a from task t cross join lateral unnest(t.assignee_ids) as a
                  where t.workflow_id = p.workflow_id and t.status = 'pending' order by a) as assignee_ids
      from procedure p cross join lateral (select procedure_open_due(p.workflow_id, p.due_at) as due_at) d
     where p.status = 'open' and d.due_at is not null${typeFilter}
       and exists (select 1 from task t where t.workflow_id = p.workflow_id and t.status = 'pending');`;

/**
 * The board holds only the types whose work falls overdue (the descriptors' `overdue` capability, issue 13),
 * and the projection's statements of every other type no longer pay for its triggers (issue 7).
 *
 * Before, every action's projection statement ran the board's triggers for its procedure and its tasks:
 * three refreshes of one id, each an advisory lock and a read of board_item and board_item_expected, even for
 * a 通用审批 or a cadre selection, which never reach the board. In the side-by-side bench that was about a
 * third of PostgreSQL's CPU per procedure (9.3–11.7 ms with the triggers off against 14.0–17.9 with them).
 *
 * board_type lists the board's types. It is not written here but from the registry
 * (procedures/registry.ts `boardTypes`), by platform/orm.ts `migrate()` after every migration run, through
 * board_types_set(), which rebuilds the board when the set changed: the rule lives in the descriptors once.
 * board_item_expected shows only those types, and the procedure and task triggers call board_refresh_set()
 * only with ids of those types (a task's row carries its procedure's type), and not at all for a statement
 * that has none, so the incremental board and its recomputation (board_drift) keep agreeing. platform/board.ts reads the projection with the same filter.
 */
export class Migration20261213000000_board_types extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table board_type (type text primary key);

      create function board_types_set(types text[]) returns boolean language plpgsql as $fn$
      begin
        -- Two processes starting at once write the set one after the other.
        perform pg_advisory_xact_lock(hashtext('board_type'));
        if array(select type from board_type order by 1) = array(select distinct t from unnest(types) as t order by 1) then
          return false;
        end if;
        delete from board_type;
        insert into board_type select distinct t from unnest(types) as t;
        perform board_rebuild();
        return true;
      end
      $fn$;

      ${itemExpected(`\n       and p.type in (select type from board_type)`)}

      -- A statement that changes nothing on the board (any other type's) does not call board_refresh_set at all.
      create or replace function board_procedure_changed() returns trigger language plpgsql as $fn$
      declare
        ids text[];
      begin
        if tg_op = 'INSERT' then
          ids := array(select workflow_id from new_rows where type in (select type from board_type));
        elsif tg_op = 'DELETE' then
          ids := array(select workflow_id from old_rows where type in (select type from board_type));
        else
          ids := array(select distinct workflow_id from (
            (select ${PROCEDURE_READ} from old_rows except all select ${PROCEDURE_READ} from new_rows)
            union all (select ${PROCEDURE_READ} from new_rows except all select ${PROCEDURE_READ} from old_rows)) d
            where d.type in (select type from board_type));
        end if;
        if cardinality(ids) > 0 then perform board_refresh_set(ids); end if;
        return null;
      end
      $fn$;

      create or replace function board_task_changed() returns trigger language plpgsql as $fn$
      declare
        ids text[];
      begin
        -- A task's row carries its procedure's type.
        if tg_op = 'INSERT' then
          ids := array(select distinct workflow_id from new_rows where status = 'pending' and procedure_type in (select type from board_type));
        elsif tg_op = 'DELETE' then
          ids := array(select distinct workflow_id from old_rows where status = 'pending' and procedure_type in (select type from board_type));
        else
          ids := array(select distinct workflow_id from (
            (select workflow_id, assignee_ids, due_at from old_rows where status = 'pending' and procedure_type in (select type from board_type)
             except all select workflow_id, assignee_ids, due_at from new_rows where status = 'pending')
            union all (select workflow_id, assignee_ids, due_at from new_rows where status = 'pending' and procedure_type in (select type from board_type)
             except all select workflow_id, assignee_ids, due_at from old_rows where status = 'pending')) d);
        end if;
        if cardinality(ids) > 0 then perform board_refresh_set(ids); end if;
        return null;
      end
      $fn$;

      select board_rebuild();
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      ${itemExpected('')}

      create or replace function board_procedure_changed() returns trigger language plpgsql as $fn$
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

      drop function board_types_set(text[]);
      drop table board_type;
      select board_rebuild();
    `);
  }
}

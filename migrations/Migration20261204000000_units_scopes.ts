import { Migration } from '@mikro-orm/migrations';

/**
 * Roles, units and scopes (issue 10 §3). Units form a tree: a city (市) and its counties (县) are units of
 * kind city/county, and the working units (组织部, 教育局, …) hang under them through parent_id. A user sees
 * what belongs to their own unit, to the subtrees of their explicit scopes (scope_unit_ids), and, when their
 * unit is an organization department (组织部, kind department), to the subtree of the city or county it
 * belongs to. user_scope_units(user) computes that set in SQL, so a list filters in one statement.
 *
 * Disabled users (disabled_at) keep their rows, because actions and audit entries name them.
 * admin_audit records every change the administration API makes; person_read records every read of a
 * person's (干部) record.
 *
 * A database with units from before gets a city above all of them, so its organization department keeps
 * seeing what it saw (every unit).
 */
export class Migration20261204000000_units_scopes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table unit drop constraint if exists unit_kind_check;
      alter table unit add constraint unit_kind_check check (kind in ('city', 'county', 'unit', 'department', 'office'));
      alter table unit add column parent_id text null references unit(id);
      alter table unit add constraint unit_parent_not_self check (parent_id is null or parent_id <> id);
      create index unit_parent_idx on unit (parent_id);

      alter table app_user add column scope_unit_ids text[] not null default '{}', add column disabled_at timestamptz null;

      create table admin_audit (
        id bigserial primary key,
        at timestamptz not null default now(),
        actor_id text not null,
        action text not null,
        target_kind text not null check (target_kind in ('user', 'unit')),
        target_id text not null,
        data jsonb null
      );
      create index admin_audit_target_idx on admin_audit (target_kind, target_id, id);

      create table person_read (
        id bigserial primary key,
        at timestamptz not null default now(),
        user_id text not null,
        person_id text not null,
        route text not null
      );
      create index person_read_person_idx on person_read (person_id, id);

      create function user_scope_units(uid text) returns setof text language sql stable as $fn$
        with recursive roots(id) as (
          select unnest(scope_unit_ids) from app_user where id = uid
          union
          select u.parent_id from app_user a join unit u on u.id = a.unit_id
          where a.id = uid and u.kind = 'department' and u.parent_id is not null
        ), tree(id) as (
          select id from roots
          union
          select c.id from unit c join tree t on c.parent_id = t.id
        )
        select id from tree
        union
        select unit_id from app_user where id = uid
      $fn$;

      insert into unit (id, name, kind, head_user_id)
        select 'city', '市', 'city', null
        where exists (select 1 from unit) and not exists (select 1 from unit where id = 'city' or kind in ('city', 'county'));
      update unit set parent_id = 'city'
        where id <> 'city' and parent_id is null and exists (select 1 from unit where id = 'city' and kind = 'city');
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop function if exists user_scope_units(text);
      drop table if exists person_read, admin_audit;
      alter table app_user drop column if exists scope_unit_ids, drop column if exists disabled_at;
      alter table unit drop column if exists parent_id;
      delete from unit where kind in ('city', 'county') and not exists (select 1 from app_user where unit_id = unit.id);
      alter table unit drop constraint if exists unit_kind_check;
      alter table unit add constraint unit_kind_check check (kind in ('unit', 'department', 'office'));
    `);
  }
}

/**
 * Many units at once, for fan-outs over hundreds or thousands of them (tests and bench/side-by-side.ts): each
 * unit `<prefix>NNNNN` under the demo city, with a staff user `<unit>-staff` and a head `<unit>-head`, who
 * sign in with zzb-staff's password.
 */
import type { EntityManager } from '@mikro-orm/postgresql';

export async function insertUnits(em: EntityManager, prefix: string, n: number): Promise<string[]> {
  const conn = em.getConnection();
  // Under the demo city, so the starter (市委组织部) has them in scope (api/authz.ts).
  await conn.execute(
    `insert into unit (id, name, kind, head_user_id, parent_id)
     select ? || lpad(g::text, 5, '0'), '扇出单位 ' || g, 'unit', ? || lpad(g::text, 5, '0') || '-head', 'city' from generate_series(1, ?::int) g`,
    [prefix, prefix, n],
  );
  await conn.execute(
    `insert into app_user (id, username, display_name, unit_id, roles, password_hash, created_at)
     select u.id || '-' || r.k, u.id || '-' || r.k, '扇出 ' || r.k || ' ' || u.id, u.id, array[r.role]::text[],
            (select password_hash from app_user where id = 'zzb-staff'), now()
     from unit u cross join (values ('staff', 'staff'), ('head', 'approver')) as r (k, role)
     where starts_with(u.id, ?)`,
    [prefix],
  );
  return Array.from({ length: n }, (_, g) => `${prefix}${String(g + 1).padStart(5, '0')}`);
}

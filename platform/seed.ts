/**
 * Demo master data for an empty database: a city with its units and one county (a tree, api/authz.ts),
 * and users in the roles staff, approver, supervisor, reviewer, calendarAdmin and admin.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { hashPassword } from '../api/auth';
import { AppUserSchema, UnitSchema, type Unit } from './entities';
import { seedDemoPeople } from './seed-people';
import type { Role } from '../procedures/kernel/messages';

export const DEMO_PASSWORD = 'tingjin2026';

/** Parents before children (the foreign key). 市委组织部 sees the city; 县委组织部 sees its county. */
export const DEMO_UNITS: Unit[] = [
  { id: 'city', name: '市', kind: 'city', headUserId: null, parentId: null },
  { id: 'zzb', name: '市委组织部', kind: 'department', headUserId: 'zzb-head', parentId: 'city' },
  { id: 'xcb', name: '市委巡察办', kind: 'office', headUserId: 'xcb-director', parentId: 'city' },
  { id: 'jyj', name: '市教育局', kind: 'unit', headUserId: 'jyj-head', parentId: 'city' },
  { id: 'wjw', name: '市卫生健康委员会', kind: 'unit', headUserId: 'wjw-head', parentId: 'city' },
  { id: 'qx', name: '青溪县', kind: 'county', headUserId: null, parentId: 'city' },
  { id: 'qx-zzb', name: '青溪县委组织部', kind: 'department', headUserId: null, parentId: 'qx' },
  { id: 'qx-jyj', name: '青溪县教育局', kind: 'unit', headUserId: null, parentId: 'qx' },
];

export const DEMO_USERS: { id: string; displayName: string; unitId: string; roles: Role[]; scopeUnitIds?: string[] }[] = [
  { id: 'zzb-staff', displayName: '组织部经办人 王敏', unitId: 'zzb', roles: ['staff'] },
  { id: 'zzb-head', displayName: '组织部部长 李强', unitId: 'zzb', roles: ['approver'] },
  { id: 'dc-supervisor', displayName: '督查专员 赵峰', unitId: 'zzb', roles: ['supervisor'] },
  { id: 'xcb-reviewer', displayName: '巡察办审核员 陈静', unitId: 'xcb', roles: ['reviewer'] },
  { id: 'xcb-director', displayName: '巡察办主任 刘洋', unitId: 'xcb', roles: ['approver'] },
  { id: 'jyj-staff', displayName: '教育局经办人 孙丽', unitId: 'jyj', roles: ['staff'] },
  { id: 'jyj-head', displayName: '教育局局长 周涛', unitId: 'jyj', roles: ['approver'] },
  { id: 'wjw-staff', displayName: '卫健委经办人 吴芳', unitId: 'wjw', roles: ['staff'] },
  { id: 'wjw-head', displayName: '卫健委主任 郑伟', unitId: 'wjw', roles: ['approver'] },
  { id: 'qx-zzb-staff', displayName: '青溪县委组织部经办人 林晓', unitId: 'qx-zzb', roles: ['staff'] },
  { id: 'qx-jyj-staff', displayName: '青溪县教育局经办人 何平', unitId: 'qx-jyj', roles: ['staff'] },
  // Master data and accounts: their unit is the city itself, so they see no unit's procedures or cadres.
  { id: 'calendar-admin', displayName: '日历管理员 钱进', unitId: 'city', roles: ['calendarAdmin'] },
  { id: 'admin', displayName: '系统管理员 冯远', unitId: 'city', roles: ['admin'] },
];

/** Seeds only an empty database, so it never overwrites real master data. Returns whether it seeded. */
export async function seedDemoData(orm: MikroORM): Promise<boolean> {
  const em = orm.em.fork();
  if ((await em.count(UnitSchema, {})) > 0) return false;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  await em.transactional(async (tx) => {
    for (const u of DEMO_UNITS) tx.create(UnitSchema, u);
    // The entities declare no relations, so units are flushed before the users that reference them.
    await tx.flush();
    for (const u of DEMO_USERS) {
      tx.create(AppUserSchema, { ...u, scopeUnitIds: u.scopeUnitIds ?? [], username: u.id, passwordHash, createdAt: new Date(), disabledAt: null });
    }
  });
  await seedDemoPeople(orm);
  return true;
}

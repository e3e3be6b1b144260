/** Demo master data for an empty database: units, and users in the roles staff, approver, supervisor. */
import type { MikroORM } from '@mikro-orm/postgresql';
import { hashPassword } from '../api/auth';
import { AppUserSchema, UnitSchema, type Unit } from './entities';
import { seedDemoPeople } from './seed-people';
import type { Role } from '../procedures/kernel/messages';

export const DEMO_PASSWORD = 'tingjin2026';

export const DEMO_UNITS: Unit[] = [
  { id: 'zzb', name: '市委组织部', kind: 'department', headUserId: 'zzb-head' },
  { id: 'xcb', name: '市委巡察办', kind: 'office', headUserId: 'xcb-director' },
  { id: 'jyj', name: '市教育局', kind: 'unit', headUserId: 'jyj-head' },
  { id: 'wjw', name: '市卫生健康委员会', kind: 'unit', headUserId: 'wjw-head' },
];

export const DEMO_USERS: { id: string; displayName: string; unitId: string; roles: Role[] }[] = [
  { id: 'zzb-staff', displayName: '组织部经办人 王敏', unitId: 'zzb', roles: ['staff'] },
  { id: 'zzb-head', displayName: '组织部部长 李强', unitId: 'zzb', roles: ['approver'] },
  { id: 'dc-supervisor', displayName: '督查专员 赵峰', unitId: 'zzb', roles: ['supervisor'] },
  { id: 'xcb-reviewer', displayName: '巡察办审核员 陈静', unitId: 'xcb', roles: ['reviewer'] },
  { id: 'xcb-director', displayName: '巡察办主任 刘洋', unitId: 'xcb', roles: ['approver'] },
  { id: 'jyj-staff', displayName: '教育局经办人 孙丽', unitId: 'jyj', roles: ['staff'] },
  { id: 'jyj-head', displayName: '教育局局长 周涛', unitId: 'jyj', roles: ['approver'] },
  { id: 'wjw-staff', displayName: '卫健委经办人 吴芳', unitId: 'wjw', roles: ['staff'] },
  { id: 'wjw-head', displayName: '卫健委主任 郑伟', unitId: 'wjw', roles: ['approver'] },
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
    for (const u of DEMO_USERS) tx.create(AppUserSchema, { ...u, username: u.id, passwordHash, createdAt: new Date() });
  });
  await seedDemoPeople(orm);
  return true;
}

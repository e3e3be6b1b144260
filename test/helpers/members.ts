/**
 * Extra master data for tests that need more people than the demo seed, e.g. a 9-member committee
 * for votes (票决). Written straight into the test file's own database.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { hashPassword } from '../../api/auth';
import { AppUserSchema, UnitSchema } from '../../platform/entities';
import { DEMO_PASSWORD } from '../../platform/seed';

/**
 * A unit with `n` approvers `<prefix>-1` … `<prefix>-n` (the first is its head); they log in with the
 * demo password. Returns their ids, in the order the assignee rule resolves them (by id).
 */
export async function addCommittee(orm: MikroORM, unitId: string, prefix: string, n: number): Promise<string[]> {
  const em = orm.em.fork();
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
  await em.transactional(async (tx) => {
    tx.create(UnitSchema, { id: unitId, name: `测试单位 ${unitId}`, kind: 'unit', headUserId: ids[0] ?? null });
    await tx.flush();
    for (const id of ids) {
      tx.create(AppUserSchema, { id, username: id, displayName: `委员 ${id}`, unitId, roles: ['approver'], passwordHash, createdAt: new Date() });
    }
  });
  return [...ids].sort();
}

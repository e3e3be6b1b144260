/**
 * Extra master data for tests that need more people than the demo seed, e.g. a 9-member committee
 * for votes (票决). Written straight into the test file's own database.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { hashPassword } from '../../api/auth';
import { AppUserSchema, PersonSchema, UnitSchema, type Person } from '../../platform/entities';
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
    // Under the demo city, so the organization department's staff (zzb-staff) have it in scope (api/authz.ts).
    tx.create(UnitSchema, { id: unitId, name: `测试单位 ${unitId}`, kind: 'unit', headUserId: ids[0] ?? null, parentId: 'city' });
    await tx.flush();
    for (const id of ids) {
      tx.create(AppUserSchema, { id, username: id, displayName: `委员 ${id}`, unitId, roles: ['approver'], passwordHash, createdAt: new Date() });
    }
  });
  return [...ids].sort();
}

/** A cadre in the test database: a 副处 of 市教育局 with an ordinary record, changed by `overrides`. */
export async function addPeople(orm: MikroORM, people: ({ id: string; name: string } & Partial<Omit<Person, 'createdAt' | 'updatedAt'>>)[]): Promise<void> {
  const em = orm.em.fork();
  for (const p of people) {
    const gradeSince = p.gradeSince ?? '2021-03-01';
    em.create(PersonSchema, {
      gender: null,
      birthDate: '1980-01-01',
      unitId: 'jyj',
      currentPost: null,
      currentGrade: 'deputyDivision',
      workStartDate: '2003-07-01',
      grassrootsYears: 6,
      education: 'bachelor',
      partyJoinDate: '2002-06-01',
      lastPromotionDate: gradeSince,
      lastPromotionOutOfTurn: false,
      ...p,
      gradeSince,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
  }
  await em.flush();
}

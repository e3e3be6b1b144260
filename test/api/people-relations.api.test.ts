/**
 * A person's relations on their record (issue 11, 回避): GET /people/:id lists the relations person_relation holds,
 * whichever way round each pair was recorded, with the relative's number and name for a reader who may read the
 * relative's record too (each such read logged in person_read); others see the relation redacted, and a reader who
 * may not read the person gets the 404 of an unknown one, naming nobody.
 */
import { newKey, useApiStack } from '../helpers/api';
import { addPeople } from '../helpers/members';

const stack = useApiStack(async (env) => {
  await addPeople(env.orm, [
    // PR01 (市教育局) is read; PR02, also 市教育局, is PR01's spouse; PR03, of 市卫生健康委员会, a direct blood relative.
    // jyj-head's account is PR01's own record, so PR01 reads themself.
    { id: 'PR01', name: '王一', unitId: 'jyj', userId: 'jyj-head' },
    { id: 'PR02', name: '王二', unitId: 'jyj' },
    { id: 'PR03', name: '李三', unitId: 'wjw' },
  ]);
});

type Relation = { relation: string; relationName: string; personId: string | null; name: string | null; redacted: boolean };

async function read(user: string, id: string) {
  return stack.h.call('GET', `/people/${id}`, { token: await stack.h.login(user) });
}
/** The people `user` is logged as having read through GET /people/:id. */
async function logged(user: string): Promise<string[]> {
  const rows = await stack.t.orm.em.fork().execute<{ person_id: string }[]>(`select distinct person_id from person_read where user_id = ? and route = '/people/:id' order by 1`, [user]);
  return rows.map((r) => r.person_id);
}

beforeAll(async () => {
  // Recorded both ways round: PR01–PR02 with PR01 first, PR03–PR01 with PR03 first.
  const r = await stack.h.call('PUT', '/selection/relations', {
    token: await stack.h.login('zzb-staff'),
    key: newKey(),
    body: { relations: [{ personId: 'PR01', relativeId: 'PR02', relation: 'spouse' }, { personId: 'PR03', relativeId: 'PR01', relation: 'directBlood' }] },
  });
  expect(r.body).toEqual({ recorded: 2 });
});

describe('GET /people/:id carries the person’s relations', () => {
  test('组织部 staff see every relation, recorded either way round, with the relative’s number and name; each relative’s read is logged', async () => {
    const r = await read('zzb-staff', 'PR01');
    expect(r.status).toBe(200);
    expect(r.body.relations as Relation[]).toEqual([
      { relation: 'spouse', relationName: '配偶', personId: 'PR02', name: '王二', redacted: false },
      { relation: 'directBlood', relationName: '直系血亲', personId: 'PR03', name: '李三', redacted: false },
    ]);
    // From the other side, the same pair.
    expect((await read('zzb-staff', 'PR03')).body.relations).toEqual([{ relation: 'directBlood', relationName: '直系血亲', personId: 'PR01', name: '王一', redacted: false }]);
    expect(await logged('zzb-staff')).toEqual(['PR01', 'PR02', 'PR03']);
  });

  test('a unit’s staff see the relatives they may read; a relative in another unit is redacted, named nowhere in the answer, not logged', async () => {
    const r = await read('jyj-staff', 'PR01');
    expect(r.status).toBe(200);
    expect(r.body.relations as Relation[]).toEqual([
      { relation: 'spouse', relationName: '配偶', personId: 'PR02', name: '王二', redacted: false },
      { relation: 'directBlood', relationName: '直系血亲', personId: null, name: null, redacted: true },
    ]);
    expect(JSON.stringify(r.body)).not.toMatch(/PR03|李三/);
    expect(await logged('jyj-staff')).toEqual(['PR01', 'PR02']);
  });

  test('staff of another unit, who may not read the person, get the 404 of an unknown person: no relation, no relative, no read logged', async () => {
    const r = await read('wjw-staff', 'PR01');
    expect(r.body).toMatchObject({ status: 404, code: 'person_not_found' });
    expect(JSON.stringify(r.body)).not.toMatch(/PR02|PR03|王|李三|spouse|directBlood|配偶|血亲|relations/);
    // Their own unit's PR03: the relation to PR01, whom they may not read, redacted.
    const own = await read('wjw-staff', 'PR03');
    expect(own.body.relations).toEqual([{ relation: 'directBlood', relationName: '直系血亲', personId: null, name: null, redacted: true }]);
    expect(JSON.stringify(own.body)).not.toMatch(/PR01|王一/);
    expect(await logged('wjw-staff')).toEqual(['PR03']);
  });

  test('a person reading their own record sees their relations, the relatives redacted (their records are not theirs to read)', async () => {
    const r = await read('jyj-head', 'PR01');
    expect(r.status).toBe(200);
    expect((r.body.relations as Relation[]).map((x) => [x.relation, x.personId, x.redacted])).toEqual([
      ['spouse', null, true],
      ['directBlood', null, true],
    ]);
    expect(JSON.stringify(r.body)).not.toMatch(/PR02|PR03|王二|李三/);
    expect(await logged('jyj-head')).toEqual(['PR01']);
  });

  test('the list (GET /people) does not carry relations', async () => {
    const r = await stack.h.call('GET', '/people?q=%E7%8E%8B%E4%B8%80', { token: await stack.h.login('zzb-staff') });
    expect(r.body.items).toHaveLength(1);
    expect(r.body.items[0]).not.toHaveProperty('relations');
  });
});

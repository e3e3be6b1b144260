/**
 * The board holds only the registry's board types (Migration20261213000000_board_types): migrate() writes
 * them from the descriptors' overdue capability, the board's recomputation and the projection's reading show
 * no other type, and a projection statement of another type does not run the board's refresh at all (issue
 * 7: it was a third of PostgreSQL's work per action). A change of the set rebuilds the board.
 */
import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { boardGroups } from '../../platform/board';
import { createOrm, migrate } from '../../platform/orm';
import { dropDatabase, ensureDatabase, withDatabase } from '../../platform/postgres';
import { boardTypes } from '../../procedures/registry';

const adminUrl = process.env.TINGJIN_TEST_PG_ADMIN_URL as string;
const dbName = `tingjin_test_${randomBytes(5).toString('hex')}`;
let orm: MikroORM;

beforeAll(async () => {
  await ensureDatabase(adminUrl, dbName);
  orm = await createOrm(withDatabase(adminUrl, dbName));
  await migrate(orm);
});
afterAll(async () => {
  await orm.close();
  await dropDatabase(adminUrl, dbName);
});

const conn = () => orm.em.getConnection();
const boardItemIds = async (): Promise<string[]> => (await conn().execute<{ workflow_id: string }[]>('select workflow_id from board_item order by 1')).map((r) => r.workflow_id);
const drift = async (): Promise<number> => (await conn().execute<{ rows: string }[]>('select rows from board_drift()')).reduce((n, r) => n + Number(r.rows), 0);

/** An open procedure of `type`, overdue since yesterday, with one pending task that is due too. */
async function insertOverdue(workflowId: string, type: string): Promise<void> {
  const due = new Date(Date.now() - 86_400_000).toISOString();
  await conn().execute(
    `with p as (insert into procedure (workflow_id, type, title, unit_ids, status, stage, overdue, due_at, started_by, started_at, updated_at, projected_seq)
                values (?, ?, 't', '{jyj}', 'open', 'submit', true, ?::timestamptz, 'test', now(), now(), 1))
     insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at, due_at)
     values (? || ':1', ?, ?, 'submit', 1, 1, '{jyj-staff}', 'pending', now(), ?::timestamptz)`,
    [workflowId, type, due, workflowId, workflowId, type, due],
  );
}

/**
 * How often board_refresh_set ran in one statement on `workflowId`'s rows: the backend's count of its calls
 * not yet flushed to the cumulative statistics (which since PostgreSQL 15 can span its earlier transactions)
 * before and after the statement, in one transaction.
 */
async function refreshesBy(statement: string, workflowId: string): Promise<number> {
  return orm.em.fork().transactional(async (tx) => {
    await tx.execute(`set local track_functions = 'pl'`);
    const calls = async (): Promise<number> =>
      Number((await tx.execute<{ calls: string | null }[]>(`select (select calls from pg_stat_xact_user_functions where funcname = 'board_refresh_set') as calls`))[0]?.calls ?? 0);
    const before = await calls();
    await tx.execute(statement, [workflowId]);
    return (await calls()) - before;
  });
}

test('migrate() writes the registry’s board types, and writing the same set again changes nothing', async () => {
  const types = await conn().execute<{ type: string }[]>('select type from board_type order by 1');
  expect(types.map((r) => r.type)).toEqual([...boardTypes()].sort());
  expect(boardTypes()).toEqual(expect.arrayContaining(['rectificationItem', 'politicalExamination', 'redeploymentTerm']));
  expect(boardTypes()).not.toContain('approvalRequest');
  const [again] = await conn().execute<{ changed: boolean }[]>(`select board_types_set(array(select type from board_type)) as changed`);
  expect(again?.changed).toBe(false);
});

test('another type’s overdue work is not on the board, and its statements do not run the board’s refresh', async () => {
  await insertOverdue('bt-item', 'rectificationItem');
  await insertOverdue('bt-approval', 'approvalRequest');
  expect(await boardItemIds()).toEqual(['bt-item']);
  expect(await drift()).toBe(0);
  const now = new Date();
  const rows = await boardGroups(orm.em.fork(), { dueWithin: 3 }, now, 'rows');
  expect(rows.groups.map((g) => g.type)).toEqual(['rectificationItem']);
  expect(await boardGroups(orm.em.fork(), { dueWithin: 3 }, now)).toEqual(rows);

  // A task handed to someone else, and the procedure's stage moved: one refresh each for the board's type, none for the other.
  const reassign = `update task set assignee_ids = '{jyj-head}' where workflow_id = ? and status = 'pending'`;
  const move = `update procedure set stage = 'review' where workflow_id = ?`;
  expect(await refreshesBy(reassign, 'bt-item')).toBe(1);
  expect(await refreshesBy(reassign, 'bt-approval')).toBe(0);
  expect(await refreshesBy(move, 'bt-item')).toBe(1);
  expect(await refreshesBy(move, 'bt-approval')).toBe(0);
  expect(await drift()).toBe(0);
  expect((await conn().execute(`select assignee_ids, stage from board_item where workflow_id = 'bt-item'`))[0]).toEqual({ assignee_ids: ['jyj-head'], stage: 'review' });
});

test('a change of the set rebuilds the board, and migrate() puts the registry’s set back', async () => {
  await insertOverdue('bt-exam', 'politicalExamination');
  expect(await boardItemIds()).toContain('bt-exam');
  const [changed] = await conn().execute<{ changed: boolean }[]>(`select board_types_set(array['politicalExamination']) as changed`);
  expect(changed?.changed).toBe(true);
  expect(await boardItemIds()).toEqual(['bt-exam']);
  expect(await drift()).toBe(0);
  await migrate(orm);
  expect(await boardItemIds()).toEqual(['bt-exam', 'bt-item']);
  expect(await drift()).toBe(0);
});

test('the migration goes down to every type on the board, and up again', async () => {
  await orm.getMigrator().down({ to: 'Migration20261212000000_board_open_deadline' });
  expect(await boardItemIds()).toEqual(['bt-approval', 'bt-exam', 'bt-item']);
  expect(await drift()).toBe(0);
  await migrate(orm);
  expect(await boardItemIds()).toEqual(['bt-exam', 'bt-item']);
  expect(await drift()).toBe(0);
});

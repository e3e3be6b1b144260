/**
 * Bulk 催办's answer when not every urge goes through (issue 13): refusals counted by code, failures counted,
 * each recorded; its 500-item cap refused before anything is sent; and a repeat under the same
 * Idempotency-Key answered from the record, counted as a replay in /metrics.
 */
import { ActionLogSchema } from '../../platform/entities';
import { BULK_URGE_MAX } from '../../api/routes/supervision';
import { newKey, useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';
import { dueInWorkingDays, setDue, startItem } from '../helpers/supervision';

const stack = useApiStack();

/** A procedure only in the projection (as the board's SQL tests write them): overdue, at `rung`, with one pending task. */
async function projectedOnly(workflowId: string, unitId: string, rung: string): Promise<void> {
  const conn = stack.t.orm.em.fork().getConnection();
  await conn.execute(
    `insert into procedure (workflow_id, type, title, unit_ids, status, stage, overdue, due_at, started_by, started_at, updated_at, escalation)
     values (?, 'rectificationItem', ?, array[?], 'open', 'submit', true, ?, 'zzb-staff', now(), now(), jsonb_build_object('rung', ?::text))`,
    [workflowId, workflowId, unitId, dueInWorkingDays(-4), rung],
  );
  await conn.execute(`insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at) values (?, ?, 'rectificationItem', 'submit', 1, 1, '{jyj-staff}', 'pending', now())`, [
    `${workflowId}:1`,
    workflowId,
  ]);
}

const supervisionActions = () => stack.t.orm.em.fork().getConnection().execute<{ id: string; result: unknown }[]>('select id, result from supervision_action');

test('a bulk urge counts each outcome: urged, refused by code, failed; its repeat is a replay, counted in /metrics', async () => {
  // Urged: a real item.
  const urgedWf = await startItem(stack.h, uniqueId('fb'), 'wjw');
  await setDue(stack.t, urgedWf, dueInWorkingDays(-3), { overdue: true, rung: 'warning' });
  // Refused by its workflow: the projection shows an older pending task the workflow never opened.
  const strayWf = await startItem(stack.h, uniqueId('fb'), 'jyj');
  await setDue(stack.t, strayWf, dueInWorkingDays(-3), { overdue: true, rung: 'warning' });
  await stack.t.orm.em
    .fork()
    .getConnection()
    .execute(`insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at) values (?, ?, 'rectificationItem', 'submit', 99, 1, '{jyj-staff}', 'pending', now() - interval '1 day')`, [
      `${strayWf}:99`,
      strayWf,
    ]);
  // Refused as unknown: no workflow at all behind the row.
  const ghostWf = uniqueId('ghost');
  await projectedOnly(ghostWf, 'jyj', 'warning');
  // Failed: a workflow runs under that id on a task queue no worker polls, so its Update is never answered
  // (the API gives up after its deadline: 503 worker_unavailable).
  const stuckWf = uniqueId('stuck');
  await projectedOnly(stuckWf, 'jyj', 'warning');
  await stack.t.env.client.workflow.start('approvalRequest', { taskQueue: uniqueId('nobody-polls'), workflowId: stuckWf, args: [] });

  const token = await stack.h.login('dc-supervisor');
  const key = newKey();
  const body = { filter: { rung: 'warning' }, comment: '请于本周内办结' };
  const r = await stack.h.call('POST', '/supervision/urge', { token, key, body });
  expect(r.status).toBe(200);
  const byWf = Object.fromEntries((r.body.items as { workflowId: string; outcome: string; code?: string }[]).map((i) => [i.workflowId, [i.outcome, i.code]]));
  expect(byWf).toEqual({
    [urgedWf]: ['urged', undefined],
    [strayWf]: ['refused', 'task_not_pending'],
    [ghostWf]: ['refused', 'procedure_not_found'],
    [stuckWf]: ['failed', 'worker_unavailable'],
  });
  expect(r.body).toMatchObject({ matched: 4, urged: 1, refused: { task_not_pending: 1, procedure_not_found: 1 }, failed: 1 });
  expect(await supervisionActions()).toEqual([
    { id: `bulkUrge:dc-supervisor:${key}`, result: { matched: 4, urged: 1, refused: { task_not_pending: 1, procedure_not_found: 1 }, failed: 1 } },
  ]);
  // Only the urged one's workflow recorded an urge.
  const em = stack.t.orm.em.fork();
  expect(await em.count(ActionLogSchema, { action: 'urge' })).toBe(1);
  expect(await em.count(ActionLogSchema, { workflowId: urgedWf, action: 'urge' })).toBe(1);

  // The repeat: the first answer, from the idempotency record, nothing sent again, counted as a replay.
  const before = await stack.h.call('GET', '/metrics', { token });
  expect(before.body as string).not.toMatch(/^tingjin_idempotent_replays_total\{route="\/supervision\/urge"\}/m);
  const again = await stack.h.call('POST', '/supervision/urge', { token, key, body });
  expect(again).toMatchObject({ status: 200, body: r.body });
  expect(await em.count(ActionLogSchema, { action: 'urge' })).toBe(1);
  const after = await stack.h.call('GET', '/metrics', { token });
  expect(after.body as string).toMatch(/^tingjin_idempotent_replays_total\{route="\/supervision\/urge"\} 1$/m);
});

test(`more than ${BULK_URGE_MAX} items under the filter: 422 too_many_items, and nothing is sent or recorded`, async () => {
  expect(BULK_URGE_MAX).toBe(500);
  const prefix = uniqueId('many');
  const conn = stack.t.orm.em.fork().getConnection();
  // 501 overdue items of one unit, in the projection only: a refusal must come before any Update.
  await conn.execute(
    `with ids as (select ? || '-' || i as id from generate_series(1, 501) as i),
     p as (insert into procedure (workflow_id, type, title, unit_ids, status, stage, overdue, due_at, started_by, started_at, updated_at)
           select id, 'rectificationItem', id, '{qx-jyj}', 'open', 'submit', true, now() - interval '10 days', 'zzb-staff', now(), now() from ids)
     insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at)
     select id || ':1', id, 'rectificationItem', 'submit', 1, 1, '{jyj-staff}', 'pending', now() from ids`,
    [prefix],
  );
  const actionsBefore = (await supervisionActions()).length;
  const token = await stack.h.login('dc-supervisor');
  const r = await stack.h.call('POST', '/supervision/urge', { token, key: newKey(), body: { filter: { unit: 'qx-jyj' }, comment: '限期办结' } });
  expect(r).toMatchObject({ status: 422, body: { code: 'too_many_items', details: { field: 'filter', max: BULK_URGE_MAX } } });
  expect((await supervisionActions()).length).toBe(actionsBefore);
  expect(await conn.execute(`select count(*)::int as n from action_log where workflow_id like ? || '-%'`, [prefix])).toEqual([{ n: 0 }]);
});

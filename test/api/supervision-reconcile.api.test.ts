/**
 * The reconciler: a projection that matches its workflow shows no drift; drift made by SQL (a stage
 * rewritten, a pending task closed, a stray pending task, a flag flipped) is found, per kind.
 */
import { reconcile } from '../../platform/reconcile';
import { useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';
import { startItem } from '../helpers/supervision';

const stack = useApiStack();

test('the reconciler finds drift made by SQL, per kind, and none before', async () => {
  const wf = await startItem(stack.h, uniqueId('fb'), 'jyj');
  const calm = await startItem(stack.h, uniqueId('fb'), 'wjw');
  const em = stack.t.orm.em.fork();
  const clean = await reconcile(em, stack.t.env.client);
  expect(clean.findings).toEqual([]);
  expect(clean.checked).toBeGreaterThanOrEqual(4);

  const conn = em.getConnection();
  const [task] = await conn.execute<{ id: string }[]>(`select id from task where workflow_id = ? and status = 'pending'`, [wf]);
  await conn.execute(`update procedure set stage = 'review' where workflow_id = ?`, [wf]);
  await conn.execute(`update task set status = 'done' where id = ?`, [task?.id]);
  await conn.execute(
    `insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at) values (?, ?, 'rectificationItem', 'review', 99, 1, '{xcb-reviewer}', 'pending', now())`,
    [`${wf}:99`, wf],
  );
  await conn.execute(`update procedure set status = 'signedOff' where workflow_id = ?`, [calm]);

  const found = await reconcile(em, stack.t.env.client);
  expect(found.drift).toMatchObject({ stage: 1, missing_task: 1, stray_task: 1, status: 0, not_running: 0 });
  expect(found.findings).toEqual(
    expect.arrayContaining([
      { workflowId: wf, kind: 'stage', projection: 'review', workflow: 'submit' },
      { workflowId: wf, kind: 'missing_task', projection: null, workflow: task?.id },
      { workflowId: wf, kind: 'stray_task', projection: `${wf}:99`, workflow: null },
    ]),
  );
  // A procedure the projection calls closed is not checked as open; asked for by id, its status drift shows.
  const one = await reconcile(em, stack.t.env.client, { workflowId: calm });
  expect(one.findings).toEqual([{ workflowId: calm, kind: 'status', projection: 'signedOff', workflow: 'open' }]);
  expect(found.repaired).toBe(0);
});

/**
 * The reconciler: a projection that matches its workflow shows no drift; drift made by SQL (a stage
 * rewritten, a pending task closed or deleted, a stray pending task, assignees and flags changed) is
 * found per kind, repaired through the projection's writer with an audit entry in each chain, counted
 * on /metrics, and a second run finds none.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { verifyChain, type AuditRow } from '../../domain/audit';
import { reconcile } from '../../platform/reconcile';
import { useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';
import { startItem } from '../helpers/supervision';

const stack = useApiStack();

async function chain(workflowId: string): Promise<AuditRow[]> {
  const rows = await stack.t.orm.em
    .fork()
    .getConnection()
    .execute<{ workflow_id: string; seq: number; kind: string; actor_id: string; at: Date; payload: unknown; prev_hash: string; hash: string }[]>(`select * from audit_log where workflow_id = ? order by seq`, [workflowId]);
  return rows.map((r) => ({ workflowId: r.workflow_id, seq: r.seq, kind: r.kind, actorId: r.actor_id, at: r.at, payload: r.payload, prevHash: r.prev_hash, hash: r.hash }));
}

test('the reconciler finds drift made by SQL per kind, repairs it through the projection, and then finds none', async () => {
  const wf = await startItem(stack.h, uniqueId('fb'), 'jyj');
  const calm = await startItem(stack.h, uniqueId('fb'), 'wjw');
  const third = await startItem(stack.h, uniqueId('fb'), 'jyj');
  const fourth = await startItem(stack.h, uniqueId('fb'), 'wjw');
  const em = stack.t.orm.em.fork();
  const clean = await reconcile(em, stack.t.env.client);
  expect(clean.findings).toEqual([]);
  expect(clean.repaired).toBe(0);
  expect(clean.checked).toBeGreaterThanOrEqual(8);

  const conn = em.getConnection();
  const pendingOf = async (id: string) => (await conn.execute<{ id: string; assignee_ids: string[] }[]>(`select id, assignee_ids from task where workflow_id = ? and status = 'pending'`, [id]))[0];
  const task = await pendingOf(wf);
  const thirdTask = await pendingOf(third);
  const fourthTask = await pendingOf(fourth);
  await conn.execute(`update procedure set stage = 'review' where workflow_id = ?`, [wf]);
  await conn.execute(`update task set status = 'done', action = 'submit' where id = ?`, [task?.id]);
  await conn.execute(
    `insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at) values (?, ?, 'rectificationItem', 'review', 99, 1, '{xcb-reviewer}', 'pending', now())`,
    [`${wf}:99`, wf],
  );
  await conn.execute(`update procedure set status = 'signedOff' where workflow_id = ?`, [calm]);
  await conn.execute(`update task set assignee_ids = '{somebody-else}' where id = ?`, [thirdTask?.id]);
  await conn.execute(`update procedure set overdue = true where workflow_id = ?`, [third]);
  await conn.execute(`delete from task where id = ?`, [fourthTask?.id]);

  // Report only: the drift is found, per kind, and left as it is.
  const seen = await reconcile(em, stack.t.env.client, { repair: false });
  expect(seen.drift).toMatchObject({ stage: 1, missing_task: 2, stray_task: 1, assignees: 1, overdue: 1, status: 0, not_running: 0 });
  expect(seen.repaired).toBe(0);
  expect(seen.findings).toEqual(
    expect.arrayContaining([
      { workflowId: wf, kind: 'stage', projection: 'review', workflow: 'submit' },
      { workflowId: wf, kind: 'missing_task', projection: 'done', workflow: task?.id },
      { workflowId: wf, kind: 'stray_task', projection: `${wf}:99`, workflow: null },
      { workflowId: third, kind: 'assignees', projection: ['somebody-else'], workflow: thirdTask?.assignee_ids },
      { workflowId: third, kind: 'overdue', projection: true, workflow: false },
      { workflowId: fourth, kind: 'missing_task', projection: null, workflow: fourthTask?.id },
    ]),
  );

  // Counted on the API's /metrics, from the audit: the repairs of any process.
  const repairsOnMetrics = async (kind?: string): Promise<number> => {
    const r = await stack.h.call('GET', '/metrics', { token: await stack.h.login('dc-supervisor') });
    expect(r.status).toBe(200);
    return [...String(r.body).matchAll(/^tingjin_reconcile_repairs_total\{kind="(\w+)"\} (\d+)$/gm)].filter((m) => kind === undefined || m[1] === kind).reduce((n, m) => n + Number(m[2]), 0);
  };
  const before = await repairsOnMetrics();
  const lines: string[] = [];
  const fixed = await reconcile(em, stack.t.env.client, { log: (l) => lines.push(l) });
  expect(fixed.drift).toEqual(seen.drift);
  expect(fixed.repaired).toBe(3);
  expect(fixed.repairedByKind).toMatchObject({ stage: 1, missing_task: 2, stray_task: 1, assignees: 1, overdue: 1 });
  expect(lines).toHaveLength(3);
  expect((await repairsOnMetrics()) - before).toBe(6);

  // A procedure the projection calls closed is not checked as open; asked for by id, its status drift is found
  // and repaired, here by the operator's command in a process of its own (as the Schedule's run is in a worker
  // under npm run cluster): the API's /metrics counts that repair too.
  const statusBefore = await repairsOnMetrics('status');
  // Not spawnSync: the worker that answers the command's query runs in this process.
  const one = await new Promise<{ status: number | null; stdout: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../../scripts/ops.ts'), 'reconcile', calm], {
      env: { ...process.env, DATABASE_URL: stack.t.databaseUrl, TEMPORAL_ADDRESS: stack.t.address },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout }));
  });
  expect(one.stdout).toContain(`DRIFT status ${calm}: projection "signedOff", workflow "open"`);
  expect(one.stdout).toContain('repaired 1 procedure(s)');
  expect(one.status).toBe(0);
  expect((await repairsOnMetrics('status')) - statusBefore).toBe(1);

  // The second run finds nothing; the rows are the workflow's again.
  const again = await reconcile(em, stack.t.env.client);
  expect(again.findings).toEqual([]);
  expect((await reconcile(em, stack.t.env.client, { workflowId: calm })).findings).toEqual([]);
  expect(await conn.execute(`select status, stage from procedure where workflow_id = ?`, [wf])).toEqual([{ status: 'open', stage: 'submit' }]);
  expect(await conn.execute(`select status, action from task where id = ?`, [`${wf}:99`])).toEqual([{ status: 'done', action: 'reconciled' }]);
  expect(await conn.execute(`select status, completed_by from task where id = ?`, [task?.id])).toEqual([{ status: 'pending', completed_by: null }]);
  expect((await pendingOf(fourth))?.id).toBe(fourthTask?.id);

  // Each repair is in its procedure's chain, which still verifies; the procedure goes on from there.
  for (const id of [wf, calm, third, fourth]) {
    const rows = await chain(id);
    expect(verifyChain(rows).ok).toBe(true);
    expect(rows.filter((r) => r.kind === 'reconcile:repaired')).toHaveLength(1);
  }
  const entry = (await chain(wf)).find((r) => r.kind === 'reconcile:repaired');
  expect(entry?.payload).toMatchObject({ drift: expect.arrayContaining([expect.objectContaining({ kind: 'stage', projection: 'review', workflow: 'submit' })]) });
});

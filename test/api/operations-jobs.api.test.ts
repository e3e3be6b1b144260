/**
 * The operator jobs on Temporal Schedules: created idempotently, the reconciler's run repairs drift made
 * by SQL, and the daily anchor records every chain's head and exports the root. A tail rewritten with
 * every hash recomputed verifies as a chain, and verify against the anchor reports it. The anchor
 * tables refuse UPDATE and DELETE.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { auditHash, canonicalize, verifyChain } from '../../domain/audit';
import { auditRowOf, merkleRoot, verifyAgainstAnchor, type AuditLogRow } from '../../platform/anchor';
import { reconcile } from '../../platform/reconcile';
import { ensureSchedules, scheduleIds } from '../../platform/schedules';
import { useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { startItem } from '../helpers/supervision';

const stack = useApiStack();


test('the schedules run the reconciler and the anchor; verify reports a tail rewritten after the anchor', async () => {
  const conn = stack.t.orm.em.fork().getConnection();
  const exportFile = path.join(mkdtempSync(path.join(tmpdir(), 'tingjin-anchor-')), 'anchors.jsonl');
  const config = { reconcileEvery: '1h', anchorCron: '0 2 * * *', anchorExport: exportFile };
  const taskQueue = stack.api.taskQueue;
  expect(await ensureSchedules(stack.t.env.client, taskQueue, config)).toEqual({ reconcile: 'created', anchor: 'created' });
  expect(await ensureSchedules(stack.t.env.client, taskQueue, { ...config, reconcileEvery: '30 minutes' })).toEqual({ reconcile: 'updated', anchor: 'updated' });
  const ids = scheduleIds(taskQueue);
  const described = await stack.t.env.client.schedule.getHandle(ids.reconcile).describe();
  expect(described.spec.intervals?.[0]?.every).toBe(30 * 60_000);

  // Drift by SQL; the schedule's run repairs it.
  const wf = await startItem(stack.h, uniqueId('fb'), 'jyj');
  const other = await startItem(stack.h, uniqueId('fb'), 'wjw');
  await conn.execute(`update procedure set stage = 'review' where workflow_id = ?`, [wf]);
  await stack.t.env.client.schedule.getHandle(ids.reconcile).trigger();
  await eventually(
    async () => ((await conn.execute(`select 1 from audit_log where workflow_id = ? and kind = 'reconcile:repaired'`, [wf])).length ? true : undefined),
    60_000,
    'the scheduled reconciler to repair the drift',
  );
  expect((await reconcile(stack.t.orm.em.fork(), stack.t.env.client, { repair: false })).findings).toEqual([]);

  // The daily anchor, run now: every chain's head and their root, exported to the file.
  await stack.t.env.client.schedule.getHandle(ids.anchor).trigger();
  const anchor = await eventually(
    async () => (await conn.execute<{ id: string; root: string; procedures: number }[]>(`select id, root, procedures from audit_anchor order by id desc limit 1`))[0],
    60_000,
    'the scheduled anchor',
  );
  const heads = await conn.execute<{ workflow_id: string; seq: number; hash: string }[]>(`select workflow_id, seq, hash from audit_anchor_head where anchor_id = ?`, [anchor.id]);
  expect(heads.length).toBe(anchor.procedures);
  expect(heads.map((h) => h.workflow_id)).toEqual(expect.arrayContaining([wf, other]));
  expect(merkleRoot(heads.map((h) => ({ workflowId: h.workflow_id, seq: h.seq, hash: h.hash })))).toBe(anchor.root);
  const exported = await eventually(async () => readFileSync(exportFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { anchorId: string; root: string }).find((l) => l.anchorId === String(anchor.id)), 10_000, 'the export');
  expect(exported.root).toBe(anchor.root);
  const clean = await verifyAgainstAnchor(stack.t.orm.em.fork(), { exportFile });
  expect(clean).toMatchObject({ findings: [], rootMatches: true, exportedRootMatches: true });
  expect(clean.checked).toBe(anchor.procedures);

  // The anchor is append-only.
  await expect(conn.execute(`update audit_anchor set root = 'x' where id = ?`, [anchor.id])).rejects.toThrow(/append-only/);
  await expect(conn.execute(`delete from audit_anchor_head where anchor_id = ?`, [anchor.id])).rejects.toThrow(/append-only/);
  await expect(conn.execute(`truncate audit_anchor_head`)).rejects.toThrow(/append-only/);

  // A tail rewritten by SQL, every hash recomputed: the chain verifies on its own.
  const entries = await conn.execute<AuditLogRow[]>(`select * from audit_log where workflow_id = ? order by seq`, [wf]);
  expect(entries.length).toBeGreaterThanOrEqual(3);
  let prevHash = (entries[entries.length - 3] as AuditLogRow).hash;
  for (const e of entries.slice(-2)) {
    const payload = e.seq === entries[entries.length - 2]?.seq ? canonicalize({ forged: true }) : e.payload;
    const hash = auditHash({ workflowId: e.workflow_id, seq: e.seq, kind: e.kind, actorId: e.actor_id, at: e.at, payload }, prevHash);
    await conn.execute(`update audit_log set payload = ?::jsonb, prev_hash = ?, hash = ? where workflow_id = ? and seq = ?`, [JSON.stringify(payload), prevHash, hash, wf, e.seq]);
    prevHash = hash;
  }
  const rewritten = await conn.execute<AuditLogRow[]>(`select * from audit_log where workflow_id = ? order by seq`, [wf]);
  expect(verifyChain(rewritten.map(auditRowOf)).ok).toBe(true);
  // The anchor does not match it.
  const last = entries[entries.length - 1] as AuditLogRow;
  const found = await verifyAgainstAnchor(stack.t.orm.em.fork(), { exportFile });
  expect(found.findings).toEqual([{ workflowId: wf, kind: 'tail_rewritten', seq: last.seq, anchored: last.hash, actual: prevHash }]);
  expect(await verifyAgainstAnchor(stack.t.orm.em.fork(), { workflowId: other })).toMatchObject({ checked: 1, findings: [] });
  // The operator's command says so too, and fails.
  const ops = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '../../scripts/ops.ts'), 'verify-audit'], {
    env: { ...process.env, DATABASE_URL: stack.t.databaseUrl, AUDIT_ANCHOR_EXPORT: exportFile },
    encoding: 'utf8',
  });
  expect(ops.stdout).toContain(`ANCHOR TAIL_REWRITTEN ${wf}: seq ${last.seq} anchored ${last.hash}, now ${prevHash}`);
  expect(ops.stdout).toMatch(/0 broken/);
  expect(ops.status).toBe(1);

  // The board as a table: dueWithin by the board route's rule (a whole number of working days, 0 to 60).
  const board = (arg: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '../../scripts/ops.ts'), 'overdue', arg], { env: { ...process.env, DATABASE_URL: stack.t.databaseUrl }, encoding: 'utf8' });
  const table = board('0');
  expect(table.stderr).toBe('');
  expect(table.stdout).toMatch(/^as of .*; due before .*; \d+ items, \d+ overdue/);
  expect(table.status).toBe(0);
  for (const bad of ['abc', '-1', '61', '2.5']) {
    const refused = board(bad);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^dueWithin: must be /);
    expect(refused.stdout).toBe('');
  }

  // A tail cut off is reported too.
  await conn.execute(`delete from audit_log where workflow_id = ? and seq = ?`, [other, heads.find((h) => h.workflow_id === other)?.seq]);
  const cut = await verifyAgainstAnchor(stack.t.orm.em.fork(), { workflowId: other });
  expect(cut.findings).toEqual([expect.objectContaining({ workflowId: other, kind: 'truncated', actual: null })]);
});

/**
 * `npm run ops -- <command>`: the operator's view, against DATABASE_URL and TEMPORAL_ADDRESS (or the
 * embedded/dev defaults of npm start).
 *   overdue [dueWithin]      the supervision board as a table (platform/board.ts)
 *   verify-audit [id]        every procedure's audit chain, or one, and each against the latest anchor
 *                            (a tail rewritten or cut since); exits 1 on either
 *   anchor                   records an audit anchor now and exports its root (the daily job's work)
 *   reconcile [id] [--dry-run]  projection against the workflows' state: drift per kind, repaired (unless --dry-run)
 *   describe <workflowId>    the projection, its pending tasks, the live state and the Temporal UI link
 */
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { exportAnchor, recordAnchor, verifyAudit } from '../platform/anchor';
import { BoardFilterSchema } from '../api/routes/supervision';
import { boardGroups } from '../platform/board';
import { loadConfig, type Config } from '../platform/config';
import { databaseUrl, temporalAddress } from '../platform/database';
import { createOrm } from '../platform/orm';
import { reconcile } from '../platform/reconcile';
import { schedulesConfig } from '../platform/schedules';
import { connectClient } from '../platform/temporal';
import { stateQuery } from '../procedures/kernel/messages';

const USAGE = 'usage: npm run ops -- overdue [dueWithin] | verify-audit [workflowId] | anchor | reconcile [workflowId] [--dry-run] | describe <workflowId>';

async function overdue(em: EntityManager, dueWithin: number): Promise<number> {
  const b = await boardGroups(em, { dueWithin });
  console.log(`as of ${b.asOf}; due before ${b.windowEnd}; ${b.totals.items} items, ${b.totals.overdue} overdue`);
  console.table(
    b.groups.map((g) => ({
      unit: g.unitId,
      type: g.type,
      stage: g.stage,
      items: g.items,
      overdue: g.overdue,
      watched: g.watched,
      rung: g.highestRung,
      oldest: g.oldest.workflowId,
      daysOverdue: g.oldest.daysOverdue,
      assignees: g.assigneeIds.join(' '),
    })),
  );
  return 0;
}

async function verifyAuditCommand(em: EntityManager, workflowId: string | undefined, exportFile: string | null): Promise<number> {
  const { chains, anchor: a, ok } = await verifyAudit(em, { ...(workflowId ? { workflowId } : {}), ...(exportFile ? { exportFile } : {}) });
  const broken = chains.filter((c) => !c.chain.ok);
  for (const c of broken) console.log(`BROKEN ${c.workflowId}: ${JSON.stringify(c.chain.firstBroken)}`);
  console.log(`${chains.length} chain(s) verified, ${broken.length} broken`);
  // A tail rewritten with its hashes recomputed verifies as a chain; the latest anchor still has its old head.
  if (!a.anchor) {
    console.log('no audit anchor recorded yet (npm run ops -- anchor)');
    return ok ? 0 : 1;
  }
  for (const f of a.findings) console.log(`ANCHOR ${f.kind.toUpperCase()} ${f.workflowId}: seq ${f.seq} anchored ${f.anchored}, now ${f.actual ?? 'missing'}`);
  if (!a.rootMatches) console.log(`ANCHOR ${a.anchor.id}: its recorded heads no longer hash to its root ${a.anchor.root}`);
  if (a.exportedRootMatches === false) console.log(`ANCHOR ${a.anchor.id}: the root exported to ${exportFile} differs from the database's`);
  console.log(`against anchor ${a.anchor.id} of ${a.anchor.anchoredAt} (root ${a.anchor.root}): ${a.checked} head(s) checked, ${a.findings.length} rewritten or cut`);
  return ok ? 0 : 1;
}

async function anchor(em: EntityManager, exportTo: string | null): Promise<number> {
  const a = await recordAnchor(em, `ops:${new Date().toISOString()}`);
  if (exportTo) await exportAnchor(a, exportTo);
  console.log(`anchor ${a.id}: ${a.procedures} chain head(s), root ${a.root}${exportTo ? `, exported to ${exportTo}` : ''}`);
  return 0;
}

async function doReconcile(em: EntityManager, client: Client, args: string[]): Promise<number> {
  const dryRun = args.includes('--dry-run');
  const workflowId = args.find((a) => !a.startsWith('--'));
  const r = await reconcile(em, client, { ...(workflowId ? { workflowId } : {}), repair: !dryRun, log: () => undefined });
  for (const f of r.findings) console.log(`DRIFT ${f.kind} ${f.workflowId}: projection ${JSON.stringify(f.projection)}, workflow ${JSON.stringify(f.workflow)}`);
  console.log(`${r.checked} procedure(s) checked; drift ${JSON.stringify(r.drift)}`);
  console.log(dryRun ? 'dry run: nothing repaired' : `repaired ${r.repaired} procedure(s): ${JSON.stringify(r.repairedByKind)}`);
  // Exit 1 while drift is left: unrepairable kinds, or all of it in a dry run.
  const left = r.findings.length - (dryRun ? 0 : Object.values(r.repairedByKind).reduce((n, k) => n + k, 0));
  return left > 0 ? 1 : 0;
}

async function describe(em: EntityManager, client: Client, config: Config, workflowId: string): Promise<number> {
  const [row] = await em.execute('select * from procedure where workflow_id = ?', [workflowId]);
  const tasks = await em.execute(`select id, step, round, assignee_ids, opened_at, due_at from task where workflow_id = ? and status = 'pending' order by seq`, [workflowId]);
  console.log('projection:', JSON.stringify(row ?? null, null, 2));
  console.log('pending tasks:', JSON.stringify(tasks, null, 2));
  const live = await client.workflow
    .getHandle(workflowId)
    .query(stateQuery)
    .catch((err: unknown) => `no live state: ${String(err)}`);
  console.log('live state:', JSON.stringify(live, null, 2));
  console.log(`Temporal UI: http://127.0.0.1:${config.temporalUiPort}/namespaces/${encodeURIComponent(config.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`);
  return row ? 0 : 1;
}

async function main(): Promise<number> {
  const [command, arg] = process.argv.slice(2);
  if (!command || !['overdue', 'verify-audit', 'anchor', 'reconcile', 'describe'].includes(command) || (command === 'describe' && !arg)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const orm: MikroORM = await createOrm(databaseUrl(config));
  let client: Client | null = null;
  try {
    const em = orm.em.fork();
    if (command === 'overdue') {
      // The board route's own rule for dueWithin (a whole number of working days, 0 to 60), not a second one.
      const filter = BoardFilterSchema.safeParse(arg === undefined ? {} : { dueWithin: arg });
      if (!filter.success) {
        console.error(`dueWithin: ${filter.error.issues[0]?.message ?? 'not valid'}\n${USAGE}`);
        return 2;
      }
      return await overdue(em, filter.data.dueWithin);
    }
    const { anchorExport } = schedulesConfig(config.dataDir);
    if (command === 'verify-audit') return await verifyAuditCommand(em, arg, anchorExport);
    if (command === 'anchor') return await anchor(em, anchorExport);
    client = await connectClient(temporalAddress(config), config.temporalNamespace);
    if (command === 'reconcile') return await doReconcile(em, client, process.argv.slice(3));
    return await describe(em, client, config, arg as string);
  } finally {
    await client?.connection.close();
    await orm.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('[ops] failed:', err);
    process.exit(1);
  },
);

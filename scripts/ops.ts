/**
 * `npm run ops -- <command>`: the operator's view, against DATABASE_URL and TEMPORAL_ADDRESS (or the
 * embedded/dev defaults of npm start).
 *   overdue [dueWithin]      the supervision board as a table (platform/board.ts)
 *   verify-audit [id]        every procedure's audit chain, or one, and each against the latest anchor
 *                            (a tail rewritten or cut since); exits 1 on either
 *   anchor                   records an audit anchor now and exports its root (the daily job's work); exits 1
 *                            when the export fails (the anchor stays recorded)
 *   reconcile [id] [--dry-run]  projection against the workflows' state: drift per kind, repaired (unless --dry-run)
 *   describe <workflowId>    the projection, its pending tasks, the live state and the Temporal UI link; exits 1
 *                            for an unknown id (or a row without its workflow), 2 for an id refused unread
 */
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { exportAnchor, exportTargetLabel, recordAnchor, verifyAudit } from '../platform/anchor';
import { isCleanText } from '../api/input';
import { BoardFilterSchema } from '../api/routes/supervision';
import { WorkflowIdParam } from '../api/schemas';
import { boardGroups } from '../platform/board';
import { loadConfig, type Config } from '../platform/config';
import { databaseUrl, temporalAddress } from '../platform/database';
import { createOrm } from '../platform/orm';
import { reconcile } from '../platform/reconcile';
import { schedulesConfig } from '../platform/schedules';
import { logger } from '../platform/log';
import { connectClient } from '../platform/temporal';
import { stateQuery } from '../procedures/kernel/messages';
import { installClientRuntime } from '../worker/runtime';

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
  const recorded = `anchor ${a.id}: ${a.procedures} chain head(s), root ${a.root}`;
  if (!exportTo) {
    console.log(`${recorded}; not exported (AUDIT_ANCHOR_EXPORT=off)`);
    return 0;
  }
  try {
    await exportAnchor(a, exportTo);
  } catch (err) {
    // The anchor is committed before the export is tried, so a refused export loses nothing: say so, and
    // fail, for the operator (or the cron that runs this) to see that no copy left the database.
    console.log(`${recorded}; recorded, NOT exported`);
    console.error(`${err instanceof Error ? err.message : String(err)}\nthe anchor is kept in the database; run \`npm run ops -- anchor\` again once ${exportTargetLabel(exportTo)} accepts it`);
    return 1;
  }
  console.log(`${recorded}, exported to ${exportTargetLabel(exportTo)}`);
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

/**
 * Why `id` cannot be a workflow id, or null. Checked before it reaches PostgreSQL, Temporal or the terminal:
 * the API's own rule for a workflow id (WorkflowIdParam: its length) and for text (api/input.ts), and no tab or
 * newline either (one would forge a line of this output). U+FFFD is refused too: the shell's bytes were not valid
 * UTF-8 (a lone surrogate, a Latin-1 name) and Node replaced them, so the id asked for cannot be known.
 */
function workflowIdProblem(id: string): string | null {
  if (!WorkflowIdParam.safeParse({ workflowId: id }).success) return 'a workflow id is 1 to 300 characters';
  if (!isCleanText(id) || /[\t\n\r\ufffd]/.test(id)) return 'a workflow id is valid UTF-8 text without control characters';
  return null;
}

/**
 * The Web UI of the configured Temporal: on the frontend's host (127.0.0.1 for the dev server npm start runs),
 * at TEMPORAL_UI_PORT, in the namespace this process uses, as the console builds its link (ProcedureView.vue).
 */
function temporalUiLink(config: Config, workflowId: string): string {
  const address = temporalAddress(config);
  const colon = address.lastIndexOf(':');
  const host = (colon > 0 && !address.endsWith(']') ? address.slice(0, colon) : address) || '127.0.0.1';
  return `http://${host}:${config.temporalUiPort}/namespaces/${encodeURIComponent(config.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** A query needs a worker; without one, say so after this long instead of waiting on the server's timeout. */
const QUERY_DEADLINE_MS = 10_000;

async function describe(em: EntityManager, client: Client, config: Config, workflowId: string): Promise<number> {
  const [row] = await em.execute('select * from procedure where workflow_id = ?', [workflowId]);
  const tasks = await em.execute(`select id, step, round, assignee_ids, opened_at, due_at from task where workflow_id = ? and status = 'pending' order by seq`, [workflowId]);
  let live: unknown;
  let liveProblem: string | null = null;
  try {
    live = await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => client.workflow.getHandle(workflowId).query(stateQuery));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) liveProblem = 'no such workflow';
    else liveProblem = `the query failed (${err instanceof Error ? err.message : String(err)}); is a worker running?`;
  }
  if (!row && liveProblem === 'no such workflow') {
    // The id is not repeated: the operator typed it, and it is not shown on a guess that it is harmless.
    console.error('describe: no procedure has that workflow id (no projection row, no workflow in Temporal)');
    return 1;
  }
  console.log('projection:', JSON.stringify(row ?? null, null, 2));
  console.log('pending tasks:', JSON.stringify(tasks, null, 2));
  console.log('live state:', liveProblem === null ? JSON.stringify(live, null, 2) : `unavailable: ${liveProblem}`);
  console.log(`Temporal UI: ${temporalUiLink(config, workflowId)}`);
  // A workflow without its projection row (or a row without its workflow) is drift: exit 1, after showing it.
  return row && liveProblem === null ? 0 : 1;
}

async function main(): Promise<number> {
  const [command, arg] = process.argv.slice(2);
  if (!command || !['overdue', 'verify-audit', 'anchor', 'reconcile', 'describe'].includes(command) || (command === 'describe' && !arg)) {
    console.error(USAGE);
    return 2;
  }
  if (command === 'describe') {
    const problem = workflowIdProblem(arg as string);
    if (problem) {
      // Refused before any connection, and never echoed: it could carry terminal escapes.
      console.error(`describe: refused, ${problem}; the argument is not shown`);
      return 2;
    }
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
    installClientRuntime(logger.child({ name: 'ops' }));
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

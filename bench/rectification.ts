/**
 * Benchmark: one feedback fanned out to many unit items, every item driven to 销号 through
 * Workflow Updates. Prints latencies, throughput, history sizes and memory. Run on demand:
 *
 *   npx tsx bench/rectification.ts [problems=20] [unitsPerProblem=4] [concurrency=8]
 *
 * The dev server is one history shard on SQLite: figures are for comparing versions of this
 * code on one machine, not for sizing production.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { AppUserSchema, UnitSchema } from '../platform/entities';
import { createOrm, migrate } from '../platform/orm';
import { ensureDatabase, startEmbeddedPostgres, withDatabase } from '../platform/postgres';
import { seedDemoData } from '../platform/seed';
import { ensureTemporalCli } from '../platform/temporal-cli';
import { createWorker } from '../worker/worker';
import { actUpdate, ALL_SEARCH_ATTRIBUTES, stateQuery, workflowIds, type ActInput, type ItemState, type RectificationInput } from '../workflows/definitions';
import type { rectification } from '../workflows/rectification';

const [problems = 20, unitsPerProblem = 4, concurrency = 8] = process.argv.slice(2).map(Number);

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-bench-'));
  fs.chmodSync(dir, 0o755);
  const pg = process.env.DATABASE_URL ? null : await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: 55499 });
  const adminUrl = pg?.adminUrl ?? process.env.DATABASE_URL!;
  await ensureDatabase(adminUrl, 'tingjin_bench');
  const orm = await createOrm(withDatabase(adminUrl, 'tingjin_bench'));
  await migrate(orm);
  await seedDemoData(orm);
  // Enough responsible units for the fan-out: each with a staff member and a head.
  const em = orm.em.fork();
  for (let u = 0; u < unitsPerProblem; u++) {
    const id = `bench-u${u}`;
    if (!(await em.findOne(UnitSchema, { id }))) {
      em.create(UnitSchema, { id, name: `单位${u}`, kind: 'unit', headUserId: `${id}-head` });
      await em.flush();
      em.create(AppUserSchema, { id: `${id}-staff`, username: `${id}-staff`, displayName: 's', unitId: id, roles: ['staff'], passwordHash: 'x', createdAt: new Date() });
      em.create(AppUserSchema, { id: `${id}-head`, username: `${id}-head`, displayName: 'h', unitId: id, roles: ['approver'], passwordHash: 'x', createdAt: new Date() });
      await em.flush();
    }
  }

  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: await ensureTemporalCli() }, searchAttributes: ALL_SEARCH_ATTRIBUTES, extraArgs: ['--log-level', 'error'] },
  });
  const taskQueue = `bench-${Date.now()}`;
  const worker = await createWorker({ connection: env.nativeConnection, namespace: 'default', taskQueue, orm });
  const client = env.client;

  await worker.runUntil(async () => {
    const feedbackId = `B${Date.now()}`;
    const input: RectificationInput = {
      feedbackId,
      title: 'bench',
      inspectionGroup: 'bench',
      feedbackDate: '2026-11-20',
      inspectionOfficeUnitId: 'xcb',
      initiatorId: 'zzb-staff',
      problems: Array.from({ length: problems }, (_, p) => ({
        no: String(p + 1),
        title: `问题${p + 1}`,
        difficulty: 'normal' as const,
        leadUnitId: 'zzb',
        assignments: Array.from({ length: unitsPerProblem }, (_, u) => ({ unitId: `bench-u${u}`, dueDate: '2026-12-31' })),
      })),
    };
    const items = input.problems.flatMap((p) => p.assignments.map((a) => ({ wf: workflowIds.rectificationItem(feedbackId, p.no, a.unitId), unit: a.unitId })));
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    const handle = await client.workflow.start<typeof rectification>('rectification', { taskQueue, workflowId: workflowIds.rectification(feedbackId), args: [input] });
    const latencies: number[] = [];

    const waitStep = async (wf: string, step: string): Promise<string> => {
      for (;;) {
        try {
          const s = (await client.workflow.getHandle(wf).query(stateQuery)) as ItemState;
          if (s.currentTask?.step === step) return s.currentTask.taskId;
        } catch {
          /* not started yet */
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const act = async (wf: string, a: Omit<ActInput, 'taskId'>, step: string) => {
      const taskId = await waitStep(wf, step);
      const s = performance.now();
      await client.workflow.getHandle(wf).executeUpdate(actUpdate, { args: [{ ...a, taskId }] });
      latencies.push(performance.now() - s);
    };
    const drive = async ({ wf, unit }: { wf: string; unit: string }) => {
      await act(wf, { actorId: `${unit}-staff`, action: 'submit', data: { measures: 'm', evidence: [{ name: 'e', ref: 'r' }], noRuleReason: 'n/a' } }, 'submit');
      await act(wf, { actorId: 'xcb-reviewer', action: 'pass' }, 'review');
      await act(wf, { actorId: `${unit}-head`, action: 'sign' }, 'unitHead');
      await act(wf, { actorId: 'zzb-head', action: 'sign' }, 'leadDepartment');
      await act(wf, { actorId: 'xcb-director', action: 'sign' }, 'inspectionOffice');
    };
    const queue = [...items];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) await drive(next);
      }),
    );
    const summary = await handle.result();
    const total = performance.now() - t0;

    const sizes: number[] = [];
    for (const { wf } of items.slice(0, 10)) sizes.push((await client.workflow.getHandle(wf).fetchHistory()).events?.length ?? 0);
    const parentEvents = (await handle.fetchHistory()).events?.length ?? 0;
    latencies.sort((a, b) => a - b);
    console.log(`items                 ${items.length} (${problems} problems × ${unitsPerProblem} units), concurrency ${concurrency}`);
    console.log(`signed off            ${summary.signedOff}/${summary.items}`);
    console.log(`wall time             ${(total / 1000).toFixed(1)} s`);
    console.log(`actions               ${latencies.length}, ${(latencies.length / (total / 1000)).toFixed(1)} per second`);
    console.log(`update latency ms     p50 ${pct(latencies, 50).toFixed(0)}  p95 ${pct(latencies, 95).toFixed(0)}  p99 ${pct(latencies, 99).toFixed(0)}  max ${(latencies.at(-1) ?? 0).toFixed(0)}`);
    console.log(`history events        item ${Math.min(...sizes)}–${Math.max(...sizes)}, feedback ${parentEvents}`);
    console.log(`client process RSS    ${(rssBefore / 2 ** 20).toFixed(0)} → ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  });

  await env.teardown();
  await orm.close();
  await pg?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * The raw baseline's worker (bench/baseline-workflow.ts, task queue `bench-baseline`) as a process of its
 * own, for the cluster benches: as many of them as tingjin workers, so the raw row of a cluster bench
 * scales the same way. TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and DATABASE_URL as for `npm run worker`;
 * it prints `polling` once it polls and stops on SIGTERM.
 */
import './quiet-logs';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { Pool } from 'pg';
import { payloadDataConverter } from '../platform/payload-codec';
import { BASELINE_TASK_QUEUE, type BaselineActivities } from './baseline-workflow';

/** The one write an approval does (the table is created by bench/cluster-stack.ts). */
export const BENCH_ROW_INSERT = 'insert into bench_row (workflow_id, step, actor_id) values ($1, $2, $3) on conflict do nothing';

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  const activities: BaselineActivities = {
    async recordApproval(row) {
      await pool.query(BENCH_ROW_INSERT, [row.workflowId, row.step, row.actorId]);
    },
  };
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS as string });
  const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m: string) => console.error(`[bundle] ${m}`) };
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./baseline-workflow'), logger: quiet });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: BASELINE_TASK_QUEUE,
    workflowBundle,
    activities,
    shutdownGraceTime: '10 seconds',
    // The bench's client encrypts every payload (platform/payload-codec.ts): the same key ring decrypts them.
    dataConverter: payloadDataConverter(),
  });
  const running = worker.run();
  console.log(`polling task queue ${BASELINE_TASK_QUEUE}`);
  await running;
  await connection.close();
  await pool.end();
}

main().catch((err: unknown) => {
  console.error('[baseline worker] failed:', err);
  process.exit(1);
});

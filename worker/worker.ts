/** Builds the worker: the workflow bundle, the activities and graceful shutdown. */
import type { MikroORM } from '@mikro-orm/postgresql';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type Activities, type ActivityDeps } from '../activities';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  orm: MikroORM;
  /** Replaces some activities, e.g. the deadline calculation in tests that cannot wait for days. */
  activityOverrides?: Partial<Activities>;
  /** Test only: see ActivityDeps.afterProjection. */
  afterProjection?: ActivityDeps['afterProjection'];
  /** A prebuilt bundle (tests bundle once per file); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  const activities = { ...createActivities({ orm: opts.orm, ...(opts.afterProjection ? { afterProjection: opts.afterProjection } : {}) }), ...opts.activityOverrides };
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    // In-flight activities get time to finish before a deploy or Ctrl-C stops the worker.
    shutdownGraceTime: '10 seconds',
  });
}

/** Builds the worker: the workflow bundle, the activities and graceful shutdown. */
import type { MikroORM } from '@mikro-orm/postgresql';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type Activities, type ActivityDeps } from '../activities';
import type { WorkerDeploymentConfig } from '../platform/config';
import { payloadDataConverter } from '../platform/payload-codec';

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
  /** This build as a Worker Deployment version (TEMPORAL_DEPLOYMENT_NAME, TEMPORAL_BUILD_ID); unset: unversioned. */
  deployment?: WorkerDeploymentConfig | null;
  /** Names the worker in workflow histories; defaults to the SDK's pid@host. */
  identity?: string;
  /** Defaults to the process's (platform/payload-codec.ts): payloads encrypted with the clients' key ring. */
  dataConverter?: WorkerOptions['dataConverter'];
}

export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  const activities = { ...createActivities({ orm: opts.orm, ...(opts.afterProjection ? { afterProjection: opts.afterProjection } : {}) }), ...opts.activityOverrides };
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities,
    // The same key ring as the API's client: the worker decrypts the inputs and encrypts what it records.
    dataConverter: opts.dataConverter ?? payloadDataConverter(),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    // In-flight activities get time to finish before a deploy or Ctrl-C stops the worker.
    shutdownGraceTime: '10 seconds',
    ...(opts.identity ? { identity: opts.identity } : {}),
    // A versioned worker polls only for its own version's tasks: the server sends a pinned workflow back
    // to the build it started on, so that build keeps replaying it while a newer one takes new starts.
    ...(opts.deployment
      ? {
          workerDeploymentOptions: {
            version: { deploymentName: opts.deployment.deploymentName, buildId: opts.deployment.buildId },
            useWorkerVersioning: true,
            defaultVersioningBehavior: opts.deployment.defaultVersioningBehavior,
          },
        }
      : {}),
  });
}

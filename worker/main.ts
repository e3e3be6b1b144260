/** `npm run worker`: a worker process on its own, for production. */
import { NativeConnection, bundleWorkflowCode } from '@temporalio/worker';
import { loadConfig } from '../platform/config';
import { databaseUrl, temporalAddress } from '../platform/database';
import { createOrm } from '../platform/orm';
import { ensureSchedules, schedulesConfig } from '../platform/schedules';
import { bundlerLogger, logger } from '../platform/log';
import { connectClient, ensureSearchAttributes, temporalSecurity } from '../platform/temporal';
import { installWorkerRuntime } from './runtime';
import { superviseWorker } from './supervisor';
import { createWorker } from './worker';

const log = logger.child({ name: 'worker' });

async function main(): Promise<void> {
  // First of all: the SDK's runtime (its logger, its metrics exporter) is fixed once per process.
  const metricsAt = installWorkerRuntime(log);
  if (metricsAt) log.info(`Temporal SDK metrics for Prometheus on http://${metricsAt}/metrics`);
  const config = loadConfig();
  const address = temporalAddress(config);
  const orm = await createOrm(databaseUrl(config));
  const client = await connectClient(address, config.temporalNamespace);
  await ensureSearchAttributes(client, config.temporalNamespace);
  // The reconciler's and the audit anchor's Schedules (platform/schedules.ts): created, or updated to the configuration.
  const schedules = await ensureSchedules(client, config.taskQueue, schedulesConfig(config.dataDir));
  log.info(`schedules: reconcile ${schedules.reconcile}, audit anchor ${schedules.anchor}`);
  await client.connection.close();
  const connection = await NativeConnection.connect({ address, ...temporalSecurity() });
  // Test only (test/api/crash.test.ts): hold a projection of this action open after its write.
  const holdAfter = process.env.TINGJIN_TEST_HOLD_PROJECTION_OF;
  // Said once, because it costs throughput and is meant to be switched back off (patches/README.md).
  if (config.workflowStackTraces) log.warn('workflow stack traces are on (TINGJIN_WORKFLOW_STACK_TRACES): the stack-trace query answers, at about an eighth of the throughput');
  // Bundled once: a worker re-created after a failure reuses it.
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: bundlerLogger(log) });
  // A worker the SDK stops on a fatal error is re-created here with backoff (worker/supervisor.ts), so
  // the process does not need a process manager to come back. It exits on SIGINT/SIGTERM, and with 1
  // when the supervisor gives up after repeated stuck workers, for its manager to start a fresh one.
  const supervisor = superviseWorker({
    create: () =>
      createWorker({
        connection,
        namespace: config.temporalNamespace,
        taskQueue: config.taskQueue,
        orm,
        workflowBundle,
        deployment: config.workerDeployment,
        ...(holdAfter
          ? {
              afterProjection: async (ts) => {
                if (!ts.some((x) => x.action?.action === holdAfter)) return;
                log.info(`holding the projection of ${holdAfter} (test)`);
                await new Promise((r) => setTimeout(r, 600_000));
              },
            }
          : {}),
      }),
    log: (line) => log.warn(line),
    onRunning: (_w, attempt) => {
      const version = config.workerDeployment;
      const as = version ? ` as ${version.deploymentName}:${version.buildId} (${version.defaultVersioningBehavior})` : '';
      log.info({ taskQueue: config.taskQueue, address, attempt, ...(version ? { deployment: version } : {}) }, `polling task queue ${config.taskQueue} on ${address}${as}`);
    },
  });
  // The SDK shuts the worker down on SIGINT/SIGTERM once in-flight work has drained
  // (shutdownGraceTime); the supervisor then ends instead of restarting it.
  await supervisor.done;
  await orm.close();
  // A worker abandoned after a fatal error (worker/supervisor.ts) still holds the connection and its native
  // threads, which would keep the process alive: then it exits instead of closing them.
  if (supervisor.abandoned() > 0) {
    log.info({ abandoned: supervisor.abandoned() }, 'stopped');
    process.exit(0);
  }
  await connection.close();
  log.info('stopped');
}

main().catch((err) => {
  log.fatal({ err }, 'failed');
  process.exit(1);
});

/** `npm run worker`: a worker process on its own, for production. */
import { NativeConnection, bundleWorkflowCode } from '@temporalio/worker';
import { loadConfig } from '../platform/config';
import { databaseUrl, temporalAddress } from '../platform/database';
import { createOrm } from '../platform/orm';
import { ensureSchedules, schedulesConfig } from '../platform/schedules';
import { connectClient, ensureSearchAttributes, temporalSecurity } from '../platform/temporal';
import { superviseWorker } from './supervisor';
import { createWorker } from './worker';

const noop = (): void => undefined;
/** webpack's progress lines are noise at every start; its errors still show. */
const quietBundler = { log: noop, trace: noop, debug: noop, info: noop, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };

async function main(): Promise<void> {
  const config = loadConfig();
  const address = temporalAddress(config);
  const orm = await createOrm(databaseUrl(config));
  const client = await connectClient(address, config.temporalNamespace);
  await ensureSearchAttributes(client, config.temporalNamespace);
  // The reconciler's and the audit anchor's Schedules (platform/schedules.ts): created, or updated to the configuration.
  const schedules = await ensureSchedules(client, config.taskQueue, schedulesConfig(config.dataDir));
  console.log(`[worker] schedules: reconcile ${schedules.reconcile}, audit anchor ${schedules.anchor}`);
  await client.connection.close();
  const connection = await NativeConnection.connect({ address, ...temporalSecurity() });
  // Test only (test/api/crash.test.ts): hold a projection of this action open after its write.
  const holdAfter = process.env.TINGJIN_TEST_HOLD_PROJECTION_OF;
  // Bundled once: a worker re-created after a failure reuses it.
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietBundler });
  // A worker the SDK stops on a fatal error is re-created here with backoff (worker/supervisor.ts), so
  // the process does not need a process manager to come back; it exits only on SIGINT/SIGTERM.
  const supervisor = superviseWorker({
    create: () =>
      createWorker({
        connection,
        namespace: config.temporalNamespace,
        taskQueue: config.taskQueue,
        orm,
        workflowBundle,
        ...(holdAfter
          ? {
              afterProjection: async (ts) => {
                if (!ts.some((x) => x.action?.action === holdAfter)) return;
                console.log(`[worker] holding the projection of ${holdAfter} (test)`);
                await new Promise((r) => setTimeout(r, 600_000));
              },
            }
          : {}),
      }),
    log: (line) => console.error(line),
    onRunning: () => console.log(`[worker] polling task queue "${config.taskQueue}" on ${address}`),
  });
  // The SDK shuts the worker down on SIGINT/SIGTERM once in-flight work has drained
  // (shutdownGraceTime); the supervisor then ends instead of restarting it.
  await supervisor.done;
  await connection.close();
  await orm.close();
  console.log('[worker] stopped');
}

main().catch((err) => {
  console.error('[worker] failed:', err);
  process.exit(1);
});

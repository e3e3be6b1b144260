/** `npm run worker`: a worker process on its own, for production. */
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../platform/config';
import { databaseUrl, temporalAddress } from '../platform/database';
import { createOrm } from '../platform/orm';
import { connectClient, ensureSearchAttributes } from '../platform/temporal';
import { createWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const address = temporalAddress(config);
  const orm = await createOrm(databaseUrl(config));
  const client = await connectClient(address, config.temporalNamespace);
  await ensureSearchAttributes(client, config.temporalNamespace);
  await client.connection.close();
  const connection = await NativeConnection.connect({ address });
  // Test only (test/api/crash.test.ts): hold a projection of this action open after its write.
  const holdAfter = process.env.TINGJIN_TEST_HOLD_PROJECTION_OF;
  const worker = await createWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    orm,
    ...(holdAfter
      ? {
          afterProjection: async (ts) => {
            if (!ts.some((x) => x.action?.action === holdAfter)) return;
            console.log(`[worker] holding the projection of ${holdAfter} (test)`);
            await new Promise((r) => setTimeout(r, 600_000));
          },
        }
      : {}),
  });
  console.log(`[worker] polling task queue "${config.taskQueue}" on ${address}`);
  // run() resolves after SIGINT/SIGTERM once in-flight work has drained (shutdownGraceTime).
  await worker.run();
  await connection.close();
  await orm.close();
  console.log('[worker] stopped');
}

main().catch((err) => {
  console.error('[worker] failed:', err);
  process.exit(1);
});

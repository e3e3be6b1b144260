/** `npm run api`: the HTTP API on its own, for production. */
import { loadConfig } from '../platform/config';
import { databaseUrl, temporalAddress } from '../platform/database';
import { logger } from '../platform/log';
import { createOrm } from '../platform/orm';
import { connectClient } from '../platform/temporal';
import { installClientRuntime } from '../worker/runtime';
import { createApp } from './app';
import { serve } from './server';

const log = logger.child({ name: 'api' });

async function main(): Promise<void> {
  const config = loadConfig();
  installClientRuntime(log);
  const orm = await createOrm(databaseUrl(config));
  const client = await connectClient(temporalAddress(config), config.temporalNamespace);
  const { app } = createApp({ orm, client, taskQueue: config.taskQueue, sessionHours: config.sessionHours }, { logger: log });
  const server = await serve(app, config.apiPort);
  log.info(`listening on http://127.0.0.1:${config.apiPort}`);
  const stop = () => {
    server.close(async () => {
      await client.connection.close();
      await orm.close();
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  log.fatal({ err }, 'failed');
  process.exit(1);
});

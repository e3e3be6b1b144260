import type { Config } from './config';

/** The database the processes use: DATABASE_URL, or the embedded server that `npm start` runs. */
export function databaseUrl(config: Config): string {
  return config.databaseUrl ?? `postgres://postgres:postgres@127.0.0.1:${config.embeddedPostgresPort}/tingjin`;
}

export function temporalAddress(config: Config): string {
  return config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`;
}

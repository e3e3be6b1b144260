/**
 * Per test file: a fresh database (migrated and seeded) and a real Temporal dev server started
 * from the built CLI. The workflow bundle is built once per file; each test runs its own worker.
 */
import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { isYearCovered } from '../../domain/calendar';
import { createOrm, migrate } from '../../platform/orm';
import { payloadDataConverter } from '../../platform/payload-codec';
import { dropDatabase, ensureDatabase, withDatabase } from '../../platform/postgres';
import { seedDemoData } from '../../platform/seed';
import { ALL_SEARCH_ATTRIBUTES } from '../../procedures/kernel/messages';
import { calendarYearsAhead } from './today';

export interface TestEnv {
  env: TestWorkflowEnvironment;
  orm: MikroORM;
  bundle: WorkflowBundleWithSourceMap;
  databaseUrl: string;
  address: string;
  teardown(): Promise<void>;
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/**
 * Procedures dated today compute their deadlines in the current year, and from late December in the next: a
 * public notice of 5 working days started after about 24 December ends in January. When the pinned chinese-days
 * has no listing for one of them (the State Council publishes a year's holidays late in the year before), the
 * database is given that year as plain Monday–Friday weeks, as an administrator would load it (PUT
 * /calendar/years/:year): otherwise such a test would fail with calendar_not_covered on 1 January, or in the last
 * week of December. A year chinese-days lists is left alone, and tests that need an uncovered year use one far
 * ahead (helpers/rectification.ts testYear, at least two years on).
 */
async function coverCurrentYears(orm: MikroORM): Promise<void> {
  for (const year of calendarYearsAhead()) if (!isYearCovered(year)) await loadPlainYear(orm, year);
}

/** Loads `year` as plain Monday–Friday weeks with no holidays, unless a calendar for it is loaded already. */
export async function loadPlainYear(orm: MikroORM, year: number): Promise<void> {
  await orm.em.getConnection().execute(
    `insert into calendar_year (year, source, loaded_by, loaded_at) values (?, 'test: Monday–Friday', 'test', now()) on conflict do nothing`,
    [year],
  );
}

export async function setupTestEnv(): Promise<TestEnv> {
  const adminUrl = process.env.TINGJIN_TEST_PG_ADMIN_URL;
  const cli = process.env.TINGJIN_TEST_TEMPORAL_CLI;
  if (!adminUrl || !cli) throw new Error('run the tests through jest: the global setup provides PostgreSQL and the Temporal CLI');
  const dbName = `tingjin_test_${randomBytes(5).toString('hex')}`;
  await ensureDatabase(adminUrl, dbName);
  const databaseUrl = withDatabase(adminUrl, dbName);
  const orm = await createOrm(databaseUrl);
  await migrate(orm);
  await seedDemoData(orm);
  await coverCurrentYears(orm);
  const [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: cli },
        searchAttributes: ALL_SEARCH_ATTRIBUTES,
        extraArgs: ['--log-level', 'error'],
      },
      // The converter of the API and the worker (createWorker's default): payloads encrypted, as in production.
      client: { dataConverter: payloadDataConverter() },
    }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger }),
  ]);
  const address = env.address;
  return {
    env,
    orm,
    bundle,
    databaseUrl,
    address,
    async teardown() {
      await env.teardown();
      await orm.close();
      await dropDatabase(adminUrl, dbName);
    },
  };
}

const noop = (): void => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };

/** Polls until `probe` returns a value that is not undefined; fails after `ms`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, ms = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Which activity failures retry. Only infrastructure retries: the database or the network being
 * away. A programming or data error (a TypeError, a bad value, a constraint violation) becomes a
 * non-retryable ApplicationFailure with a code, so a procedure never retries a bug for ever.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { logger } from '../platform/log';

/** PostgreSQL SQLSTATE classes that a retry cannot fix: 22 data exception, 23 integrity, 42 syntax/undefined. */
const PERMANENT_SQL_CLASSES = ['22', '23', '42'];

export function classify(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  const e = err as { name?: string; code?: unknown; message?: string } | null;
  const sqlState = typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : null;
  if (sqlState && PERMANENT_SQL_CLASSES.includes(sqlState.slice(0, 2))) {
    return ApplicationFailure.nonRetryable(`database refused the write (SQLSTATE ${sqlState})`, 'data_error');
  }
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError || err instanceof ReferenceError) {
    return ApplicationFailure.nonRetryable(`${err.name} in an activity; see the worker log`, 'programming_error');
  }
  // Connection refused, reset, timeouts, serialization failures: retry.
  return err;
}

/** Wraps every activity so its failures are classified. */
export function withClassifiedFailures<T extends Record<string, (...args: never[]) => Promise<unknown>>>(acts: T): T {
  return Object.fromEntries(
    Object.entries(acts).map(([name, fn]) => [
      name,
      async (...args: never[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          const c = classify(err);
          if (c !== err) {
            // The activity's context logger: its line carries the workflow id, activity id and type
            // (through the worker's runtime logger, platform/log.ts); outside an activity, the process's.
            const inActivity = (() => {
              try {
                return Context.current();
              } catch {
                return null;
              }
            })();
            if (inActivity) inActivity.log.error(`${name} failed; classified as not retryable`, { error: err });
            else logger.error({ err, activity: name }, `${name} failed; classified as not retryable`);
          }
          throw c;
        }
      },
    ]),
  ) as T;
}

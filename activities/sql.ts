import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * A text[] literal: the query builder expands a bound array into a list of values, so arrays are bound
 * as one string in PostgreSQL's array syntax, every element quoted and escaped.
 */
export function pgTextArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

/** What a pooled pg client answers; only the rows are used. */
interface PgClient {
  query<T>(text: string, values: readonly unknown[]): Promise<{ rows: T[] }>;
}

/**
 * One statement on a client from the ORM's own pool (same settings, same type parsers), sent straight to
 * pg: for the few statements every request or action runs (authentication, the idempotency record, the
 * projection). The ORM's and the query builder's pipeline around each statement (placeholder rewriting,
 * logging, context lookup) cost several times the driver's own work, on the one thread that is an
 * action's bottleneck. Placeholders are PostgreSQL's ($1, $2, …). Not for a statement inside an ORM
 * transaction: it runs on its own connection.
 */
export async function sql<T>(em: EntityManager, text: string, values: readonly unknown[] = []): Promise<T[]> {
  const knexClient = em.getConnection().getKnex().client as { acquireConnection(): Promise<PgClient>; releaseConnection(c: PgClient): Promise<void> };
  const client = await knexClient.acquireConnection();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await knexClient.releaseConnection(client);
  }
}

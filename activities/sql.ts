import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { onOff } from '../platform/config';

/**
 * A text[] literal: the query builder expands a bound array into a list of values, so arrays are bound
 * as one string in PostgreSQL's array syntax, every element quoted and escaped.
 */
export function pgTextArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

/** What a pooled pg client answers; only the rows are used. */
interface PgClient {
  query<T>(q: { text: string; values: readonly unknown[]; name?: string }): Promise<{ rows: T[] }>;
}

/**
 * Statements are sent as named prepared statements, so each pooled connection parses one (the projection's
 * write is a 3 KB statement of eight CTEs) once, not on every call: after its first use a call sends only
 * its name and values, and PostgreSQL skips the parse and analysis. The names come from the text, so one
 * text always has one name. Bounded, since a caller could build texts that vary: past the bound a statement
 * is sent unnamed, as before. `DATABASE_PREPARED_STATEMENTS=off` turns it off for a pooler that cannot
 * keep a session's prepared statements (PgBouncer in transaction mode before 1.21).
 */
const NAMED_MAX = 400;
const names = new Map<string, string>();
const preparing = onOff(process.env, 'DATABASE_PREPARED_STATEMENTS', true);

function nameOf(text: string): string | undefined {
  const known = names.get(text);
  if (known || !preparing || names.size >= NAMED_MAX) return known;
  const name = `tj_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  names.set(text, name);
  return name;
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
    // A statement without values goes by the simple protocol, which a named one cannot use.
    const name = values.length > 0 ? nameOf(text) : undefined;
    return (await client.query<T>({ text, values, ...(name ? { name } : {}) })).rows;
  } finally {
    await knexClient.releaseConnection(client);
  }
}

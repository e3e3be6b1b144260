/**
 * Idempotency-Key handling. The key also becomes the Temporal Update id, so concurrent repeats
 * are deduplicated by Temporal; this table replays the first successful response afterwards,
 * even once the workflow has closed.
 */
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { IdempotencyRecordSchema } from '../platform/entities';
import { Unprocessable } from './errors';

export interface StoredResponse {
  status: number;
  body: unknown;
}

export function fingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n${JSON.stringify(body ?? null)}`).digest('hex');
}

export async function findReplay(em: EntityManager, userId: string, key: string, fp: string): Promise<StoredResponse | null> {
  const rec = await em.findOne(IdempotencyRecordSchema, { userId, key });
  if (!rec) return null;
  if (rec.fingerprint !== fp) {
    throw new Unprocessable('idempotency_key_reused', 'this Idempotency-Key was already used for a different request', { key });
  }
  return { status: rec.statusCode, body: rec.body };
}

/** Stores a successful response; a concurrent duplicate keeps the first one stored. */
export async function remember(em: EntityManager, userId: string, key: string, fp: string, res: StoredResponse): Promise<void> {
  await em
    .createQueryBuilder(IdempotencyRecordSchema)
    .insert({ userId, key, fingerprint: fp, statusCode: res.status, body: res.body, createdAt: new Date() })
    .onConflict(['userId', 'key'])
    .ignore()
    .execute();
}

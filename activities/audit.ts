/**
 * Appends to a procedure's audit chain (domain/audit.ts), inside the caller's transaction, so an
 * entry is written exactly when the projection change it records is.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { auditHash, canonicalize, GENESIS_HASH } from '../domain/audit';
import { AuditLogSchema } from '../platform/entities';

export interface AuditInput {
  /** Key of the write being recorded; a retry or a replay with the same key appends nothing. */
  sourceKey: string;
  workflowId: string;
  kind: string;
  actorId: string;
  at: Date | string;
  payload: unknown;
}

/** Returns true if it appended an entry, false if the sourceKey was already recorded. */
export async function appendAudit(em: EntityManager, input: AuditInput): Promise<boolean> {
  // The advisory lock below lasts until the transaction ends; outside one it would guard nothing.
  if (!em.isInTransaction()) return em.transactional((tx) => appendAudit(tx, input));

  // One writer per procedure at a time: seq and prevHash come from the entry before, so two
  // concurrent appends must not both read the same head. Other procedures are not blocked.
  await em.execute('select pg_advisory_xact_lock(hashtext(?))', [input.workflowId]);

  const existing = await em.createQueryBuilder(AuditLogSchema).select('id').where({ id: input.sourceKey }).execute('get');
  if (existing) return false;

  const prev = await em
    .createQueryBuilder(AuditLogSchema)
    .select(['seq', 'hash'])
    .where({ workflowId: input.workflowId })
    .orderBy({ seq: 'desc' })
    .limit(1)
    .execute('get');
  const seq = (prev?.seq ?? 0) + 1;
  const prevHash = prev?.hash ?? GENESIS_HASH;
  const at = new Date(input.at);
  // Stored in the canonical form that is hashed, so what jsonb gives back hashes the same.
  const payload = canonicalize(input.payload ?? null);
  const hash = auditHash({ workflowId: input.workflowId, seq, kind: input.kind, actorId: input.actorId, at, payload }, prevHash);
  await em
    .createQueryBuilder(AuditLogSchema)
    .insert({ id: input.sourceKey, workflowId: input.workflowId, seq, kind: input.kind, actorId: input.actorId, at, payload, prevHash, hash })
    .onConflict('id')
    .ignore()
    .execute();
  return true;
}

/**
 * Appends to a procedure's audit chain (domain/audit.ts), inside the caller's transaction, so an
 * entry is written exactly when the projection change it records is.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { auditHash, canonicalize, GENESIS_HASH } from '../domain/audit';
import { AuditLogSchema } from '../platform/entities';
import { pgTextArray } from './sql';

export interface AuditInput {
  /** Key of the write being recorded; a retry or a replay with the same key appends nothing. */
  sourceKey: string;
  kind: string;
  actorId: string;
  at: Date | string;
  payload: unknown;
}

/**
 * Appends entries to one procedure's chain, in order, skipping keys already recorded. Returns how many
 * it appended. One lock, two reads and one insert, however many entries.
 */
export async function appendAudit(em: EntityManager, workflowId: string, entries: readonly AuditInput[]): Promise<number> {
  if (entries.length === 0) return 0;
  // The advisory lock below lasts until the transaction ends; outside one it would guard nothing.
  if (!em.isInTransaction()) return em.transactional((tx) => appendAudit(tx, workflowId, entries));

  // One writer per procedure at a time: seq and prevHash come from the entry before, so two
  // concurrent appends must not both read the same head. Other procedures are not blocked.
  await em.execute('select pg_advisory_xact_lock(hashtext(?))', [workflowId]);
  const recorded = new Set(
    (await em.execute<{ id: string }[]>('select id from audit_log where id = any(?::text[])', [pgTextArray(entries.map((e) => e.sourceKey))])).map((r) => r.id),
  );
  const [head] = await em.execute<{ seq: number; hash: string }[]>('select seq, hash from audit_log where workflow_id = ? order by seq desc limit 1', [workflowId]);
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const rows = [];
  for (const input of entries) {
    if (recorded.has(input.sourceKey)) continue;
    recorded.add(input.sourceKey);
    seq += 1;
    const at = new Date(input.at);
    // Stored in the canonical form that is hashed, so what jsonb gives back hashes the same.
    const payload = canonicalize(input.payload ?? null);
    const hash = auditHash({ workflowId, seq, kind: input.kind, actorId: input.actorId, at, payload }, prevHash);
    rows.push({ id: input.sourceKey, workflowId, seq, kind: input.kind, actorId: input.actorId, at, payload, prevHash, hash });
    prevHash = hash;
  }
  if (rows.length) await em.createQueryBuilder(AuditLogSchema).insert(rows).execute();
  return rows.length;
}

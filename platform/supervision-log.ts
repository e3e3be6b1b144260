/**
 * What supervisors do from the board, recorded: the watch list (挂账督办) and its entry in the
 * procedure's audit chain, and one supervision_action row per action with its result.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { auditHash, canonicalize, GENESIS_HASH } from '../domain/audit';

export interface SupervisionActionRow {
  id: string;
  /** boardRebuilt: the reconciler recomputed the board's pre-aggregates (platform/reconcile.ts). */
  kind: 'bulkUrge' | 'reassign' | 'watch' | 'unwatch' | 'boardRebuilt';
  actorId: string;
  at: Date;
  target: string | null;
  filter: unknown;
  comment: string | null;
  result: unknown;
}

/** Records an action once: its id is the actor's Idempotency-Key, so a replayed request adds nothing. */
export async function recordSupervisionAction(em: EntityManager, a: SupervisionActionRow): Promise<void> {
  await em.execute(
    `insert into supervision_action (id, kind, actor_id, at, target, filter, comment, result) values (?, ?, ?, ?, ?, ?::jsonb, ?, ?::jsonb) on conflict (id) do nothing`,
    [a.id, a.kind, a.actorId, a.at.toISOString(), a.target, a.filter === null ? null : JSON.stringify(a.filter), a.comment, JSON.stringify(a.result)],
  );
}

function lostRace(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === '23505' && /^audit_log_/.test(e.constraint ?? '');
}

/**
 * Puts a procedure on the watch list or takes it off, with its audit entry, in one transaction. The
 * entry goes at the head of the procedure's chain; should the projection append there first (both take
 * the next seq), the unique (workflow_id, seq) refuses one of them and this one tries again on the new head.
 * Returns whether anything changed (watching a watched procedure changes nothing and records nothing).
 */
export async function setWatched(
  em: EntityManager,
  o: { workflowId: string; on: boolean; actorId: string; comment: string | null; auditId: string; at: Date },
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await em.transactional(async (tx) => {
        const changed = o.on
          ? await tx.execute<{ workflow_id: string }[]>(
              `insert into supervision_watch (workflow_id, watched_by, comment, watched_at) values (?, ?, ?, ?) on conflict (workflow_id) do nothing returning workflow_id`,
              [o.workflowId, o.actorId, o.comment, o.at.toISOString()],
            )
          : await tx.execute<{ workflow_id: string }[]>(`delete from supervision_watch where workflow_id = ? returning workflow_id`, [o.workflowId]);
        if (changed.length === 0) return false;
        const [head] = await tx.execute<{ seq: number; hash: string }[]>(`select seq, hash from audit_log where workflow_id = ? order by seq desc limit 1`, [o.workflowId]);
        const prev = head ?? { seq: 0, hash: GENESIS_HASH };
        const seq = prev.seq + 1;
        const kind = o.on ? 'supervision:watch' : 'supervision:unwatch';
        // Stored in the canonical form that is hashed, as the projection stores its entries.
        const payload = canonicalize({ comment: o.comment });
        const hash = auditHash({ workflowId: o.workflowId, seq, kind, actorId: o.actorId, at: o.at, payload }, prev.hash);
        await tx.execute(`insert into audit_log (id, workflow_id, seq, kind, actor_id, at, payload, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)`, [
          o.auditId,
          o.workflowId,
          seq,
          kind,
          o.actorId,
          o.at.toISOString(),
          JSON.stringify(payload),
          prev.hash,
          hash,
        ]);
        return true;
      });
    } catch (err) {
      if (!(attempt < 5 && lostRace(err))) throw err;
    }
  }
}

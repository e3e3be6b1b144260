/**
 * Writes transitions (procedures/kernel/projector.ts) to PostgreSQL in one database transaction: the
 * procedure row, the action row, the tasks closed and opened, notifications and the audit entries.
 * The API calls this right after an Update answers (read-your-writes), and the workflow's `project`
 * activity calls it for durability; `transition_applied` makes whichever comes second a no-op.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Transition } from '../procedures/kernel/messages';
import { appendAudit, type AuditInput } from './audit';
import { pgTextArray } from './sql';

const SYSTEM = 'system';

/** Writes one new transition's rows; its audit entries go into `audit`, appended per procedure after. */
async function applyOne(tx: EntityManager, t: Transition, audit: AuditInput[]): Promise<void> {
  if (t.flagOverdue?.length) {
    await tx.execute('update procedure set overdue = true, updated_at = now() where workflow_id = any(?::text[]) and not overdue', [pgTextArray(t.flagOverdue)]);
  }
  if (t.action) {
    const a = t.action;
    await tx.execute(
      `insert into action_log (id, workflow_id, seq, task_id, step, actor_id, action, comment, data, at) values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?) on conflict do nothing`,
      [`${t.workflowId}:${t.seq}`, t.workflowId, t.seq, a.taskId, a.step, a.actorId, a.action, a.comment ?? null, JSON.stringify(a.data ?? null), t.at],
    );
    audit.push({
      sourceKey: `${t.workflowId}:${t.seq}`,
      kind: `action:${a.action}`,
      actorId: a.actorId,
      at: t.at,
      payload: { step: a.step, taskId: a.taskId, comment: a.comment ?? null, data: a.data ?? null },
    });
  }
  for (const c of t.closed) {
    // A close may arrive before its open (writes in another order): the row is inserted already done.
    await tx.execute(
      `insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at, due_at, completed_at, completed_by, action)
       values (?, ?, ?, ?, ?, ?, ?::text[], 'done', ?, ?, ?, ?, ?)
       on conflict (id) do update set status = 'done', completed_at = excluded.completed_at, completed_by = excluded.completed_by, action = excluded.action
       where task.status = 'pending'`,
      [c.task.taskId, t.workflowId, t.procedure.type, c.task.step, c.task.seq, c.task.round, pgTextArray(c.task.assigneeIds), c.task.openedAt, c.task.dueAt, c.at, c.by, c.action],
    );
    if (!c.byAction) {
      audit.push({
        sourceKey: `task-closed:${c.task.taskId}`,
        kind: 'task:closed',
        actorId: c.by,
        at: c.at,
        payload: { taskId: c.task.taskId, action: c.action },
      });
    }
  }
  for (const o of t.opened) {
    await tx.execute(
      `insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at, due_at)
       values (?, ?, ?, ?, ?, ?, ?::text[], 'pending', ?, ?) on conflict (id) do nothing`,
      [o.taskId, t.workflowId, t.procedure.type, o.step, o.seq, o.round, pgTextArray(o.assigneeIds), o.openedAt, o.dueAt],
    );
    audit.push({
      sourceKey: `task-opened:${o.taskId}`,
      kind: 'task:opened',
      actorId: SYSTEM,
      at: o.openedAt,
      payload: { taskId: o.taskId, step: o.step, round: o.round, assigneeIds: o.assigneeIds, dueAt: o.dueAt },
    });
  }
  for (const [i, n] of t.notifications.entries()) {
    const supervisors = n.supervisors
      ? (await tx.execute<{ id: string }[]>(`select id from app_user where roles @> array['supervisor']::text[] order by id`)).map((r) => r.id)
      : [];
    for (const userId of new Set([...n.userIds, ...supervisors])) {
      await tx.execute(
        `insert into notification (id, user_id, workflow_id, kind, message, created_at) values (?, ?, ?, ?, ?, ?) on conflict do nothing`,
        [`${t.workflowId}:${t.seq}${i > 0 ? `.${i}` : ''}:${userId}`, userId, t.workflowId, n.kind, n.message, t.at],
      );
    }
  }
  for (const e of t.audit) {
    audit.push({ sourceKey: e.key, kind: e.kind, actorId: e.actorId, at: t.at, payload: e.payload });
  }
}

/** The procedure row as of a transition: kept only if no higher seq was written; overdue, once set, stays. */
async function upsertProcedure(tx: EntityManager, t: Transition): Promise<void> {
  const p = t.procedure;
  await tx.execute(
    `insert into procedure (workflow_id, type, parent_workflow_id, title, unit_ids, status, stage, overdue, due_at, started_by, started_at, closed_at, result, escalation, updated_at, projected_seq)
     values (?, ?, ?, ?, ?::text[], ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, now(), ?)
     on conflict (workflow_id) do update set title = excluded.title, unit_ids = excluded.unit_ids, status = excluded.status, stage = excluded.stage,
       overdue = procedure.overdue or excluded.overdue, due_at = excluded.due_at, closed_at = excluded.closed_at, result = excluded.result,
       escalation = excluded.escalation, updated_at = now(), projected_seq = excluded.projected_seq
     where procedure.projected_seq < excluded.projected_seq`,
    [
      p.workflowId,
      p.type,
      p.parentWorkflowId,
      p.title,
      pgTextArray(p.unitIds),
      p.status,
      p.stage,
      p.overdue,
      p.dueAt,
      p.startedBy,
      p.startedAt,
      p.closedAt,
      JSON.stringify(p.result ?? null),
      JSON.stringify(p.escalation ?? null),
      t.seq,
    ],
  );
}

/** Applies transitions in seq order per procedure, all in one database transaction. Returns how many were new. */
export async function applyTransitions(em: EntityManager, transitions: readonly Transition[]): Promise<number> {
  if (transitions.length === 0) return 0;
  // Usually the other writer has been first (the workflow's local activity runs before the Update
  // answers): one read tells, and no transaction is opened.
  const applied = await em.execute<{ workflow_id: string; seq: number }[]>(
    'select workflow_id, seq from transition_applied where workflow_id = any(?::text[]) and seq = any(?::int[])',
    [pgTextArray([...new Set(transitions.map((t) => t.workflowId))]), `{${[...new Set(transitions.map((t) => t.seq))].join(',')}}`],
  );
  const done = new Set(applied.map((r) => `${r.workflow_id}:${r.seq}`));
  const fresh = transitions.filter((t) => !done.has(`${t.workflowId}:${t.seq}`));
  if (fresh.length === 0) return 0;
  const sorted = [...fresh].sort((a, b) => (a.workflowId === b.workflowId ? a.seq - b.seq : a.workflowId < b.workflowId ? -1 : 1));
  return em.transactional(async (tx) => {
    // Claimed in one statement; a concurrent writer that got here first keeps its claim.
    const claimed = await tx.execute<{ workflow_id: string; seq: number }[]>(
      'insert into transition_applied (workflow_id, seq) select * from unnest(?::text[], ?::int[]) on conflict do nothing returning workflow_id, seq',
      [pgTextArray(sorted.map((t) => t.workflowId)), `{${sorted.map((t) => t.seq).join(',')}}`],
    );
    const mine = new Set(claimed.map((r) => `${r.workflow_id}:${r.seq}`));
    const audit = new Map<string, AuditInput[]>();
    const latest = new Map<string, Transition>();
    for (const t of sorted) {
      if (!mine.has(`${t.workflowId}:${t.seq}`)) continue;
      const entries = audit.get(t.workflowId) ?? [];
      audit.set(t.workflowId, entries);
      await applyOne(tx, t, entries);
      latest.set(t.workflowId, t);
    }
    // One row write per procedure: the snapshot of its highest new seq.
    for (const t of latest.values()) await upsertProcedure(tx, t);
    for (const [workflowId, entries] of audit) await appendAudit(tx, workflowId, entries);
    return mine.size;
  });
}

/**
 * The reconciler (issue 13): for every open procedure, compares its projection in PostgreSQL (the
 * procedure row and its pending tasks) with the workflow's own state (the `state` query), and reports
 * drift per kind. It reports only: the projection is written by the workflow's transitions, keyed by
 * seq (activities/projection.ts), and a transition already applied is not written again, so there is no
 * existing idempotent activity that rewrites a drifted row from the live state. Repairing needs the
 * workflow to re-emit its current snapshot as a new transition (a kernel change; see the README).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { stateQuery, type TaskView } from '../procedures/kernel/messages';

export const DRIFT_KINDS = ['not_running', 'query_failed', 'status', 'stage', 'overdue', 'missing_task', 'stray_task', 'assignees'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface Drift {
  workflowId: string;
  kind: DriftKind;
  projection: unknown;
  workflow: unknown;
}

export interface ReconcileReport {
  checked: number;
  drift: Record<DriftKind, number>;
  findings: Drift[];
  repaired: 0;
}

interface Row {
  workflow_id: string;
  status: string;
  stage: string;
  overdue: boolean;
}

interface LiveState {
  status?: unknown;
  stage?: unknown;
  overdue?: unknown;
  openTasks?: unknown;
}

const QUERY_DEADLINE_MS = 10_000;

async function check(em: EntityManager, client: Client, workflowId: string): Promise<Drift[]> {
  const handle = client.workflow.getHandle(workflowId);
  let state: LiveState;
  try {
    state = (await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(stateQuery))) as LiveState;
  } catch (err) {
    const status = await handle.describe().then(
      (d) => d.status.name,
      () => null,
    );
    if (status !== 'RUNNING') return [{ workflowId, kind: 'not_running', projection: 'open', workflow: status ?? 'not found' }];
    return [{ workflowId, kind: 'query_failed', projection: null, workflow: String(err).slice(0, 200) }];
  }
  // Read after the query: a transition the workflow made before answering has been projected by then,
  // or is being projected now (the second pass below tells the two apart).
  const [row] = await em.execute<Row[]>(`select workflow_id, status, stage, overdue from procedure where workflow_id = ?`, [workflowId]);
  if (!row) return [];
  const out: Drift[] = [];
  const compare = (kind: DriftKind, projection: unknown, live: unknown): void => {
    if (live !== undefined && projection !== live) out.push({ workflowId, kind, projection, workflow: live });
  };
  // The feedback (fan-out parent) answers its own status; its stage lives only in the row.
  compare('status', row.status, typeof state.status === 'string' ? state.status : undefined);
  if (Array.isArray(state.openTasks)) compare('stage', row.stage, typeof state.stage === 'string' ? state.stage : undefined);
  compare('overdue', row.overdue, typeof state.overdue === 'boolean' ? state.overdue : undefined);
  if (Array.isArray(state.openTasks)) {
    const live = new Map((state.openTasks as TaskView[]).map((t) => [t.taskId, t]));
    const pending = await em.execute<{ id: string; assignee_ids: string[] }[]>(`select id, assignee_ids from task where workflow_id = ? and status = 'pending'`, [workflowId]);
    const projected = new Map(pending.map((t) => [t.id, t]));
    for (const [id, t] of live) {
      const p = projected.get(id);
      if (!p) out.push({ workflowId, kind: 'missing_task', projection: null, workflow: id });
      else if ([...p.assignee_ids].sort().join() !== [...t.assigneeIds].sort().join()) out.push({ workflowId, kind: 'assignees', projection: p.assignee_ids, workflow: t.assigneeIds });
    }
    for (const id of projected.keys()) if (!live.has(id)) out.push({ workflowId, kind: 'stray_task', projection: id, workflow: null });
  }
  return out;
}

/** Checks every open procedure (or one), four at a time; drift seen twice in a row is reported. */
export async function reconcile(em: EntityManager, client: Client, opts: { workflowId?: string } = {}): Promise<ReconcileReport> {
  const rows = opts.workflowId
    ? await em.execute<{ workflow_id: string }[]>(`select workflow_id from procedure where workflow_id = ?`, [opts.workflowId])
    : await em.execute<{ workflow_id: string }[]>(`select workflow_id from procedure where status = 'open' order by workflow_id`);
  const ids = rows.map((r) => r.workflow_id);
  const findings: Drift[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++] as string;
      const first = await check(em, client, id);
      // An action in flight between the query and the read looks like drift once; drift stays.
      if (first.length > 0) findings.push(...(await check(em, client, id)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, ids.length) }, worker));
  const drift = Object.fromEntries(DRIFT_KINDS.map((k) => [k, 0])) as Record<DriftKind, number>;
  for (const f of findings) drift[f.kind] += 1;
  findings.sort((a, b) => a.workflowId.localeCompare(b.workflowId) || a.kind.localeCompare(b.kind));
  return { checked: ids.length, drift, findings, repaired: 0 };
}

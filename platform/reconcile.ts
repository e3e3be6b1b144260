/**
 * The reconciler (issue 13): for every open procedure, compares its projection in PostgreSQL (the
 * procedure row and its pending tasks) with the workflow's own state (the `state` query), reports drift
 * per kind, and repairs it. A repair is one transition written by the projection's own writer
 * (activities/projection.ts applyRepair): stray tasks closed and missing ones opened as any transition
 * closes and opens them, an audit entry appended at the head of the procedure's chain, and, where a
 * transition's forward-only upserts cannot, the row's status, stage and overdue flag and a closed task
 * set back to what the workflow says. A drift that needs the workflow (it is not running, or its query
 * fails) is reported and left. A full run also checks the board's pre-aggregates (kind `board`). Run by the reconcile Schedule (platform/schedules.ts) and by
 * `npm run ops -- reconcile`.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { applyRepair, type Repair } from '../activities/projection';
import { pgTextArray } from '../activities/sql';
import type { ClosedTask, ProcedureRowData, TaskView, Transition } from '../procedures/kernel/messages';
import { stateQuery } from '../procedures/kernel/messages';
import { recordSupervisionAction } from './supervision-log';

/** `board`: the board's pre-aggregates (Migration20261209000000_board_rollup) differ from a recomputation. */
export const DRIFT_KINDS = ['not_running', 'query_failed', 'status', 'stage', 'overdue', 'missing_task', 'stray_task', 'assignees', 'board'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];
/** What a repair cannot fix: the workflow's state is not to be had. */
const UNREPAIRABLE: ReadonlySet<DriftKind> = new Set(['not_running', 'query_failed']);

export interface Drift {
  workflowId: string;
  kind: DriftKind;
  projection: unknown;
  workflow: unknown;
}

export interface ReconcileReport {
  checked: number;
  /** Drift found, per kind. */
  drift: Record<DriftKind, number>;
  findings: Drift[];
  /** Drift repaired, per kind; a repair of one procedure may fix several kinds at once. */
  repairedByKind: Record<DriftKind, number>;
  /** Procedures repaired. */
  repaired: number;
}

interface Row {
  workflow_id: string;
  type: string;
  parent_workflow_id: string | null;
  title: string;
  unit_ids: string[];
  status: string;
  stage: string;
  overdue: boolean;
  due_at: Date | null;
  started_by: string;
  started_at: Date;
  closed_at: Date | null;
  result: unknown;
  escalation: ProcedureRowData['escalation'];
  projected_seq: number;
}

interface TaskRow {
  id: string;
  step: string;
  seq: number;
  round: number;
  assignee_ids: string[];
  status: string;
  opened_at: Date;
  due_at: Date | null;
}

interface LiveState {
  status?: unknown;
  stage?: unknown;
  overdue?: unknown;
  openTasks?: unknown;
}

/** One procedure compared: the drift, and what a repair needs (the row, the live tasks, the task rows). */
interface Inspection {
  drift: Drift[];
  row?: Row;
  live?: LiveState;
  liveTasks?: Map<string, TaskView>;
  taskRows?: Map<string, TaskRow>;
}

const QUERY_DEADLINE_MS = 10_000;

const sameSet = (a: readonly string[], b: readonly string[]): boolean => [...a].sort().join('\u0000') === [...b].sort().join('\u0000');

async function parentRunning(em: EntityManager, client: Client, workflowId: string): Promise<boolean> {
  const [row] = await em.execute<{ parent_workflow_id: string | null }[]>(`select parent_workflow_id from procedure where workflow_id = ?`, [workflowId]);
  if (!row?.parent_workflow_id) return false;
  const parent = await client.workflow
    .getHandle(row.parent_workflow_id)
    .describe()
    .then(
      (d) => d.status.name,
      () => null,
    );
  return parent === 'RUNNING';
}

async function inspect(em: EntityManager, client: Client, workflowId: string): Promise<Inspection> {
  const handle = client.workflow.getHandle(workflowId);
  let state: LiveState;
  try {
    state = (await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(stateQuery))) as LiveState;
  } catch (err) {
    const status = await handle.describe().then(
      (d) => d.status.name,
      () => null,
    );
    // A fan-out's child projected ahead of its start (kernel/fanout.ts `open`) has no run until its parent
    // reaches it: no drift while that parent runs.
    if (status === null && (await parentRunning(em, client, workflowId))) return { drift: [] };
    if (status !== 'RUNNING') return { drift: [{ workflowId, kind: 'not_running', projection: 'open', workflow: status ?? 'not found' }] };
    return { drift: [{ workflowId, kind: 'query_failed', projection: null, workflow: String(err).slice(0, 200) }] };
  }
  // Read after the query: a transition the workflow made before answering has been projected by then,
  // or is being projected now (the second pass in reconcile() tells the two apart).
  const [row] = await em.execute<Row[]>(`select * from procedure where workflow_id = ?`, [workflowId]);
  if (!row) return { drift: [] };
  const out: Drift[] = [];
  const compare = (kind: DriftKind, projection: unknown, live: unknown): void => {
    if (live !== undefined && projection !== live) out.push({ workflowId, kind, projection, workflow: live });
  };
  // The feedback (fan-out parent) answers its own status; its stage lives only in the row.
  compare('status', row.status, typeof state.status === 'string' ? state.status : undefined);
  if (Array.isArray(state.openTasks)) compare('stage', row.stage, typeof state.stage === 'string' ? state.stage : undefined);
  compare('overdue', row.overdue, typeof state.overdue === 'boolean' ? state.overdue : undefined);
  if (!Array.isArray(state.openTasks)) return { drift: out, row, live: state };
  const liveTasks = new Map((state.openTasks as TaskView[]).map((t) => [t.taskId, t]));
  // Every row of the live tasks (pending or not) and every pending row: a missing task may be closed or absent.
  const taskRows = new Map(
    (
      await em.execute<TaskRow[]>(`select id, step, seq, round, assignee_ids, status, opened_at, due_at from task where workflow_id = ? and (status = 'pending' or id = any(?::text[]))`, [
        workflowId,
        pgTextArray([...liveTasks.keys()]),
      ])
    ).map((t) => [t.id, t]),
  );
  for (const [id, t] of liveTasks) {
    const p = taskRows.get(id);
    if (!p || p.status !== 'pending') out.push({ workflowId, kind: 'missing_task', projection: p ? p.status : null, workflow: id });
    else if (!sameSet(p.assignee_ids, t.assigneeIds)) out.push({ workflowId, kind: 'assignees', projection: p.assignee_ids, workflow: t.assigneeIds });
  }
  for (const [id, p] of taskRows) if (p.status === 'pending' && !liveTasks.has(id)) out.push({ workflowId, kind: 'stray_task', projection: id, workflow: null });
  return { drift: out, row, live: state, liveTasks, taskRows };
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

/** The repair of one procedure's drift: one transition through the projection's writer. */
async function repair(em: EntityManager, x: Inspection): Promise<boolean> {
  const row = x.row;
  const fixable = x.drift.filter((d) => !UNREPAIRABLE.has(d.kind));
  if (!row || fixable.length === 0) return false;
  const live = x.live ?? {};
  const kinds = new Set(fixable.map((d) => d.kind));
  const corrected = {
    status: typeof live.status === 'string' ? live.status : row.status,
    stage: kinds.has('stage') && typeof live.stage === 'string' ? live.stage : row.stage,
    overdue: typeof live.overdue === 'boolean' ? live.overdue : row.overdue,
  };
  const now = new Date().toISOString();
  const opened: TaskView[] = [];
  const reopen: Repair['reopen'] = [];
  for (const [id, t] of x.liveTasks ?? []) {
    const p = x.taskRows?.get(id);
    // A task the projection never had is opened as the workflow opened it; one it has closed, or with
    // other assignees, is set pending again with the workflow's assignees.
    if (!p) opened.push(t);
    else if (p.status !== 'pending' || !sameSet(p.assignee_ids, t.assigneeIds)) reopen.push({ taskId: id, assigneeIds: t.assigneeIds });
  }
  const closed: ClosedTask[] = [];
  for (const [id, p] of x.taskRows ?? []) {
    if (p.status !== 'pending' || x.liveTasks?.has(id)) continue;
    const task: TaskView = { taskId: id, step: p.step, seq: p.seq, round: p.round, assigneeIds: p.assignee_ids, openedAt: iso(p.opened_at) as string, dueAt: iso(p.due_at) };
    closed.push({ task, at: now, by: 'system', action: 'reconciled', byAction: false });
  }
  const procedure: ProcedureRowData = {
    workflowId: row.workflow_id,
    type: row.type,
    parentWorkflowId: row.parent_workflow_id,
    title: row.title,
    unitIds: row.unit_ids,
    ...corrected,
    dueAt: iso(row.due_at),
    startedBy: row.started_by,
    startedAt: iso(row.started_at) as string,
    closedAt: iso(row.closed_at),
    result: row.result,
    escalation: row.escalation,
  };
  const transition: Omit<Transition, 'seq'> = {
    workflowId: row.workflow_id,
    at: now,
    procedure,
    action: null,
    closed,
    opened,
    notifications: [],
    audit: [
      {
        key: `reconcile:${row.workflow_id}`,
        kind: 'reconcile:repaired',
        actorId: 'system',
        payload: { drift: fixable.map((d) => ({ kind: d.kind, projection: d.projection, workflow: d.workflow })) },
      },
    ],
  };
  const rowDrift = kinds.has('status') || kinds.has('stage') || kinds.has('overdue');
  return applyRepair(em, transition, { projectedSeq: row.projected_seq, row: rowDrift ? corrected : null, reopen });
}

export interface ReconcileOptions {
  workflowId?: string;
  /** false: report only (`npm run ops -- reconcile --dry-run`). */
  repair?: boolean;
  /** Called after each procedure, e.g. to heartbeat the activity. */
  onProgress?: (done: number, total: number) => void;
  /** Where each repair is logged. */
  log?: (line: string) => void;
}

/**
 * The board's pre-aggregates against a recomputation from the projection's rows, in one statement (one
 * snapshot, and the triggers write in the projection's transactions, so a write in flight is no drift).
 * Drift is repaired by recomputing them all, recorded in supervision_action (it belongs to no procedure's chain).
 */
async function reconcileBoard(em: EntityManager, repair: boolean): Promise<{ drift: Drift; repaired: boolean } | undefined> {
  const rows = await em.execute<{ kind: string; rows: string }[]>('select kind, rows from board_drift()');
  const counts = Object.fromEntries(rows.map((r) => [r.kind, Number(r.rows)]));
  if (!rows.some((r) => Number(r.rows) > 0)) return undefined;
  const drift: Drift = { workflowId: '', kind: 'board', projection: counts, workflow: null };
  if (!repair) return { drift, repaired: false };
  await em.transactional(async (tx) => {
    await tx.execute('select board_rebuild()');
    await recordSupervisionAction(tx, {
      id: `reconcile-board-${randomUUID()}`,
      kind: 'boardRebuilt',
      actorId: 'reconciler',
      at: new Date(),
      target: null,
      filter: null,
      comment: null,
      result: { drift: counts },
    });
  });
  return { drift, repaired: true };
}

/** Checks every open procedure (or one), four at a time; drift seen twice in a row is reported and repaired. */
export async function reconcile(em: EntityManager, client: Client, opts: ReconcileOptions = {}): Promise<ReconcileReport> {
  const rows = opts.workflowId
    ? await em.execute<{ workflow_id: string }[]>(`select workflow_id from procedure where workflow_id = ?`, [opts.workflowId])
    : await em.execute<{ workflow_id: string }[]>(`select workflow_id from procedure where status = 'open' order by workflow_id`);
  const ids = rows.map((r) => r.workflow_id);
  const log = opts.log ?? ((line: string) => console.log(line));
  const findings: Drift[] = [];
  const repairedByKind = Object.fromEntries(DRIFT_KINDS.map((k) => [k, 0])) as Record<DriftKind, number>;
  let repaired = 0;
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++] as string;
      const first = await inspect(em, client, id);
      // An action in flight between the query and the read looks like drift once; drift stays.
      if (first.drift.length > 0) {
        const second = await inspect(em, client, id);
        findings.push(...second.drift);
        if (opts.repair !== false && (await repair(em, second))) {
          repaired += 1;
          const kinds = [...new Set(second.drift.filter((d) => !UNREPAIRABLE.has(d.kind)).map((d) => d.kind))];
          for (const k of kinds) repairedByKind[k] += second.drift.filter((d) => d.kind === k).length;
          log(JSON.stringify({ msg: 'reconciler repaired drift', workflowId: id, drift: second.drift.filter((d) => !UNREPAIRABLE.has(d.kind)) }));
        }
      }
      opts.onProgress?.(++done, ids.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, ids.length) }, worker));
  if (!opts.workflowId) {
    const board = await reconcileBoard(em, opts.repair !== false);
    if (board) {
      findings.push(board.drift);
      if (board.repaired) {
        repairedByKind.board += 1;
        log(JSON.stringify({ msg: 'reconciler rebuilt the board', drift: board.drift.projection }));
      }
    }
  }
  const drift = Object.fromEntries(DRIFT_KINDS.map((k) => [k, 0])) as Record<DriftKind, number>;
  for (const f of findings) drift[f.kind] += 1;
  findings.sort((a, b) => a.workflowId.localeCompare(b.workflowId) || a.kind.localeCompare(b.kind));
  return { checked: ids.length, drift, findings, repairedByKind, repaired };
}

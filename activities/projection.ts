/**
 * Writes transitions (procedures/kernel/projector.ts) to PostgreSQL: the procedure row, the action row,
 * the tasks closed and opened, notifications and the audit entries. The API calls this right after an
 * Update answers (read-your-writes), and the workflow's `project` activity calls it for durability;
 * `transition_applied` makes whichever comes second a no-op.
 *
 * Every write of a call is one statement (data-modifying CTEs), so it is atomic without a transaction:
 * two round trips in all, one read and one write, where a transaction of per-row statements took eleven.
 * The action path is bound by this process's CPU, and every round trip costs the driver's work twice.
 * Concurrency is optimistic: the read finds what is applied and each audit chain's head, and the write
 * claims the transitions and appends the entries with plain inserts. A concurrent writer that claimed a
 * transition or took a chain seq first makes the write fail with a unique violation, changing nothing,
 * and the call starts again from the read, which now sees that writer's rows.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { auditHash, canonicalize, GENESIS_HASH } from '../domain/audit';
import type { Transition } from '../procedures/kernel/messages';
import { pgTextArray, sql } from './sql';

const SYSTEM = 'system';
/**
 * A writer that loses a race reads again. Each round of a race has a winner, so N writers of one
 * procedure need at most N rounds; usually there are two (the API and the workflow's activity).
 */
const ATTEMPTS = 25;

/** One audit entry to append; `sourceKey` is the key of the write it records, so it is appended once. */
interface AuditInput {
  sourceKey: string;
  kind: string;
  actorId: string;
  at: string;
  payload: unknown;
}

/** The audit entries one transition records, in chain order. */
function auditOf(t: Transition): AuditInput[] {
  const out: AuditInput[] = [];
  if (t.action) {
    const a = t.action;
    out.push({ sourceKey: `${t.workflowId}:${t.seq}`, kind: `action:${a.action}`, actorId: a.actorId, at: t.at, payload: { step: a.step, taskId: a.taskId, comment: a.comment ?? null, data: a.data ?? null } });
  }
  for (const c of t.closed) {
    if (!c.byAction) out.push({ sourceKey: `task-closed:${c.task.taskId}`, kind: 'task:closed', actorId: c.by, at: c.at, payload: { taskId: c.task.taskId, action: c.action } });
  }
  for (const o of t.opened) {
    out.push({
      sourceKey: `task-opened:${o.taskId}`,
      kind: 'task:opened',
      actorId: SYSTEM,
      at: o.openedAt,
      payload: { taskId: o.taskId, step: o.step, round: o.round, assigneeIds: o.assigneeIds, dueAt: o.dueAt },
    });
  }
  for (const e of t.audit) out.push({ sourceKey: e.key, kind: e.kind, actorId: e.actorId, at: t.at, payload: e.payload });
  return out;
}

/** The last entry of a procedure's audit chain, as its writer left it. */
export interface ChainHead {
  workflowId: string;
  seq: number;
  hash: string;
}

interface Known {
  applied: Set<string>;
  recorded: Set<string>;
  heads: Map<string, { seq: number; hash: string }>;
}

/** The one read: which transitions are applied, which audit keys are recorded, and each chain's head. */
async function readKnown(em: EntityManager, transitions: readonly Transition[], keys: readonly string[]): Promise<Known> {
  const workflowIds = pgTextArray([...new Set(transitions.map((t) => t.workflowId))]);
  const rows = await sql<{ k: string; workflow_id: string; seq: number; hash: string | null }>(
    em,
    `select 'a' as k, workflow_id, seq, null as hash from transition_applied where workflow_id = any($1::text[]) and seq = any($2::int[])
     union all
     select 'r', workflow_id, seq, id from audit_log where id = any($3::text[])
     union all
     (select distinct on (workflow_id) 'h', workflow_id, seq, hash from audit_log where workflow_id = any($1::text[]) order by workflow_id, seq desc)`,
    [workflowIds, `{${[...new Set(transitions.map((t) => t.seq))].join(',')}}`, pgTextArray(keys)],
  );
  const known: Known = { applied: new Set(), recorded: new Set(), heads: new Map() };
  for (const r of rows) {
    if (r.k === 'a') known.applied.add(`${r.workflow_id}:${r.seq}`);
    else if (r.k === 'r') known.recorded.add(r.hash as string);
    else known.heads.set(r.workflow_id, { seq: r.seq, hash: r.hash as string });
  }
  return known;
}

/** The write, as one JSON document: the rows of each table, merged so that no row is written twice. */
function writeSet(fresh: readonly Transition[], known: Known, audits: ReadonlyMap<Transition, AuditInput[]>) {
  const claims = fresh.map((t) => ({ workflow_id: t.workflowId, seq: t.seq }));
  const actions = fresh.flatMap((t) =>
    t.action
      ? [{ id: `${t.workflowId}:${t.seq}`, workflow_id: t.workflowId, seq: t.seq, task_id: t.action.taskId, step: t.action.step, actor_id: t.action.actorId, action: t.action.action, comment: t.action.comment ?? null, data: t.action.data ?? null, at: t.at }]
      : [],
  );
  // A task opened and closed within one batch is written once, already done; a close may also arrive
  // before its open (writes in another order), and then the row is inserted done.
  const tasks = new Map<string, Record<string, unknown>>();
  for (const t of fresh) {
    for (const o of t.opened) {
      if (!tasks.has(o.taskId)) {
        tasks.set(o.taskId, { id: o.taskId, workflow_id: t.workflowId, procedure_type: t.procedure.type, step: o.step, seq: o.seq, round: o.round, assignee_ids: o.assigneeIds, status: 'pending', opened_at: o.openedAt, due_at: o.dueAt, completed_at: null, completed_by: null, action: null });
      }
    }
    for (const c of t.closed) {
      const k = c.task;
      tasks.set(k.taskId, { id: k.taskId, workflow_id: t.workflowId, procedure_type: t.procedure.type, step: k.step, seq: k.seq, round: k.round, assignee_ids: k.assigneeIds, status: 'done', opened_at: k.openedAt, due_at: k.dueAt, completed_at: c.at, completed_by: c.by, action: c.action });
    }
  }
  const notifications = fresh.flatMap((t) =>
    t.notifications.map((n, i) => ({ id_base: `${t.workflowId}:${t.seq}${i > 0 ? `.${i}` : ''}`, workflow_id: t.workflowId, kind: n.kind, message: n.message, created_at: t.at, user_ids: n.userIds, supervisors: n.supervisors === true })),
  );
  // One procedure row per procedure: the snapshot of its highest new seq.
  const latest = new Map<string, Transition>();
  for (const t of fresh) if ((latest.get(t.workflowId)?.seq ?? -1) < t.seq) latest.set(t.workflowId, t);
  const flagged = new Set(fresh.flatMap((t) => t.flagOverdue ?? []));
  const procedures = [...latest.values()].map((t) => {
    const p = t.procedure;
    return { workflow_id: p.workflowId, type: p.type, parent_workflow_id: p.parentWorkflowId, title: p.title, unit_ids: p.unitIds, status: p.status, stage: p.stage, overdue: p.overdue || flagged.has(p.workflowId), due_at: p.dueAt, started_by: p.startedBy, started_at: p.startedAt, closed_at: p.closedAt, result: p.result ?? null, escalation: p.escalation ?? null, projected_seq: t.seq };
  });
  const flagOverdue = [...flagged].filter((id) => !latest.has(id));

  const audit: Record<string, unknown>[] = [];
  const heads = new Map(known.heads);
  const recorded = new Set(known.recorded);
  for (const t of fresh) {
    for (const input of audits.get(t) ?? []) {
      if (recorded.has(input.sourceKey)) continue;
      recorded.add(input.sourceKey);
      const head = heads.get(t.workflowId) ?? { seq: 0, hash: GENESIS_HASH };
      const seq = head.seq + 1;
      // Stored in the canonical form that is hashed, so what jsonb gives back hashes the same.
      const payload = canonicalize(input.payload ?? null);
      const at = new Date(input.at);
      const hash = auditHash({ workflowId: t.workflowId, seq, kind: input.kind, actorId: input.actorId, at, payload }, head.hash);
      audit.push({ id: input.sourceKey, workflow_id: t.workflowId, seq, kind: input.kind, actor_id: input.actorId, at: at.toISOString(), payload, prev_hash: head.hash, hash });
      heads.set(t.workflowId, { seq, hash });
    }
  }
  return { rows: { claims, actions, tasks: [...tasks.values()], notifications, procedures, flagOverdue, audit }, heads };
}

/**
 * Every write in one statement. The claims and the audit entries are plain inserts: a row another writer
 * has taken fails the statement (and so all of it), and the caller reads again. The others are
 * idempotent by key. The procedure row is kept only if no higher seq was written; overdue, once set, stays.
 */
const WRITE_BODY = `
claim as (
  insert into transition_applied (workflow_id, seq)
  select x.workflow_id, x.seq from d, jsonb_to_recordset(d.j->'claims') as x(workflow_id text, seq int)
  returning 1),
act as (
  insert into action_log (id, workflow_id, seq, task_id, step, actor_id, action, comment, data, at)
  select x.id, x.workflow_id, x.seq, x.task_id, x.step, x.actor_id, x.action, x.comment, x.data, x.at
  from d, jsonb_to_recordset(d.j->'actions') as x(id text, workflow_id text, seq int, task_id text, step text, actor_id text, action text, comment text, data jsonb, at timestamptz)
  on conflict do nothing),
tasks as (
  insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at, due_at, completed_at, completed_by, action)
  select x.id, x.workflow_id, x.procedure_type, x.step, x.seq, x.round, x.assignee_ids, x.status, x.opened_at, x.due_at, x.completed_at, x.completed_by, x.action
  from d, jsonb_to_recordset(d.j->'tasks') as x(id text, workflow_id text, procedure_type text, step text, seq int, round int, assignee_ids text[], status text, opened_at timestamptz, due_at timestamptz, completed_at timestamptz, completed_by text, action text)
  on conflict (id) do update set status = excluded.status, completed_at = excluded.completed_at, completed_by = excluded.completed_by, action = excluded.action,
    due_at = coalesce(task.due_at, excluded.due_at)
  -- A pending task opened again with the due date it lacked takes it (a deadline known only after the task
  -- opened: a 整改报告 due in a year the calendar covered later); a due date, once set, never moves.
  where task.status = 'pending' and (excluded.status = 'done' or (task.due_at is null and excluded.due_at is not null))),
notes as (
  insert into notification (id, user_id, workflow_id, kind, message, created_at)
  select x.id_base || ':' || u.user_id, u.user_id, x.workflow_id, x.kind, x.message, x.created_at
  from d, jsonb_to_recordset(d.j->'notifications') as x(id_base text, workflow_id text, kind text, message text, created_at timestamptz, user_ids text[], supervisors boolean)
  cross join lateral (
    select unnest(x.user_ids) as user_id
    union
    select id from app_user where x.supervisors and roles @> array['supervisor']::text[]) u
  on conflict do nothing),
flag as (
  update procedure set overdue = true, updated_at = now()
  where workflow_id in (select jsonb_array_elements_text(d.j->'flagOverdue') from d) and not overdue),
proc as (
  insert into procedure (workflow_id, type, parent_workflow_id, title, unit_ids, status, stage, overdue, due_at, started_by, started_at, closed_at, result, escalation, updated_at, projected_seq)
  select x.workflow_id, x.type, x.parent_workflow_id, x.title, x.unit_ids, x.status, x.stage, x.overdue, x.due_at, x.started_by, x.started_at, x.closed_at, x.result, x.escalation, now(), x.projected_seq
  from d, jsonb_to_recordset(d.j->'procedures') as x(workflow_id text, type text, parent_workflow_id text, title text, unit_ids text[], status text, stage text, overdue boolean, due_at timestamptz, started_by text, started_at timestamptz, closed_at timestamptz, result jsonb, escalation jsonb, projected_seq int)
  on conflict (workflow_id) do update set title = excluded.title, unit_ids = excluded.unit_ids, status = excluded.status, stage = excluded.stage,
    overdue = procedure.overdue or excluded.overdue, due_at = excluded.due_at, closed_at = excluded.closed_at, result = excluded.result,
    escalation = excluded.escalation, updated_at = now(), projected_seq = excluded.projected_seq
  where procedure.projected_seq < excluded.projected_seq),
aud as (
  insert into audit_log (id, workflow_id, seq, kind, actor_id, at, payload, prev_hash, hash)
  select x.id, x.workflow_id, x.seq, x.kind, x.actor_id, x.at, x.payload, x.prev_hash, x.hash
  from d, jsonb_to_recordset(d.j->'audit') as x(id text, workflow_id text, seq int, kind text, actor_id text, at timestamptz, payload jsonb, prev_hash text, hash text))
select count(*)::int as claimed from claim`;

const WRITE = `
with d as (
  -- When the caller assumed the chain's head instead of reading it, nothing is written unless it holds.
  select $1::jsonb as j
  where $2::text is null or coalesce((select max(a.seq) from audit_log a where a.workflow_id = $2::text), 0) = $3::int),${WRITE_BODY}`;

/**
 * A repair's write: the same statement, guarded by the procedure row the reconciler compared against
 * (its projected_seq), plus the two corrections transitions cannot make, since their upserts only move
 * forward: the row's status, stage and overdue set to the workflow's, and a task the workflow has open
 * set pending again with its assignees. A transition projected meanwhile moved projected_seq on: then
 * nothing is written, and the next run compares again.
 */
const REPAIR_WRITE = `
with d as (
  select $1::jsonb as j
  where (select p.projected_seq from procedure p where p.workflow_id = $2::text) = $3::int),
fix_row as (
  update procedure set status = x.status, stage = x.stage, overdue = x.overdue, updated_at = now()
  from d, jsonb_to_recordset(d.j->'fixRows') as x(workflow_id text, status text, stage text, overdue boolean)
  where procedure.workflow_id = x.workflow_id),
fix_task as (
  update task set status = 'pending', assignee_ids = x.assignee_ids, completed_at = null, completed_by = null, action = null
  from d, jsonb_to_recordset(d.j->'fixTasks') as x(id text, assignee_ids text[])
  where task.id = x.id),${WRITE_BODY}`;

/** A unique violation on a row that only one writer may take: another writer was first. */
function lostRace(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === '23505' && /^(transition_applied|audit_log)_/.test(e.constraint ?? '');
}

/**
 * What the write may take as known without reading. A procedure's first write (one procedure, its seq 0,
 * the start, emitted once before anything else, among the transitions) has nothing in the database yet.
 * A later write by the procedure's own projector knows its chain's head from its previous write (`head`),
 * because others seldom append to that chain: the API writes only what the projector failed to, and a
 * supervisor's watch list (挂账督办) records itself there now and then. Either guess is checked by the write
 * itself: if something was written meanwhile (an earlier attempt whose answer was lost, the API, the watch
 * list), the assumed head no longer holds or a claim fails on its unique key, the statement changes nothing,
 * and the next attempt reads.
 */
function assumed(transitions: readonly Transition[], head: ChainHead | null | undefined): Known | null {
  const id = transitions[0]?.workflowId;
  if (!transitions.every((t) => t.workflowId === id)) return null;
  const nothing = { applied: new Set<string>(), recorded: new Set<string>() };
  if (transitions.some((t) => t.seq === 0)) return { ...nothing, heads: new Map() };
  if (head && head.workflowId === id) return { ...nothing, heads: new Map([[id, { seq: head.seq, hash: head.hash }]]) };
  return null;
}

export interface Applied {
  /** How many transitions were new. */
  written: number;
  /** The chain's head after the write, when the transitions are one procedure's: the next write's `head`. */
  head: ChainHead | null;
}

/** The write found the chain's head other than assumed: read, and write again. */
const STALE = Symbol('stale');

async function applyOnce(em: EntityManager, transitions: readonly Transition[], guess: Known | null): Promise<Applied | typeof STALE> {
  // Built once: the read needs their keys, the write the entries.
  const audits = new Map(transitions.map((t) => [t, auditOf(t)] as const));
  const keys = [...audits.values()].flatMap((entries) => entries.map((a) => a.sourceKey));
  // A start (and each of a fan-out's thousands of children) and every action of a healthy procedure skip
  // the read: one round trip, not two.
  const known = guess ?? (await readKnown(em, transitions, keys));
  const fresh = transitions.filter((t) => !known.applied.has(`${t.workflowId}:${t.seq}`));
  const only = transitions[0]?.workflowId;
  const headOf = (heads: Known['heads']): ChainHead | null => {
    const h = only !== undefined && transitions.every((t) => t.workflowId === only) ? heads.get(only) : undefined;
    return h && only !== undefined ? { workflowId: only, ...h } : null;
  };
  if (fresh.length === 0) return { written: 0, head: headOf(known.heads) };
  // Applied in seq order per procedure: the audit chain follows the procedure's own order.
  const sorted = [...fresh].sort((a, b) => (a.workflowId === b.workflowId ? a.seq - b.seq : a.workflowId < b.workflowId ? -1 : 1));
  const { rows, heads } = writeSet(sorted, known, audits);
  const assumedHead = guess && only !== undefined ? { workflowId: only, seq: guess.heads.get(only)?.seq ?? 0 } : null;
  const [row] = await sql<{ claimed: number }>(em, WRITE, [JSON.stringify(rows), assumedHead?.workflowId ?? null, assumedHead?.seq ?? null]);
  const written = row?.claimed ?? 0;
  if (assumedHead && written === 0) return STALE;
  return { written, head: headOf(heads) };
}

/**
 * Applies transitions in seq order per procedure, atomically. `head`: the chain's head the procedure's
 * previous write returned, so this one need not read it.
 */
export async function applyTransitions(em: EntityManager, transitions: readonly Transition[], head?: ChainHead | null): Promise<Applied> {
  if (transitions.length === 0) return { written: 0, head: head ?? null };
  for (let attempt = 1; ; attempt++) {
    try {
      const applied = await applyOnce(em, transitions, attempt === 1 ? assumed(transitions, head) : null);
      if (applied !== STALE) return applied;
    } catch (err) {
      if (!(attempt < ATTEMPTS && lostRace(err))) throw err;
      // Past the usual two writers, a little jitter spreads the next round out.
      if (attempt > 2) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));
    }
  }
}

/**
 * What a repair changes beyond an ordinary transition's closed and opened tasks (platform/reconcile.ts).
 * `projectedSeq` is the row's as the reconciler read it: the repair applies only while it still stands.
 */
export interface Repair {
  projectedSeq: number;
  row: { status: string; stage: string; overdue: boolean } | null;
  /** Tasks the workflow has open that the projection shows closed or with other assignees. */
  reopen: { taskId: string; assigneeIds: string[] }[];
}

/**
 * Applies the reconciler's transition: tasks closed and opened and audit entries as any transition's
 * (writeSet, keyed the same way, the audit entry at the chain's head), plus the repair's corrections.
 * It is claimed under a negative seq, below the workflow's own numbering, so it never takes a seq the
 * workflow will use; a repair already applied, or raced by another reconciler, is written once.
 * Returns whether it was written.
 */
export async function applyRepair(em: EntityManager, transition: Omit<Transition, 'seq'>, repair: Repair): Promise<boolean> {
  const id = transition.workflowId;
  // Taken once: a reconciler that loses the claim to another one (both took the same seq) has lost the
  // repair to it, and writes nothing; one that loses the chain's head to the workflow writes again.
  const [next] = await sql<{ seq: number }>(em, `select coalesce(min(seq), 0) - 1 as seq from transition_applied where workflow_id = $1 and seq < 0`, [id]);
  const seq = next?.seq ?? -1;
  const t: Transition = { ...transition, seq, audit: transition.audit.map((a) => ({ ...a, key: `${a.key}:${-seq}` })) };
  const audits = new Map([[t, auditOf(t)] as const]);
  for (let attempt = 1; ; attempt++) {
    try {
      const known = await readKnown(em, [t], [...audits.values()].flat().map((a) => a.sourceKey));
      if (known.applied.has(`${id}:${seq}`)) return false;
      const { rows } = writeSet([t], known, audits);
      const fixRows = repair.row ? [{ workflow_id: id, ...repair.row }] : [];
      const fixTasks = repair.reopen.map((r) => ({ id: r.taskId, assignee_ids: r.assigneeIds }));
      // The row is corrected by fix_row, at the projected_seq the workflow's next transition supersedes.
      const doc = { ...rows, procedures: [], flagOverdue: [], fixRows, fixTasks };
      const [row] = await sql<{ claimed: number }>(em, REPAIR_WRITE, [JSON.stringify(doc), id, repair.projectedSeq]);
      return (row?.claimed ?? 0) > 0;
    } catch (err) {
      if (!(attempt < 5 && lostRace(err))) throw err;
    }
  }
}

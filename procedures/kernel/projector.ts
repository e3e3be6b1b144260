/**
 * The procedure's side of the projection (ARCHITECTURE.md, convention 12): every change of state
 * becomes a numbered Transition, produced synchronously. A loop here writes them with the `project`
 * local activity, inside the workflow task that produced them, so that task (and the Update's answer it
 * carries) completes once PostgreSQL has them. The Update also answers with its transitions, and the
 * API commits them again before it answers: read-your-writes holds even when the local activity had to
 * back off and finish later. Writes are keyed by workflow id and seq, so the second changes nothing.
 */
import { allHandlersFinished, condition, log, patched, workflowInfo } from '@temporalio/workflow';
import type { ChainHead } from '../../activities/projection';
import { localProjection } from './activities';
import type { ActionRecord, AuditData, ClosedTask, NotificationData, ProcedureRowData, TaskView, Transition } from './messages';

export interface ProjectorOptions {
  procedure: ProcedureRowData;
  /**
   * The last seq an earlier run of the same procedure used, when it continued as new: PostgreSQL dedupes
   * transitions by (workflowId, seq), so numbering from 0 again would drop the new run's transitions.
   */
  fromSeq?: number;
}

type RowOptions = Pick<ProcedureRowData, 'type' | 'title' | 'unitIds' | 'stage' | 'startedBy'> & { dueAt?: string | null };

/** A procedure's row as it opens, for the run that is given by its ids. */
export function procedureRow(o: RowOptions, run: Pick<ProcedureRowData, 'workflowId' | 'parentWorkflowId' | 'startedAt'>): ProcedureRowData {
  return { ...run, status: 'open', overdue: false, closedAt: null, result: null, escalation: null, ...o, dueAt: o.dueAt ?? null };
}

/**
 * A procedure's row as it opens: what varies by procedure is given, the rest comes from the run (its start
 * time, unless its opening was projected ahead of it: `startedAt`).
 */
export function openingRow(o: RowOptions & { startedAt?: string }): ProcedureRowData {
  const info = workflowInfo();
  const { startedAt, ...rest } = o;
  return procedureRow(rest, { workflowId: info.workflowId, parentWorkflowId: info.parent?.workflowId ?? null, startedAt: startedAt ?? new Date(info.startTime).toISOString() });
}

/** The action a procedure's start records (its seq 0). */
export function startAction(actorId: string, data: unknown): NonNullable<Transition['action']> {
  return { taskId: null, step: null, actorId, action: 'start', data };
}

export interface Emit {
  action?: Transition['action'];
  closed?: ClosedTask[];
  opened?: TaskView[];
  notifications?: NotificationData[];
  audit?: AuditData[];
  /** The seq, when it was allocated earlier (an action records itself before it applies). */
  seq?: number;
  flagOverdue?: string[];
}

/**
 * Patch: an Update answers once its transitions are projected (`answered`). Histories recorded before it
 * (v0.2.0) completed some Updates in an earlier workflow task than waiting would, and must replay.
 */
export const ANSWER_AFTER_PROJECTION = 'answer-after-projection';

/** Patch: the projection activity takes every transition of one activation (see run()). */
export const PROJECT_PER_ACTIVATION = 'project-per-activation';

/** A change of a procedure as the projection writes it: the row as it stands, and what changed. */
export function transitionOf(row: ProcedureRowData, seq: number, at: string, e: Emit): Transition {
  return {
    workflowId: row.workflowId,
    seq,
    at,
    procedure: { ...row, unitIds: [...row.unitIds] },
    action: e.action ?? null,
    closed: e.closed ?? [],
    opened: e.opened ?? [],
    notifications: e.notifications ?? [],
    audit: e.audit ?? [],
    ...(e.flagOverdue?.length ? { flagOverdue: e.flagOverdue } : {}),
  };
}

/** Transitions an Update may still need to return; older ones have long been projected. */
const KEEP = 256;
/** How many transitions one projection activity carries. */
const BATCH = 100;

export function createProjector(opts: ProjectorOptions) {
  let seq = opts.fromSeq ?? 0;
  const row: ProcedureRowData = { ...opts.procedure };
  const recent: Transition[] = [];
  const queue: Transition[] = [];
  /** Seqs not yet written by the projection activity: queued, in flight, or failed. */
  const unprojected = new Set<number>();
  let stopped = false;
  let failures = 0;
  /** A batch handed to the projection activity and not yet back. */
  let inFlight = false;
  /**
   * The audit chain's head as the last write left it, so the next write need not read it (the activity
   * checks it in the same statement). Not state: a new run or a failed write starts without one.
   */
  let head: ChainHead | null = null;

  function emit(e: Emit = {}): Transition {
    return queued(transitionOf(row, e.seq ?? nextSeq(), new Date().toISOString(), e));
  }

  function queued(t: Transition): Transition {
    recent.push(t);
    if (recent.length > KEEP) recent.splice(0, recent.length - KEEP);
    queue.push(t);
    unprojected.add(t.seq);
    return t;
  }

  function idle(): boolean {
    return queue.length === 0 && !inFlight;
  }

  function nextSeq(): number {
    seq += 1;
    return seq;
  }

  /** Runs for the procedure's life: projects queued transitions in order, in batches. */
  async function run(): Promise<void> {
    for (;;) {
      await condition(() => queue.length > 0 || stopped);
      if (queue.length === 0) return;
      // An action's transition wakes this loop in the same pass as the procedure's own loop, which then
      // opens the next step's tasks in a second transition. Waiting for the next pass of conditions (a
      // condition creates no command) lets every transition of this activation go in one batch: one
      // local activity, one marker and one write per action instead of two.
      if (patched(PROJECT_PER_ACTIVATION)) await condition(() => true);
      const batch = queue.splice(0, BATCH);
      inFlight = true;
      try {
        const written = await localProjection.project(batch, head);
        // A number: recorded by a worker from before the head was passed on (replay).
        head = typeof written === 'object' ? written.head : null;
        for (const t of batch) unprojected.delete(t.seq);
      } catch (err) {
        // A non-retryable failure (bad data) must not end the procedure: the state is in the workflow,
        // and the reconciler can re-project it; the failure is in history and counted in the state.
        failures += 1;
        head = null;
        log.error('projection failed', { workflowId: row.workflowId, seqs: batch.map((t) => t.seq), error: String(err) });
      } finally {
        inFlight = false;
      }
    }
  }
  const running = run();

  return {
    /** The row as it stands; change it, and the next transition carries it. */
    row,
    emit,
    nextSeq,
    /**
     * The procedure's first transition (seq 0): who started it, with what; returns it as an action record.
     * `projected`: a parent already wrote it (kernel/fanout.ts `open`), so it is only recorded.
     */
    start(actorId: string, data: unknown, projected = false): ActionRecord {
      if (!projected) emit({ seq: 0, action: startAction(actorId, data) });
      return { seq: 0, taskId: null, step: null, actorId, action: 'start', at: row.startedAt };
    },
    /**
     * Queues a transition computed outside the run (its opening, kernel/procedure.ts openingOf), to be
     * written like its own: PostgreSQL keeps the first write of a seq, so this changes nothing when the
     * API has written it already.
     */
    adopt: (t: Transition): Transition => queued(t),
    /**
     * Transitions from `fromSeq` on that the projection activity has not written, for an Update to answer
     * with: the API writes them before it answers. An Update that waited for `idle` answers with none
     * (unless a write failed), and the API has nothing to write; so the answer is also smaller.
     */
    since: (fromSeq: number): Transition[] => recent.filter((t) => t.seq >= fromSeq && unprojected.has(t.seq)),
    failures: (): number => failures,
    /** The last seq allocated: what a run continued as new passes on as `fromSeq`. */
    lastSeq: (): number => seq,
    /** Every transition emitted so far has been projected (or its projection has failed and been logged). */
    idle,
    /**
     * What an Update awaits before it answers: the procedure has settled, and (from the patch on) the
     * projection activity has written what it changed, which runs within the same workflow task. Then
     * the answer carries no transitions, and the API has nothing to write.
     */
    answered(settled: () => boolean): Promise<void> {
      const afterProjection = patched(ANSWER_AFTER_PROJECTION);
      return condition(() => settled() && (!afterProjection || idle()));
    },
    /**
     * Ends the procedure's row: status, stage and result in one transition, emitted synchronously so
     * the action that ended it answers with it. `seq` for a procedure whose numbering restarts (after
     * continue-as-new).
     */
    close(status: string, stage: string, result: unknown, seq?: number): void {
      Object.assign(row, { status, stage, closedAt: new Date().toISOString(), result });
      emit({
        ...(seq !== undefined ? { seq } : {}),
        audit: [{ key: `closed:${row.workflowId}`, kind: 'procedure:closed', actorId: 'system', payload: { status, stage, result } }],
      });
    },
    /** The workflow's last step: every handler has finished and every transition is projected. */
    async finish(): Promise<void> {
      await condition(allHandlersFinished);
      stopped = true;
      await running;
    },
  };
}

export type Projector = ReturnType<typeof createProjector>;

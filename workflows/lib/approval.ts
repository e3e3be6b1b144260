/**
 * The approval step every procedure is built from (DOMAIN.md, "Approval semantics").
 *
 * A step has signers, arranged by its mode:
 * - sequential (依次): one after another;
 * - all (会签): in parallel, every one must approve;
 * - any (或签): one shared task, the first approval completes the step.
 * On a pending task a signer may approve, return to any earlier step with a reason, transfer (转办)
 * to another person, or add a signer before or after themselves (加签). Deterministic: this runs
 * inside workflows, and every side effect goes through the (local) activities passed in.
 */
import { condition } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { Refusal, taskId as makeTaskId, type AssigneeRule, type TaskView } from '../definitions';
import { refuse } from './refuse';

export type ApprovalMode = 'sequential' | 'all' | 'any';

export interface StepDef<K extends string = string> {
  key: K;
  mode: ApprovalMode;
  assignees: AssigneeRule;
  /** The verbs that mean "approve" at this step, e.g. submit, pass or sign. */
  approveActions: readonly string[];
  /** Whether a signer here may return the procedure to an earlier step. */
  canReturn: boolean;
}

/** What a person asks to do on one task. */
export interface TaskActInput {
  taskId: string;
  actorId: string;
  action: string;
  comment?: string;
  /** transfer / addSigner: the person concerned. */
  targetUserId?: string;
  /** addSigner: before or after oneself. */
  position?: 'before' | 'after';
  /** return: the step to resume from; by default the first step. */
  returnTo?: string;
}

type SlotState = 'waiting' | 'pending' | 'approved';

/** A signer position in the running step; a transfer changes who holds it, not the position. */
interface Slot {
  id: number;
  assigneeIds: string[];
  state: SlotState;
  /** Slots that must approve before this one opens. */
  after: number[];
  task: TaskView | null;
}

export interface StepRunView {
  key: string;
  mode: ApprovalMode;
  round: number;
  slots: { assigneeIds: string[]; state: SlotState; taskId: string | null; after: number[] }[];
}

export type StepOutcome<K extends string> =
  | { kind: 'approved'; by: string; data?: unknown }
  | { kind: 'returned'; to: K; by: string; reason: string }
  | { kind: 'withdrawn'; by: string };

interface Running<K extends string> {
  def: StepDef<K>;
  round: number;
  slots: Slot[];
  outcome: StepOutcome<K> | null;
  lastApproval: { by: string; data?: unknown } | null;
}

export interface ApprovalFlowOptions<K extends string> {
  workflowId: string;
  procedureType: string;
  steps: readonly StepDef<K>[];
  acts: Pick<Activities, 'resolveAssignees' | 'openTask' | 'recordAction' | 'closeTask'>;
  /** The instant the tasks are due, for the inbox. */
  dueAt: () => string | null;
}

/** Everything about tasks the validators, the handler and the procedure loop share. */
export function createApprovalFlow<K extends string>(opts: ApprovalFlowOptions<K>) {
  let taskSeq = 0;
  let running: Running<K> | null = null;
  let anyoneActed = false;

  const stepIndex = (key: string): number => opts.steps.findIndex((s) => s.key === key);

  const pendingSlotOf = (taskId: string): Slot | undefined =>
    running?.slots.find((s) => s.state === 'pending' && s.task?.taskId === taskId);

  const openTasks = (): TaskView[] =>
    (running?.slots ?? []).filter((s) => s.state === 'pending' && s.task).map((s) => s.task as TaskView);

  async function openSlot(slot: Slot): Promise<void> {
    const r = running as Running<K>;
    const seq = ++taskSeq;
    const task: TaskView = {
      taskId: makeTaskId(opts.workflowId, seq),
      step: r.def.key,
      seq,
      round: r.round,
      assigneeIds: [...slot.assigneeIds],
      openedAt: new Date().toISOString(),
    };
    slot.task = task;
    slot.state = 'pending';
    await opts.acts.openTask({ ...task, workflowId: opts.workflowId, procedureType: opts.procedureType, dueAt: opts.dueAt() });
  }

  /** Opens every waiting slot whose predecessors have all approved. */
  async function openReady(): Promise<void> {
    const r = running as Running<K>;
    for (const slot of r.slots) {
      if (slot.state !== 'waiting') continue;
      const ready = slot.after.every((id) => r.slots.find((s) => s.id === id)?.state === 'approved');
      if (ready) await openSlot(slot);
    }
  }

  function complete(r: Running<K>): boolean {
    return r.outcome !== null || (r.slots.length > 0 && r.slots.every((s) => s.state === 'approved'));
  }

  /** Runs one step to its end: every signer approved, or a return. */
  async function runStep(key: K, round: number): Promise<StepOutcome<K>> {
    const def = opts.steps[stepIndex(key)] as StepDef<K>;
    const assigneeIds = await opts.acts.resolveAssignees(def.assignees);
    const slots: Slot[] =
      def.mode === 'any'
        ? [{ id: 0, assigneeIds, state: 'waiting', after: [], task: null }]
        : assigneeIds.map((userId, i) => ({
            id: i,
            assigneeIds: [userId],
            state: 'waiting' as const,
            after: def.mode === 'sequential' && i > 0 ? [i - 1] : [],
            task: null,
          }));
    running = { def, round, slots, outcome: null, lastApproval: null };
    await openReady();
    const r = running;
    await condition(() => complete(r));
    running = null;
    return r.outcome ?? { kind: 'approved', by: r.lastApproval?.by ?? '', data: r.lastApproval?.data };
  }

  /** The synchronous checks an Update validator runs: refusals leave no trace. */
  function validate(a: TaskActInput): void {
    const r = running;
    const slot = pendingSlotOf(a.taskId);
    if (!r || !slot || r.outcome) throw refuse(Refusal.taskNotPending, `task ${a.taskId} is not pending`, { taskId: a.taskId });
    if (!slot.assigneeIds.includes(a.actorId)) {
      throw refuse(Refusal.notAssignee, `task ${a.taskId} is not assigned to you`, { taskId: a.taskId });
    }
    const allowed = [...r.def.approveActions, ...(r.def.canReturn ? ['return'] : []), 'transfer', ...(r.def.mode === 'any' ? [] : ['addSigner'])];
    if (!allowed.includes(a.action)) {
      throw refuse(Refusal.actionNotAllowed, `step ${r.def.key} allows ${allowed.join(', ')}, not ${a.action}`, { step: r.def.key, allowed });
    }
    const holders = new Set(r.slots.filter((s) => s.state !== 'approved').flatMap((s) => s.assigneeIds));
    if (a.action === 'return') {
      const to = a.returnTo ?? opts.steps[0]?.key;
      const toIndex = to === undefined ? -1 : stepIndex(to);
      if (toIndex < 0 || toIndex > stepIndex(r.def.key)) {
        throw refuse(Refusal.invalidTarget, `can only return to this step or an earlier one: ${opts.steps.slice(0, stepIndex(r.def.key) + 1).map((s) => s.key).join(', ')}`, {
          field: 'returnTo',
        });
      }
    }
    if (a.action === 'transfer' || a.action === 'addSigner') {
      if (!a.targetUserId) throw refuse(Refusal.invalidTarget, `${a.action} needs the person to hand it to`, { field: 'targetUserId' });
      if (a.targetUserId === a.actorId) throw refuse(Refusal.invalidTarget, `you cannot ${a.action === 'transfer' ? 'transfer a task to' : 'add'} yourself`, { field: 'targetUserId' });
      if (holders.has(a.targetUserId)) {
        throw refuse(Refusal.invalidTarget, `${a.targetUserId} already signs at this step`, { field: 'targetUserId' });
      }
      if (a.action === 'addSigner' && a.position !== 'before' && a.position !== 'after') {
        throw refuse(Refusal.invalidTarget, 'addSigner needs position "before" or "after"', { field: 'position' });
      }
    }
  }

  /**
   * Applies a validated action. Returns once its consequences (tasks closed and opened) are in
   * place, so the caller's inbox is current when the API answers.
   */
  async function apply(a: TaskActInput, data: unknown, seq: number): Promise<void> {
    const r = running as Running<K>;
    const slot = pendingSlotOf(a.taskId) as Slot;
    const task = slot.task as TaskView;
    const at = new Date().toISOString();
    anyoneActed = true;
    // Decide synchronously, before any await, so a concurrent Update's validator sees the change.
    const toOpen: Slot[] = [];
    const toClose: TaskView[] = [];
    if (a.action === 'return') {
      const to = (a.returnTo ?? opts.steps[0]?.key) as K;
      r.outcome = { kind: 'returned', to, by: a.actorId, reason: a.comment ?? '' };
      for (const s of r.slots) if (s.state === 'pending' && s.task && s !== slot) toClose.push(s.task);
      for (const s of r.slots) if (s.state === 'pending') s.state = 'waiting';
    } else if (a.action === 'transfer') {
      slot.assigneeIds = slot.assigneeIds.map((id) => (id === a.actorId ? (a.targetUserId as string) : id));
      if (r.def.mode !== 'any') slot.assigneeIds = [a.targetUserId as string];
      slot.state = 'waiting';
      toOpen.push(slot);
    } else if (a.action === 'addSigner') {
      const added: Slot = { id: r.slots.length, assigneeIds: [a.targetUserId as string], state: 'waiting', after: [], task: null };
      if (a.position === 'before') {
        added.after = slot.after;
        slot.after = [added.id];
        slot.state = 'waiting';
      } else {
        added.after = [slot.id];
        for (const s of r.slots) if (s.after.includes(slot.id)) s.after = s.after.map((id) => (id === slot.id ? added.id : id));
        slot.state = 'approved';
        r.lastApproval = { by: a.actorId, data };
      }
      r.slots.push(added);
    } else {
      slot.state = 'approved';
      r.lastApproval = { by: a.actorId, data };
    }
    await opts.acts.recordAction({
      workflowId: opts.workflowId,
      seq,
      taskId: task.taskId,
      step: task.step,
      actorId: a.actorId,
      action: a.action,
      comment: a.comment,
      // Approvals carry their step's data; transfers, added signers and returns say where they went.
      data:
        data ??
        (a.action === 'transfer' || a.action === 'addSigner' || a.action === 'return'
          ? { targetUserId: a.targetUserId, position: a.position, returnTo: a.returnTo ?? (a.action === 'return' ? opts.steps[0]?.key : undefined) }
          : undefined),
      at,
    });
    for (const t of toClose) await opts.acts.closeTask({ taskId: t.taskId, at, by: a.actorId, action: 'cancelled' });
    if (running === r && !r.outcome) {
      for (const s of toOpen) await openSlot(s);
      await openReady();
    }
  }

  return {
    runStep,
    validate,
    apply,
    openTasks,
    stepIndex,
    hasAnyoneActed: (): boolean => anyoneActed,
    view: (): StepRunView | null =>
      running && {
        key: running.def.key,
        mode: running.def.mode,
        round: running.round,
        slots: running.slots.map((s) => ({ assigneeIds: s.assigneeIds, state: s.state, taskId: s.task?.taskId ?? null, after: s.after })),
      },
    /** Closes every open task, e.g. when the procedure is withdrawn. */
    async cancelAll(by: string, at: string): Promise<void> {
      const tasks = openTasks();
      if (running) running.outcome = { kind: 'withdrawn', by };
      for (const t of tasks) await opts.acts.closeTask({ taskId: t.taskId, at, by, action: 'withdrawn' });
    },
  };
}

export type ApprovalFlow<K extends string> = ReturnType<typeof createApprovalFlow<K>>;

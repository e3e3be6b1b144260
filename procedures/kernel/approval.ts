/**
 * The approval step every procedure is built from (DOMAIN.md, "Approval semantics"): running a step.
 *
 * A step has signers, arranged by its mode (step.ts holds the definitions, slots and views):
 * - sequential (依次): one after another;
 * - all (会签): in parallel, every one must approve;
 * - any (或签): one shared task, the first approval completes the step;
 * - vote (票决): every member gets a task at once and casts one ballot per candidate (vote-step.ts runs
 *   the ballot box, its meeting and its closing; vote.ts holds the rules).
 * On a pending task a signer may approve, return to any earlier step with a reason, transfer (转办)
 * to another person, or add a signer before or after themselves (加签).
 *
 * Everything here is synchronous: a step's signers come from the assignees resolved at the start, and
 * every change becomes a Transition (projector.ts) instead of an activity call. So an action is decided,
 * applied and answered within one workflow task, with no round trip to the server on its path.
 */
import { condition } from '@temporalio/workflow';
import { KernelRefusal, type ActInput, type AssigneeRule, type TaskView } from './messages';
import type { Projector } from './projector';
import { refuse } from './refuse';
import { reassignProblem, returnProblem } from './rules';
import { allowedAt, newTask, reassigning, slotsFor, type Slot, type StepDef, type StepOutcome, type StepRunView, type SuspendedStep, type TaskChanges } from './step';
import { meetingRecord, type MeetingRecord, type VoteRule } from './vote';
import * as ballotBox from './vote-step';
import type { VoteRun } from './vote-step';

// What procedures import from here; the definitions live in step.ts.
export { APPROVAL_MODES, firstStepOpening } from './step';
export type { ApprovalMode, SlotState, StepDef, StepOutcome, StepRunView, SuspendedStep, TaskChanges } from './step';

interface Running<K extends string> {
  def: StepDef<K>;
  round: number;
  slots: Slot[];
  outcome: StepOutcome<K> | null;
  lastApproval: { by: string; data?: unknown } | null;
  vote?: VoteRun;
}

export interface ApprovalFlowOptions<K extends string> {
  workflowId: string;
  steps: readonly StepDef<K>[];
  /** Who a rule names: from the assignees resolved at the start (kernel/assignees.ts). */
  resolve: (rule: AssigneeRule) => string[];
  projector: Projector;
  /** The instant the tasks are due, for the inbox. */
  dueAt: () => string | null;
  /**
   * Numbers the tasks when several flows run side by side in one procedure (parallel.ts), so their task
   * ids never collide; by default the flow numbers its own.
   */
  nextTaskSeq?: () => number;
}

/** Everything about tasks the validators, the handlers and the procedure loop share. */
export function createApprovalFlow<K extends string>(opts: ApprovalFlowOptions<K>) {
  let running: Running<K> | null = null;
  let anyoneActed = false;
  /** Tasks are numbered on their own, 1, 2, 3…, so their ids read as the order they opened in. */
  let taskSeq = 0;

  const stepIndex = (key: string): number => opts.steps.findIndex((s) => s.key === key);
  const pendingSlotOf = (id: string): Slot | undefined => running?.slots.find((s) => s.state === 'pending' && s.task?.taskId === id);
  const openTasks = (): TaskView[] => (running?.slots ?? []).filter((s) => s.state === 'pending' && s.task).map((s) => s.task as TaskView);

  function openSlot(slot: Slot, into: TaskChanges): void {
    const r = running as Running<K>;
    const seq = opts.nextTaskSeq ? opts.nextTaskSeq() : ++taskSeq;
    const task = newTask(opts.workflowId, seq, r.def.key, r.round, slot.assigneeIds, new Date().toISOString(), opts.dueAt());
    slot.task = task;
    slot.state = 'pending';
    into.opened.push(task);
  }

  /** Opens every waiting slot whose predecessors have all approved. */
  function openReady(into: TaskChanges): void {
    const r = running as Running<K>;
    for (const slot of r.slots) {
      if (slot.state !== 'waiting') continue;
      if (slot.after.every((id) => r.slots.find((s) => s.id === id)?.state === 'approved')) openSlot(slot, into);
    }
  }

  function complete(r: Running<K>): boolean {
    if (r.outcome !== null) return true;
    // A vote at a recorded meeting ends with its minutes attached (before that, no task is open at all).
    if (r.vote?.meetingRequired && !r.vote.meeting?.minutes) return false;
    return r.slots.length > 0 && r.slots.every((s) => s.state === 'approved' || s.state === 'absent');
  }

  /** The vote open now: the running step's ballot box, unless the step has ended. */
  const openVote = (): VoteRun | undefined => (running?.outcome ? undefined : running?.vote);

  const approvedOutcome = (r: Running<K>): StepOutcome<K> => ({
    kind: 'approved',
    by: r.lastApproval?.by ?? '',
    data: r.lastApproval?.data,
    ...(r.vote ? { tally: ballotBox.finalTally(r.vote) } : {}),
    ...(r.vote?.meeting ? { meeting: r.vote.meeting } : {}),
  });

  /** A meeting's attendance applied to the vote's slots: the absent and recused never get a task; the present do. */
  function seat(r: Running<K>, meeting: MeetingRecord, into: TaskChanges): void {
    ballotBox.seatAbsent(r.slots, meeting);
    openReady(into);
  }

  /**
   * Opens a step's first tasks at once (one transition) and waits until the step ends: every signer
   * approved, a return, or a withdrawal.
   */
  async function runStep(key: K, round: number, resume?: SuspendedStep): Promise<StepOutcome<K>> {
    const def = opts.steps[stepIndex(key)] as StepDef<K>;
    if (resume) return resumed(resume);
    const { members, slots } = slotsFor(def, opts.resolve(def.assignees));
    running = { def, round, slots, outcome: null, lastApproval: null };
    if (def.mode === 'vote') running.vote = ballotBox.openVoteRun(def, members);
    const changes: TaskChanges = { closed: [], opened: [] };
    // A vote at a recorded meeting opens its tasks when the meeting opens, for those present only.
    if (running.vote?.meetingRequired) {
      if (running.vote.meeting) seat(running, running.vote.meeting, changes);
    } else openReady(changes);
    opts.projector.row.stage = key;
    opts.projector.emit(changes);
    const r = running;
    await condition(() => complete(r));
    running = null;
    if (r.outcome) return r.outcome;
    return approvedOutcome(r);
  }

  /** The carried step restore() set up, so runStep's resume takes it instead of building it twice. */
  let restoredFrom: SuspendedStep | null = null;
  /**
   * Sets up a step an earlier run suspended, synchronously and with no command. A continued run calls it
   * before it registers its Update handlers: the SDK validates an Update buffered in the run's first
   * workflow task the moment its handler is set, and that Update must find the step's tasks open.
   */
  function restore(s: SuspendedStep): void {
    const def = opts.steps[stepIndex(s.key)] as StepDef<K>;
    const members = def.mode === 'vote' ? [...new Set(opts.resolve(def.assignees))] : [];
    const r: Running<K> = { def, round: s.round, slots: s.slots.map((x) => ({ ...x, assigneeIds: [...x.assigneeIds], after: [...x.after] })), outcome: null, lastApproval: s.lastApproval };
    if (def.mode === 'vote') r.vote = ballotBox.carriedVoteRun(def, members, s.vote);
    running = r;
    anyoneActed = s.anyoneActed;
    restoredFrom = s;
    // Numbered on from the step's tasks (a step opened ahead of its run numbers them from 1).
    for (const x of s.slots) if (x.task) taskSeq = Math.max(taskSeq, x.task.seq);
  }

  /** A step an earlier run suspended: its tasks are open already, so nothing is emitted. */
  async function resumed(s: SuspendedStep): Promise<StepOutcome<K>> {
    if (restoredFrom !== s || running === null) restore(s);
    restoredFrom = null;
    const r = running as Running<K>;
    await condition(() => complete(r));
    running = null;
    if (r.outcome) return r.outcome;
    return approvedOutcome(r);
  }

  /** The running step, for a procedure that continues as new in the middle of it (runStep's resume). */
  function suspend(): SuspendedStep | null {
    const r = running;
    if (!r || r.outcome) return null;
    return {
      key: r.def.key,
      round: r.round,
      slots: r.slots.map((x) => ({ id: x.id, assigneeIds: [...x.assigneeIds], state: x.state, after: [...x.after], task: x.task })),
      lastApproval: r.lastApproval,
      ...(r.vote ? { vote: ballotBox.suspendedVote(r.vote) } : {}),
      anyoneActed,
    };
  }

  /** At a recorded meeting, whether `actorId` may vote at all now (vote-step.ts validateVoter). */
  const validateVoter = (actorId: string): void => ballotBox.validateVoter(openVote(), actorId);

  /** Why the running vote's meeting cannot be opened with this attendance; throws a refusal. */
  const validateOpenMeeting = (m: { date: string; present: readonly string[]; recused?: readonly string[]; today: string }): void => ballotBox.validateOpenMeeting(openVote(), m);

  /** Opens the running vote's meeting (validated): the present members' tasks open, the others never do. */
  function openMeeting(m: { date: string; present: readonly string[]; recused?: readonly string[] }, by: string, at: string): TaskChanges & { meeting: MeetingRecord } {
    const r = running as Running<K>;
    const v = r.vote as VoteRun;
    const meeting = meetingRecord(v.members, m, by, at);
    v.meeting = meeting;
    anyoneActed = true;
    const changes: TaskChanges = { closed: [], opened: [] };
    seat(r, meeting, changes);
    return { ...changes, meeting };
  }

  /** Why the minutes cannot be attached to the running vote's meeting now; throws a refusal. */
  const validateMinutes = (ref: string): void => ballotBox.validateMinutes(openVote(), ref);

  /** Attaches the minutes (validated); the step ends now if every member present has voted. */
  const attachMinutes = (ref: string, by: string, at: string): MeetingRecord => ballotBox.attachMinutes((running as Running<K>).vote as VoteRun, ref, by, at);

  /** The synchronous checks an Update validator runs: refusals leave no trace. */
  function validate(a: ActInput): void {
    const r = running;
    if (r?.vote && !r.outcome && a.action === 'vote') ballotBox.validateVoteCast(r.vote, r.slots, r.def.key, a);
    const slot = pendingSlotOf(a.taskId);
    if (!r || !slot || r.outcome) throw refuse(KernelRefusal.taskNotPending, 'the task is not pending', { field: 'taskId' });
    if (!slot.assigneeIds.includes(a.actorId) && !reassigning(a, slot)) throw refuse(KernelRefusal.notAssignee, 'the task is not assigned to you', { field: 'taskId' });
    const allowed = allowedAt(r.def);
    if (!allowed.includes(a.action)) {
      throw refuse(KernelRefusal.actionNotAllowed, `step ${r.def.key} allows ${allowed.join(', ')}`, { field: 'action', step: r.def.key, allowed });
    }
    if (r.vote) ballotBox.validateBallots(r.vote, a);
    const holders = new Set(r.slots.filter((s) => s.state !== 'approved').flatMap((s) => s.assigneeIds));
    if (a.action === 'return') {
      const problem = returnProblem(a.comment);
      if (problem) throw refuse(KernelRefusal.reasonRequired, problem, { field: 'comment' });
      const to = a.returnTo ?? opts.steps[0]?.key;
      const toIndex = to === undefined ? -1 : stepIndex(to);
      if (toIndex < 0 || toIndex > stepIndex(r.def.key)) {
        throw refuse(KernelRefusal.invalidTarget, `can only return to this step or an earlier one: ${opts.steps.slice(0, stepIndex(r.def.key) + 1).map((s) => s.key).join(', ')}`, {
          field: 'returnTo',
        });
      }
    }
    if (reassigning(a, slot)) {
      const problem = reassignProblem(a.comment);
      if (problem) throw refuse(KernelRefusal.reasonRequired, problem, { field: 'comment' });
    }
    if (a.action === 'transfer' || a.action === 'addSigner') {
      if (!a.targetUserId) throw refuse(KernelRefusal.invalidTarget, `${a.action} needs the person to hand it to`, { field: 'targetUserId' });
      if (a.targetUserId === a.actorId) throw refuse(KernelRefusal.invalidTarget, `you cannot ${a.action === 'transfer' ? 'transfer a task to' : 'add'} yourself`, { field: 'targetUserId' });
      if (holders.has(a.targetUserId)) throw refuse(KernelRefusal.invalidTarget, 'targetUserId already signs at this step', { field: 'targetUserId' });
      if (a.action === 'addSigner' && a.position !== 'before' && a.position !== 'after') {
        throw refuse(KernelRefusal.invalidTarget, 'addSigner needs position "before" or "after"', { field: 'position' });
      }
    }
  }

  /**
   * Applies a validated action, synchronously: the step's state changes, and the tasks it closes and
   * opens are returned for the action's transition. If the step ends, the procedure's loop moves on
   * (in the same workflow task) and opens the next step's tasks in a transition of its own.
   */
  function apply(a: ActInput, data: unknown): TaskChanges {
    const r = running as Running<K>;
    const slot = pendingSlotOf(a.taskId) as Slot;
    const task = slot.task as TaskView;
    const at = new Date().toISOString();
    anyoneActed = true;
    const changes: TaskChanges = { closed: [{ task, at, by: a.actorId, action: a.action, byAction: true }], opened: [] };
    if (a.action === 'return') {
      const to = (a.returnTo ?? opts.steps[0]?.key) as K;
      r.outcome = { kind: 'returned', to, by: a.actorId, reason: a.comment ?? '' };
      for (const s of r.slots) if (s.state === 'pending' && s.task && s !== slot) changes.closed.push({ task: s.task, at, by: a.actorId, action: 'cancelled', byAction: false });
      for (const s of r.slots) if (s.state === 'pending') s.state = 'waiting';
      return changes;
    }
    if (a.action === 'transfer') {
      // A supervisor's reassignment hands the whole position on; an assignee hands on their own share.
      slot.assigneeIds =
        r.def.mode === 'any' && !reassigning(a, slot) ? slot.assigneeIds.map((id) => (id === a.actorId ? (a.targetUserId as string) : id)) : [a.targetUserId as string];
      slot.state = 'waiting';
      openSlot(slot, changes);
    } else if (a.action === 'vote' && r.vote) {
      slot.state = 'approved';
      for (const b of a.ballots ?? []) r.vote.ballots.push({ memberId: a.actorId, candidateId: b.candidateId, choice: b.choice });
      r.lastApproval = { by: a.actorId };
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
    if (!complete(r)) openReady(changes);
    return changes;
  }

  /** Why the running step's vote cannot be closed now; throws a refusal. */
  const validateCloseVote = (): void => ballotBox.validateCloseVote(openVote());

  /**
   * Closes the running vote: every member who has not voted is absent, except a principal still to
   * vote, whose task stays open; a second close then records the principal absent too.
   */
  function closeVote(by: string, at: string): TaskChanges & { absent: string[] } {
    const r = running as Running<K>;
    const changes = ballotBox.closeVote(r.vote as VoteRun, r.slots, by, at);
    r.lastApproval = { by };
    return changes;
  }

  return {
    runStep,
    restore,
    suspend,
    validate,
    apply,
    openTasks,
    stepIndex,
    hasAnyoneActed: (): boolean => anyoneActed,
    /** The pending task an action is about. */
    taskOf: (id: string): TaskView | undefined => pendingSlotOf(id)?.task ?? undefined,
    /** Whether a step is running and not yet complete: its tasks are open. */
    isRunning: (): boolean => running !== null && !complete(running),
    /** Whether no step runs: the procedure's loop has taken the last step's outcome. */
    isIdle: (): boolean => running === null,
    validateCloseVote,
    closeVote,
    validateVoter,
    validateOpenMeeting,
    openMeeting,
    validateMinutes,
    attachMinutes,
    /** The running vote's meeting, or null (none recorded, or not open yet). */
    meeting: (): MeetingRecord | null => openVote()?.meeting ?? null,
    /** The running vote's rule, or null when no vote step runs. */
    voteRule: (): VoteRule | null => running?.vote?.rule ?? null,
    view: (): StepRunView | null =>
      running && {
        key: running.def.key,
        mode: running.def.mode,
        round: running.round,
        allowed: allowedAt(running.def),
        slots: running.slots.map((s) => ({ assigneeIds: s.assigneeIds, state: s.state, taskId: s.task?.taskId ?? null, after: s.after })),
        ...(running.vote ? { vote: ballotBox.voteView(running.vote) } : {}),
      },
    /** Closes every open task, e.g. when the procedure is withdrawn. */
    cancelAll(by: string, at: string): TaskChanges {
      const tasks = openTasks();
      if (running) running.outcome = { kind: 'withdrawn', by };
      return { closed: tasks.map((task) => ({ task, at, by, action: 'withdrawn', byAction: false })), opened: [] };
    },
  };
}

export type ApprovalFlow<K extends string> = ReturnType<typeof createApprovalFlow<K>>;

/**
 * Runs `steps` in order, each to its approval; a step returned to an earlier one (a reason given) goes back
 * there in a new round. `onStep` is told each step and its round before it runs (the stage, the round in
 * the state). Returns the round the last step ended in.
 */
export async function runThrough<K extends string>(flow: Pick<ApprovalFlow<K>, 'runStep'>, steps: readonly K[], round: number, onStep: (step: K, round: number) => void): Promise<number> {
  let i = 0;
  while (i < steps.length) {
    const step = steps[i] as K;
    onStep(step, round);
    const o = await flow.runStep(step, round);
    if (o.kind === 'returned') {
      round += 1;
      i = steps.indexOf(o.to);
      continue;
    }
    i += 1;
  }
  return round;
}

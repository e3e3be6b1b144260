/**
 * The approval step every procedure is built from (DOMAIN.md, "Approval semantics").
 *
 * A step has signers, arranged by its mode:
 * - sequential (依次): one after another;
 * - all (会签): in parallel, every one must approve;
 * - any (或签): one shared task, the first approval completes the step;
 * - vote (票决): every member gets a task at once and casts one ballot per candidate (lib/vote.ts).
 * On a pending task a signer may approve, return to any earlier step with a reason, transfer (转办)
 * to another person, or add a signer before or after themselves (加签). Deterministic: this runs
 * inside workflows, and every side effect goes through the (local) activities passed in.
 *
 * A vote step is a collective decision, so a member can only vote: no return, transfer or added
 * signer, since one member must not override the meeting or vote by proxy. It completes when every
 * member has voted, or when the organizer closes it (closeVote) with a quorum present. Members who
 * never vote are absent. The principal leader votes last on each candidate: while others may still
 * vote, their ballot is refused; closing the vote with the principal still to vote marks everyone
 * else absent and leaves the principal's task open, so the principal then votes and the step ends.
 */
import { condition } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { Refusal, taskId as makeTaskId, type ApprovalMode, type AssigneeRule, type BallotInput, type TaskView } from '../definitions';
import { refuse } from './refuse';
import { ballotProblem, DEFAULT_VOTE_RULE, isVoteChoice, meetsQuorum, tally, type Ballot, type VoteRule, type VoteTally } from './vote';

export type { ApprovalMode };

export interface StepDef<K extends string = string> {
  key: K;
  mode: ApprovalMode;
  assignees: AssigneeRule;
  /** The verbs that mean "approve" at this step, e.g. submit, pass or sign. */
  approveActions: readonly string[];
  /** Whether a signer here may return the procedure to an earlier step. */
  canReturn: boolean;
  /** vote steps: what the members vote on. */
  candidates?: readonly string[];
  /** vote steps: DEFAULT_VOTE_RULE when left out. */
  voteRule?: VoteRule;
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
  /** vote: one ballot per candidate. */
  ballots?: BallotInput[];
}

/** In a vote step, approved means voted, and absent means the vote closed before the member voted. */
type SlotState = 'waiting' | 'pending' | 'approved' | 'absent' | 'opening';

/** A signer position in the running step; a transfer changes who holds it, not the position. */
interface Slot {
  id: number;
  assigneeIds: string[];
  state: SlotState;
  /** Slots that must approve before this one opens. */
  after: number[];
  task: TaskView | null;
  /** An action on it was accepted while it was still being projected. */
  claimed?: boolean;
}

export interface StepRunView {
  key: string;
  mode: ApprovalMode;
  round: number;
  slots: { assigneeIds: string[]; state: SlotState; taskId: string | null; after: number[] }[];
  vote?: { candidates: string[]; members: string[]; voted: string[]; absent: string[]; closing: boolean };
}

export type StepOutcome<K extends string> =
  /** tally: a vote step's result. */
  | { kind: 'approved'; by: string; data?: unknown; tally?: VoteTally }
  | { kind: 'returned'; to: K; by: string; reason: string }
  | { kind: 'withdrawn'; by: string };

/** The ballot box of a running vote step. */
interface VoteRun {
  rule: VoteRule;
  candidates: readonly string[];
  /** 应到: the members the step resolved to. */
  members: string[];
  /** In the order cast; each member casts all their ballots at once. */
  ballots: Ballot[];
  /** Members recorded absent when the vote closed. */
  absent: string[];
  /** Closed for everyone but the principal, who is still to vote. */
  closing: boolean;
}

interface Running<K extends string> {
  def: StepDef<K>;
  round: number;
  slots: Slot[];
  outcome: StepOutcome<K> | null;
  lastApproval: { by: string; data?: unknown } | null;
  vote?: VoteRun;
}

/** The smallest number present that meets the rule's quorum. */
function quorumNeeded(rule: VoteRule, shouldAttend: number): number {
  for (let n = 0; n <= shouldAttend; n++) if (meetsQuorum(rule, shouldAttend, n)) return n;
  return shouldAttend + 1;
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
  /**
   * A task someone may act on: open, or being projected (its row may already be in the inbox).
   * An action on a task still being projected waits in `apply` until the row exists.
   */
  const actionableSlotOf = (taskId: string): Slot | undefined =>
    running?.slots.find((s) => (s.state === 'pending' || s.state === 'opening') && !s.claimed && s.task?.taskId === taskId);

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
    // Actionable only once its projection exists: an action recorded before the task row was
    // written would leave the row pending for ever.
    slot.task = task;
    slot.state = 'opening';
    await opts.acts.openTask({ ...task, workflowId: opts.workflowId, procedureType: opts.procedureType, dueAt: opts.dueAt() });
    if (running !== r || r.outcome) {
      // The step was returned or withdrawn meanwhile.
      slot.state = 'waiting';
      await opts.acts.closeTask({ taskId: task.taskId, at: new Date().toISOString(), by: 'system', action: 'cancelled' });
      return;
    }
    slot.state = 'pending';
  }

  /** How many openReady calls are still opening tasks: a step's tasks open one after another. */
  let opening = 0;

  /** Opens every waiting slot whose predecessors have all approved. */
  async function openReady(): Promise<void> {
    const r = running as Running<K>;
    opening += 1;
    try {
      for (const slot of r.slots) {
        if (slot.state !== 'waiting') continue;
        const ready = slot.after.every((id) => r.slots.find((s) => s.id === id)?.state === 'approved');
        if (ready) await openSlot(slot);
      }
    } finally {
      opening -= 1;
    }
  }

  function complete(r: Running<K>): boolean {
    return r.outcome !== null || (r.slots.length > 0 && r.slots.every((s) => s.state === 'approved' || s.state === 'absent'));
  }

  const voted = (v: VoteRun): string[] => v.members.filter((m) => v.ballots.some((b) => b.memberId === m));
  /** 实到 while the vote runs: everyone not recorded absent. */
  const presentNow = (v: VoteRun): string[] => v.members.filter((m) => !v.absent.includes(m));

  function finalTally(v: VoteRun): VoteTally {
    // Members who never voted are absent; the ballots were checked one by one as they were cast.
    return tally(v.rule, { members: v.members, present: voted(v), candidates: v.candidates, ballots: v.ballots });
  }

  /** Runs one step to its end: every signer approved, or a return. */
  async function runStep(key: K, round: number): Promise<StepOutcome<K>> {
    const def = opts.steps[stepIndex(key)] as StepDef<K>;
    const assigneeIds = await opts.acts.resolveAssignees(def.assignees);
    const members = def.mode === 'vote' ? [...new Set(assigneeIds)] : assigneeIds;
    const slots: Slot[] =
      def.mode === 'any'
        ? [{ id: 0, assigneeIds, state: 'waiting', after: [], task: null }]
        : members.map((userId, i) => ({
            id: i,
            assigneeIds: [userId],
            state: 'waiting' as const,
            after: def.mode === 'sequential' && i > 0 ? [i - 1] : [],
            task: null,
          }));
    running = { def, round, slots, outcome: null, lastApproval: null };
    if (def.mode === 'vote') {
      running.vote = { rule: def.voteRule ?? DEFAULT_VOTE_RULE, candidates: def.candidates ?? [], members, ballots: [], absent: [], closing: false };
    }
    await openReady();
    const r = running;
    await condition(() => complete(r));
    running = null;
    if (r.outcome) return r.outcome;
    return { kind: 'approved', by: r.lastApproval?.by ?? '', data: r.lastApproval?.data, ...(r.vote ? { tally: finalTally(r.vote) } : {}) };
  }

  /** A vote step's refusals for one member's ballots, checked synchronously like every other action. */
  function validateBallots(v: VoteRun, a: TaskActInput): void {
    const ballots = a.ballots ?? [];
    const seen = new Set<string>();
    for (const [i, b] of ballots.entries()) {
      const field = `ballots[${i}]`;
      if (!v.candidates.includes(b.candidateId)) {
        throw refuse(Refusal.invalidBallot, `${field}: ${b.candidateId} is not a candidate; the candidates are ${v.candidates.join(', ')}`, { field: `${field}.candidateId` });
      }
      if (seen.has(b.candidateId)) throw refuse(Refusal.invalidBallot, `${field}: ${b.candidateId} appears twice`, { field: `${field}.candidateId` });
      seen.add(b.candidateId);
      if (!isVoteChoice(b.choice)) throw refuse(Refusal.invalidBallot, `${field}: choice must be agree, disagree or defer`, { field: `${field}.choice` });
    }
    const missing = v.candidates.filter((c) => !seen.has(c));
    if (missing.length > 0) {
      throw refuse(Refusal.invalidBallot, `a ballot must cover every candidate exactly once; missing: ${missing.join(', ')}`, { field: 'ballots', missing });
    }
    const state = { members: v.members, present: presentNow(v), candidates: v.candidates, ballots: v.ballots };
    for (const b of ballots) {
      const problem = ballotProblem(v.rule, state, a.actorId, b.candidateId);
      if (!problem) continue;
      const code =
        problem.code === 'already_voted'
          ? Refusal.alreadyVoted
          : problem.code === 'principal_votes_last'
            ? Refusal.principalVotesLast
            : problem.code === 'unknown_candidate'
              ? Refusal.invalidBallot
              : Refusal.notAssignee;
      throw refuse(code, problem.message, { candidateId: b.candidateId });
    }
  }

  /** The synchronous checks an Update validator runs: refusals leave no trace. */
  function validate(a: TaskActInput): void {
    const r = running;
    if (r?.vote && !r.outcome && a.action === 'vote') {
      const done = r.slots.find((s) => s.state === 'approved' && s.task?.taskId === a.taskId && s.assigneeIds.includes(a.actorId));
      if (done) throw refuse(Refusal.alreadyVoted, `${a.actorId} has already voted at step ${r.def.key}`, { taskId: a.taskId });
    }
    const slot = actionableSlotOf(a.taskId);
    if (!r || !slot || r.outcome) throw refuse(Refusal.taskNotPending, `task ${a.taskId} is not pending`, { taskId: a.taskId });
    if (!slot.assigneeIds.includes(a.actorId)) {
      throw refuse(Refusal.notAssignee, `task ${a.taskId} is not assigned to you`, { taskId: a.taskId });
    }
    const allowed =
      r.def.mode === 'vote'
        ? ['vote']
        : [...r.def.approveActions, ...(r.def.canReturn ? ['return'] : []), 'transfer', ...(r.def.mode === 'any' ? [] : ['addSigner'])];
    if (!allowed.includes(a.action)) {
      throw refuse(Refusal.actionNotAllowed, `step ${r.def.key} allows ${allowed.join(', ')}, not ${a.action}`, { step: r.def.key, allowed });
    }
    if (r.vote) validateBallots(r.vote, a);
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
    const projecting = r.slots.find((s) => s.state === 'opening' && s.task?.taskId === a.taskId);
    if (projecting) {
      // Recorded only after the task's row exists, so the projection never sees the action first.
      projecting.claimed = true;
      await condition(() => projecting.state !== 'opening');
      projecting.claimed = false;
      if (running !== r || r.outcome || projecting.state !== 'pending') return;
    }
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
        (a.action === 'vote'
          ? { ballots: a.ballots ?? [] }
          : a.action === 'transfer' || a.action === 'addSigner' || a.action === 'return'
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

  /** Why the running step's vote cannot be closed now; throws a refusal. */
  function validateCloseVote(): void {
    const r = running;
    if (!r?.vote || r.outcome) throw refuse(Refusal.actionNotAllowed, 'no vote is open: the current step is not a vote');
    const v = r.vote;
    const principal = v.rule.principalId;
    const principalToVote = principal !== undefined && !v.closing && v.members.includes(principal) && !voted(v).includes(principal);
    // The principal still to vote counts as present: closing leaves their task open so they vote last.
    const present = voted(v).length + (principalToVote ? 1 : 0);
    if (!meetsQuorum(v.rule, v.members.length, present)) {
      const needed = quorumNeeded(v.rule, v.members.length);
      throw refuse(
        Refusal.quorumNotMet,
        `no quorum: ${present} of ${v.members.length} members present (voted${principalToVote ? ', or the principal still to vote' : ''}), at least ${needed} needed; a decision without quorum is invalid`,
        { present, shouldAttend: v.members.length, needed },
      );
    }
  }

  /**
   * Closes the running vote: every member who has not voted is absent, except a principal still to
   * vote, whose task stays open; a second close then records the principal absent too. Returns the
   * members recorded absent.
   */
  async function closeVote(by: string, at: string): Promise<string[]> {
    const r = running as Running<K>;
    const v = r.vote as VoteRun;
    const principal = v.rule.principalId;
    const keepPrincipal = principal !== undefined && !v.closing && v.members.includes(principal) && !voted(v).includes(principal);
    const toClose: TaskView[] = [];
    const absent: string[] = [];
    for (const s of r.slots) {
      if (s.state !== 'pending') continue;
      if (keepPrincipal && s.assigneeIds.includes(principal)) continue;
      s.state = 'absent';
      absent.push(...s.assigneeIds);
      if (s.task) toClose.push(s.task);
    }
    v.absent.push(...absent);
    v.closing = true;
    r.lastApproval = { by };
    for (const t of toClose) await opts.acts.closeTask({ taskId: t.taskId, at, by, action: 'absent' });
    return absent;
  }

  return {
    runStep,
    validate,
    apply,
    openTasks,
    stepIndex,
    hasAnyoneActed: (): boolean => anyoneActed,
    /** The task a validated action is about, open or still being projected. */
    taskOf: (taskId: string): TaskView | undefined => actionableSlotOf(taskId)?.task ?? undefined,
    /** Whether every task the running step can open now is open (and projected). */
    isSettled: (): boolean => opening === 0 && openTasks().length > 0,
    validateCloseVote,
    closeVote,
    view: (): StepRunView | null =>
      running && {
        key: running.def.key,
        mode: running.def.mode,
        round: running.round,
        slots: running.slots.map((s) => ({ assigneeIds: s.assigneeIds, state: s.state, taskId: s.task?.taskId ?? null, after: s.after })),
        ...(running.vote
          ? {
              vote: {
                candidates: [...running.vote.candidates],
                members: [...running.vote.members],
                voted: voted(running.vote),
                absent: [...running.vote.absent],
                closing: running.vote.closing,
              },
            }
          : {}),
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

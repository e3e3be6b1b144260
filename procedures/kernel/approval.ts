/**
 * The approval step every procedure is built from (DOMAIN.md, "Approval semantics").
 *
 * A step has signers, arranged by its mode:
 * - sequential (依次): one after another;
 * - all (会签): in parallel, every one must approve;
 * - any (或签): one shared task, the first approval completes the step;
 * - vote (票决): every member gets a task at once and casts one ballot per candidate (vote.ts).
 * On a pending task a signer may approve, return to any earlier step with a reason, transfer (转办)
 * to another person, or add a signer before or after themselves (加签).
 *
 * Everything here is synchronous: a step's signers come from the assignees resolved at the start, and
 * every change becomes a Transition (projector.ts) instead of an activity call. So an action is decided,
 * applied and answered within one workflow task, with no round trip to the server on its path.
 *
 * A vote step is a collective decision, so a member can only vote: no return, transfer or added
 * signer, since one member must not override the meeting or vote by proxy. It completes when every
 * member has voted, or when the organizer closes it (closeVote) with a quorum present. Members who
 * never vote are absent. The principal leader votes last on each candidate: while others may still
 * vote, their ballot is refused; closing the vote with the principal still to vote marks everyone
 * else absent and leaves the principal's task open, so the principal then votes and the step ends.
 *
 * A vote step may belong to a recorded meeting (StepDef.meeting; vote.ts MeetingRecord): then no task opens
 * until the meeting is opened with its date and attendance (openMeeting), the members recorded present get
 * their tasks and the absent and recused never do, the quorum is the attendance's (checked when it opens, not
 * inferred from who voted), and the step ends only once the minutes are attached (attachMinutes). Procedures
 * offer these as their own staff commands and call the validators here, so the rules are written once.
 */
import { condition } from '@temporalio/workflow';
import { KernelRefusal, taskId as makeTaskId, type ActInput, type AssigneeRule, type ClosedTask, type TaskView } from './messages';
import type { Projector } from './projector';
import { refuse } from './refuse';
import { reassignProblem, returnProblem } from './rules';
import { isValidDate } from '../../domain/dates';
import {
  ballotProblem,
  DEFAULT_VOTE_RULE,
  isSecret,
  isVoteChoice,
  meetingProblem,
  meetingRecord,
  MeetingRefusal,
  meetsQuorum,
  minutesProblem,
  quorumNeeded,
  tally,
  type Ballot,
  type MeetingRecord,
  type VoteRule,
  type VoteTally,
} from './vote';

export const APPROVAL_MODES = ['sequential', 'all', 'any', 'vote'] as const;
/** 依次, 会签, 或签, 票决. */
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

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
  /**
   * vote steps: the vote belongs to a recorded meeting (vote.ts MeetingRecord). The members' tasks open when the
   * meeting is opened with its date and attendance (openMeeting), only for those present; the step ends once the
   * minutes are attached. `held`: the vote goes on at a meeting already open (a new round among the tied, or after
   * 暂缓表决), with its attendance. Absent: no meeting is recorded, as before.
   */
  meeting?: { held?: MeetingRecord };
}

/** In a vote step, approved means voted, and absent means the vote closed before the member voted. */
type SlotState = 'waiting' | 'pending' | 'approved' | 'absent';

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
  /** The actions a pending task of this step allows (the validator's own list), for a client to offer. */
  allowed: string[];
  slots: { assigneeIds: string[]; state: SlotState; taskId: string | null; after: number[] }[];
  vote?: { candidates: string[]; members: string[]; voted: string[]; absent: string[]; closing: boolean; secret: boolean; meetingRequired?: boolean; meeting?: MeetingRecord | null };
}

/**
 * A running step as a procedure carries it across continue-as-new: the new run resumes the step with
 * the same tasks (same ids, nothing opened again) and the ballots cast so far.
 */
export interface SuspendedStep {
  key: string;
  round: number;
  slots: { id: number; assigneeIds: string[]; state: SlotState; after: number[]; task: TaskView | null }[];
  lastApproval: { by: string; data?: unknown } | null;
  vote?: { ballots: Ballot[]; absent: string[]; closing: boolean; meetingRequired?: boolean; meeting?: MeetingRecord | null };
  anyoneActed: boolean;
}

export type StepOutcome<K extends string> =
  /** tally: a vote step's result. */
  | { kind: 'approved'; by: string; data?: unknown; tally?: VoteTally; meeting?: MeetingRecord }
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
  /** The vote belongs to a recorded meeting (StepDef.meeting). */
  meetingRequired: boolean;
  /** The meeting as opened, then with its minutes; null until it is opened. */
  meeting: MeetingRecord | null;
}

interface Running<K extends string> {
  def: StepDef<K>;
  round: number;
  slots: Slot[];
  outcome: StepOutcome<K> | null;
  lastApproval: { by: string; data?: unknown } | null;
  vote?: VoteRun;
}

/** The tasks one change closed and opened. */
export interface TaskChanges {
  closed: ClosedTask[];
  opened: TaskView[];
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

/** A step's signer positions, by its mode, before any task opens. */
function slotsFor(def: StepDef, assigneeIds: string[]): { members: string[]; slots: Slot[] } {
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
  return { members, slots };
}

function newTask(workflowId: string, seq: number, step: string, round: number, assigneeIds: readonly string[], openedAt: string, dueAt: string | null): TaskView {
  return { taskId: makeTaskId(workflowId, seq), step, seq, round, assigneeIds: [...assigneeIds], openedAt, dueAt };
}

/**
 * A procedure's first step as its run opens it, computed before the run exists: a fan-out projects its
 * children's first tasks in bulk (kernel/fanout.ts, `open`), and each child then resumes the step from this,
 * with the same task ids, instead of opening it. Not for a vote step: its ballot box belongs to the run.
 */
export function firstStepOpening(def: StepDef, assigneeIds: string[], workflowId: string, openedAt: string, dueAt: string | null): { step: SuspendedStep; opened: TaskView[] } {
  if (def.mode === 'vote') throw new Error('a vote step cannot be opened ahead of its run');
  const { slots } = slotsFor(def, assigneeIds);
  const opened: TaskView[] = [];
  for (const slot of slots) {
    if (slot.after.length > 0) continue;
    slot.task = newTask(workflowId, opened.length + 1, def.key, 1, slot.assigneeIds, openedAt, dueAt);
    slot.state = 'pending';
    opened.push(slot.task);
  }
  return { step: { key: def.key, round: 1, slots, lastApproval: null, anyoneActed: false }, opened };
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

  const voted = (v: VoteRun): string[] => v.members.filter((m) => v.ballots.some((b) => b.memberId === m));
  /** 实到 while the vote runs: as the meeting recorded it, or everyone not recorded absent; less those closed out. */
  const presentNow = (v: VoteRun): string[] => (v.meeting ? v.meeting.present : v.members).filter((m) => !v.absent.includes(m));

  function finalTally(v: VoteRun): VoteTally {
    // At a recorded meeting, 实到 is its attendance, and a present member closed out without a ballot counts
    // as not agreeing; without one, members who never voted are absent. The ballots were checked as they were cast.
    if (v.meeting) return tally(v.rule, { members: v.members, present: v.meeting.present, candidates: v.candidates, ballots: v.ballots, closed: v.absent });
    return tally(v.rule, { members: v.members, present: voted(v), candidates: v.candidates, ballots: v.ballots });
  }
  const approvedOutcome = (r: Running<K>): StepOutcome<K> => ({
    kind: 'approved',
    by: r.lastApproval?.by ?? '',
    data: r.lastApproval?.data,
    ...(r.vote ? { tally: finalTally(r.vote) } : {}),
    ...(r.vote?.meeting ? { meeting: r.vote.meeting } : {}),
  });

  /** A meeting's attendance applied to the vote's slots: the absent and recused never get a task; the present do. */
  function seat(r: Running<K>, meeting: MeetingRecord, into: TaskChanges): void {
    for (const s of r.slots) if (s.state === 'waiting' && !s.assigneeIds.some((id) => meeting.present.includes(id))) s.state = 'absent';
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
    if (def.mode === 'vote') {
      const held = def.meeting?.held ?? null;
      running.vote = { rule: def.voteRule ?? DEFAULT_VOTE_RULE, candidates: def.candidates ?? [], members, ballots: [], absent: [], closing: false, meetingRequired: def.meeting !== undefined, meeting: held };
    }
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
    if (def.mode === 'vote') {
      r.vote = {
        rule: def.voteRule ?? DEFAULT_VOTE_RULE,
        candidates: def.candidates ?? [],
        members,
        ballots: [...(s.vote?.ballots ?? [])],
        absent: [...(s.vote?.absent ?? [])],
        closing: s.vote?.closing ?? false,
        meetingRequired: s.vote?.meetingRequired ?? false,
        meeting: s.vote?.meeting ?? null,
      };
    }
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
      ...(r.vote
        ? { vote: { ballots: [...r.vote.ballots], absent: [...r.vote.absent], closing: r.vote.closing, ...(r.vote.meetingRequired ? { meetingRequired: true, meeting: r.vote.meeting } : {}) } }
        : {}),
      anyoneActed,
    };
  }

  /** A vote step's refusals for one member's ballots, checked synchronously like every other action. */
  function validateBallots(v: VoteRun, a: ActInput): void {
    const ballots = a.ballots ?? [];
    const seen = new Set<string>();
    for (const [i, b] of ballots.entries()) {
      const field = `ballots[${i}]`;
      // The message names the field, never the unknown value: input is never echoed into a refusal.
      if (!v.candidates.includes(b.candidateId)) {
        throw refuse(KernelRefusal.invalidBallot, `${field}.candidateId is not a candidate; the candidates are ${v.candidates.join(', ')}`, { field: `${field}.candidateId` });
      }
      if (seen.has(b.candidateId)) throw refuse(KernelRefusal.invalidBallot, `${field}: candidate ${b.candidateId} appears twice`, { field: `${field}.candidateId` });
      seen.add(b.candidateId);
      if (!isVoteChoice(b.choice)) throw refuse(KernelRefusal.invalidBallot, `${field}.choice must be agree, disagree or defer`, { field: `${field}.choice` });
    }
    const missing = v.candidates.filter((c) => !seen.has(c));
    if (missing.length > 0) {
      throw refuse(KernelRefusal.invalidBallot, `a ballot must cover every candidate exactly once; missing: ${missing.join(', ')}`, { field: 'ballots', missing });
    }
    const state = { members: v.members, present: presentNow(v), candidates: v.candidates, ballots: v.ballots };
    for (const b of ballots) {
      const problem = ballotProblem(v.rule, state, a.actorId, b.candidateId);
      if (!problem) continue;
      const code =
        problem.code === 'not_present' && v.meeting
          ? MeetingRefusal.notPresent
          : problem.code === 'already_voted'
          ? KernelRefusal.alreadyVoted
          : problem.code === 'principal_votes_last'
            ? KernelRefusal.principalVotesLast
            : problem.code === 'unknown_candidate'
              ? KernelRefusal.invalidBallot
              : KernelRefusal.notAssignee;
      throw refuse(code, problem.message, { candidateId: b.candidateId });
    }
  }

  /** The synchronous checks an Update validator runs: refusals leave no trace. */
  /** What a pending task of the step allows: a vote step only votes; 或签 adds no signer. */
  function allowedAt(def: Running<K>['def']): string[] {
    return def.mode === 'vote' ? ['vote'] : [...def.approveActions, ...(def.canReturn ? ['return'] : []), 'transfer', ...(def.mode === 'any' ? [] : ['addSigner'])];
  }

  /** A supervisor transferring a task that is not theirs (督查 reassigning stuck work). */
  function reassigning(a: ActInput, slot: Slot): boolean {
    return a.action === 'transfer' && !slot.assigneeIds.includes(a.actorId) && (a.actorRoles ?? []).includes('supervisor');
  }

  /**
   * At a recorded meeting, whether `actorId` may vote at all now: the meeting is open, and the member is recorded
   * present (not absent, not recused). Checked before the task is looked up, so the refusal names the rule.
   */
  function validateVoter(actorId: string): void {
    const v = running?.vote;
    if (!v?.meetingRequired || running?.outcome) return;
    if (!v.meeting) throw refuse(MeetingRefusal.meetingNotOpen, 'the vote belongs to a meeting that is not open yet: its date and attendance are recorded first (openMeeting)', { rule: 'meeting.open' });
    if (v.members.includes(actorId) && !v.meeting.present.includes(actorId)) {
      const recused = v.meeting.recused.includes(actorId);
      throw refuse(
        MeetingRefusal.notPresent,
        recused
          ? `回避: ${actorId} is recused at the meeting of ${v.meeting.date}; they count toward 应到 but not as present and do not vote`
          : `${actorId} is not recorded present at the meeting of ${v.meeting.date}`,
        { rule: recused ? 'meeting.recused' : 'meeting.attendance', date: v.meeting.date },
      );
    }
  }

  /** Why the running vote's meeting cannot be opened with this attendance; throws a refusal. */
  function validateOpenMeeting(m: { date: string; present: readonly string[]; recused?: readonly string[]; today: string }): void {
    const r = running;
    if (!r?.vote || r.outcome) throw refuse(KernelRefusal.actionNotAllowed, 'no vote is open: the current step is not a vote');
    const v = r.vote;
    if (!v.meetingRequired) throw refuse(KernelRefusal.actionNotAllowed, 'this vote is not recorded as a meeting');
    if (v.meeting) throw refuse(MeetingRefusal.meetingAlreadyOpen, `the meeting of this vote is open since ${v.meeting.date}; its attendance is recorded once`, { date: v.meeting.date });
    if (!isValidDate(m.date)) throw refuse(KernelRefusal.invalidInput, 'date must be a YYYY-MM-DD date', { field: 'date' });
    const problem = meetingProblem(v.rule, v.members, m, m.today);
    if (!problem) return;
    const code = problem.code === 'quorum_not_met' ? KernelRefusal.quorumNotMet : problem.code === 'invalid_attendance' ? MeetingRefusal.invalidAttendance : KernelRefusal.invalidInput;
    throw refuse(code, problem.message, { field: problem.field, ...(problem.details ?? {}) });
  }

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
  function validateMinutes(ref: string): void {
    const v = running?.outcome ? undefined : running?.vote;
    if (!v?.meetingRequired) throw refuse(KernelRefusal.actionNotAllowed, 'no vote at a recorded meeting is open');
    const problem = minutesProblem(v.meeting, ref);
    if (problem) throw refuse(problem.code, problem.message, { field: problem.field });
  }

  /** Attaches the minutes (validated); the step ends now if every member present has voted. */
  function attachMinutes(ref: string, by: string, at: string): MeetingRecord {
    const v = (running as Running<K>).vote as VoteRun;
    const meeting: MeetingRecord = { ...(v.meeting as MeetingRecord), minutes: { ref, by, at } };
    v.meeting = meeting;
    return meeting;
  }

  function validate(a: ActInput): void {
    const r = running;
    if (r?.vote && !r.outcome && a.action === 'vote') validateVoter(a.actorId);
    if (r?.vote && !r.outcome && a.action === 'vote') {
      const done = r.slots.find((s) => s.state === 'approved' && s.task?.taskId === a.taskId && s.assigneeIds.includes(a.actorId));
      if (done) throw refuse(KernelRefusal.alreadyVoted, `you have already voted at step ${r.def.key}`, { taskId: a.taskId });
    }
    const slot = pendingSlotOf(a.taskId);
    if (!r || !slot || r.outcome) throw refuse(KernelRefusal.taskNotPending, 'the task is not pending', { field: 'taskId' });
    if (!slot.assigneeIds.includes(a.actorId) && !reassigning(a, slot)) throw refuse(KernelRefusal.notAssignee, 'the task is not assigned to you', { field: 'taskId' });
    const allowed = allowedAt(r.def);
    if (!allowed.includes(a.action)) {
      throw refuse(KernelRefusal.actionNotAllowed, `step ${r.def.key} allows ${allowed.join(', ')}`, { field: 'action', step: r.def.key, allowed });
    }
    if (r.vote) validateBallots(r.vote, a);
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
  function validateCloseVote(): void {
    const r = running;
    if (!r?.vote || r.outcome) throw refuse(KernelRefusal.actionNotAllowed, 'no vote is open: the current step is not a vote');
    const v = r.vote;
    if (v.meetingRequired && !v.meeting) throw refuse(MeetingRefusal.meetingNotOpen, 'the meeting is not open yet: record its date and attendance first (openMeeting)', { rule: 'meeting.open' });
    if (v.meeting && !v.meeting.minutes) {
      throw refuse(MeetingRefusal.minutesRequired, `the minutes of the meeting of ${v.meeting.date} are attached before the vote closes`, { rule: 'meeting.minutes', field: 'minutesRef' });
    }
    // At a recorded meeting the quorum was met when it opened, from the attendance it recorded.
    if (v.meeting) return;
    const principal = v.rule.principalId;
    const principalToVote = principal !== undefined && !v.closing && v.members.includes(principal) && !voted(v).includes(principal);
    // The principal still to vote counts as present: closing leaves their task open so they vote last.
    const present = voted(v).length + (principalToVote ? 1 : 0);
    if (!meetsQuorum(v.rule, v.members.length, present)) {
      const needed = quorumNeeded(v.rule, v.members.length);
      throw refuse(
        KernelRefusal.quorumNotMet,
        `no quorum: ${present} of ${v.members.length} members present (voted${principalToVote ? ', or the principal still to vote' : ''}), at least ${needed} needed; a decision without quorum is invalid`,
        { present, shouldAttend: v.members.length, needed },
      );
    }
  }

  /**
   * Closes the running vote: every member who has not voted is absent, except a principal still to
   * vote, whose task stays open; a second close then records the principal absent too.
   */
  function closeVote(by: string, at: string): TaskChanges & { absent: string[] } {
    const r = running as Running<K>;
    const v = r.vote as VoteRun;
    const principal = v.rule.principalId;
    const keepPrincipal = principal !== undefined && !v.closing && v.members.includes(principal) && !voted(v).includes(principal);
    const changes: TaskChanges & { absent: string[] } = { closed: [], opened: [], absent: [] };
    for (const s of r.slots) {
      if (s.state !== 'pending') continue;
      if (keepPrincipal && s.assigneeIds.includes(principal)) continue;
      s.state = 'absent';
      changes.absent.push(...s.assigneeIds);
      // At a recorded meeting they were present: their vote closed without a ballot, which is not absence.
      if (s.task) changes.closed.push({ task: s.task, at, by, action: v.meeting ? 'notVoted' : 'absent', byAction: false });
    }
    v.absent.push(...changes.absent);
    v.closing = true;
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
    meeting: (): MeetingRecord | null => (running?.outcome ? null : (running?.vote?.meeting ?? null)),
    /** The running vote's rule, or null when no vote step runs. */
    voteRule: (): VoteRule | null => running?.vote?.rule ?? null,
    view: (): StepRunView | null =>
      running && {
        key: running.def.key,
        mode: running.def.mode,
        round: running.round,
        allowed: allowedAt(running.def),
        slots: running.slots.map((s) => ({ assigneeIds: s.assigneeIds, state: s.state, taskId: s.task?.taskId ?? null, after: s.after })),
        ...(running.vote
          ? {
              vote: {
                candidates: [...running.vote.candidates],
                members: [...running.vote.members],
                voted: voted(running.vote),
                absent: [...running.vote.absent],
                closing: running.vote.closing,
                secret: isSecret(running.vote.rule),
                ...(running.vote.meetingRequired ? { meetingRequired: true, meeting: running.vote.meeting } : {}),
              },
            }
          : {}),
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

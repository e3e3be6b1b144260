/**
 * What an approval step is, apart from running it (approval.ts runs it): its definition, its signer
 * positions (slots) by mode, the views and outcomes a procedure reads, the shape a step is carried in
 * across continue-as-new, and the actions a pending task allows. Pure: no clock, no commands.
 */
import { taskId as makeTaskId, type ActInput, type AssigneeRule, type ClosedTask, type TaskView } from './messages';
import type { Ballot, MeetingRecord, VoteRule, VoteTally } from './vote';

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
export type SlotState = 'waiting' | 'pending' | 'approved' | 'absent';

/** A signer position in the running step; a transfer changes who holds it, not the position. */
export interface Slot {
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

/** The tasks one change closed and opened. */
export interface TaskChanges {
  closed: ClosedTask[];
  opened: TaskView[];
}

/** A step's signer positions, by its mode, before any task opens. */
export function slotsFor(def: StepDef, assigneeIds: string[]): { members: string[]; slots: Slot[] } {
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

export function newTask(workflowId: string, seq: number, step: string, round: number, assigneeIds: readonly string[], openedAt: string, dueAt: string | null): TaskView {
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

/** What a pending task of the step allows: a vote step only votes; 或签 adds no signer. */
export function allowedAt(def: StepDef): string[] {
  return def.mode === 'vote' ? ['vote'] : [...def.approveActions, ...(def.canReturn ? ['return'] : []), 'transfer', ...(def.mode === 'any' ? [] : ['addSigner'])];
}

/** A supervisor transferring a task that is not theirs (督查 reassigning stuck work). */
export function reassigning(a: ActInput, slot: Slot): boolean {
  return a.action === 'transfer' && !slot.assigneeIds.includes(a.actorId) && (a.actorRoles ?? []).includes('supervisor');
}

/**
 * What every procedure shares with the API and the tests: roles, assignee rules, the task and action
 * views, the transition a change of state produces, and the kernel's Updates and Query. Bundled into
 * the workflow sandbox, so it imports nothing but @temporalio/workflow, @temporalio/common and types.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Procedure } from '../../platform/entities';
import type { VoteChoice } from './vote';

/** Roles a user holds within their own unit (master data). */
export const ROLES = ['staff', 'reviewer', 'approver', 'supervisor', 'admin', 'calendarAdmin'] as const;
export type Role = (typeof ROLES)[number];

/** Who a step is assigned to. */
export type AssigneeRule =
  | { kind: 'user'; userId: string }
  | { kind: 'role'; role: Role; unitId: string }
  | { kind: 'unitHead'; unitId: string };

/**
 * The people each assignee rule named in master data when the procedure started, keyed by
 * ruleKey(rule). Resolved once by the API (platform/assignees.ts) and carried in the input, so the
 * workflow knows its signers without an activity, and a later change of master data does not move a
 * running task; a person who leaves hands the task on with a transfer (转办).
 */
export type ResolvedAssignees = Record<string, string[]>;

export function ruleKey(rule: AssigneeRule): string {
  if (rule.kind === 'user') return `user:${rule.userId}`;
  if (rule.kind === 'role') return `role:${rule.role}@${rule.unitId}`;
  return `head@${rule.unitId}`;
}

/** Search attributes the dev server registers at start and the worker registers on a cluster. */
export const SearchAttr = {
  procedureType: defineSearchAttributeKey('TingjinProcedureType', SearchAttributeType.KEYWORD),
  units: defineSearchAttributeKey('TingjinUnits', SearchAttributeType.KEYWORD_LIST),
  stage: defineSearchAttributeKey('TingjinStage', SearchAttributeType.KEYWORD),
  overdue: defineSearchAttributeKey('TingjinOverdue', SearchAttributeType.BOOL),
  dueAt: defineSearchAttributeKey('TingjinDueAt', SearchAttributeType.DATETIME),
} as const;
export const ALL_SEARCH_ATTRIBUTES = Object.values(SearchAttr);

/**
 * Why the kernel's Update validators refuse an action. The string is the ApplicationFailure type and
 * the API's error code; each procedure adds its own codes in its messages module.
 */
export const KernelRefusal = {
  taskNotPending: 'task_not_pending',
  notAssignee: 'not_assignee',
  actionNotAllowed: 'action_not_allowed',
  /** A transfer, added signer or return target that is not acceptable. */
  invalidTarget: 'invalid_target',
  /** A return (退回) without its reason. */
  reasonRequired: 'reason_required',
  /** Withdrawal after somebody has acted, or by someone other than the initiator. */
  cannotWithdraw: 'cannot_withdraw',
  /** Urging, copying or closing a vote by someone not entitled to. */
  notAllowed: 'not_allowed',
  /** Ballots that do not cover every candidate exactly once, or name an unknown candidate or choice. */
  invalidBallot: 'invalid_ballot',
  /** A second ballot from the same member. */
  alreadyVoted: 'already_voted',
  /** The principal leader (主要负责人) votes after every other member present. */
  principalVotesLast: 'principal_votes_last',
  /** Closing a vote with too few members present: a decision without quorum is invalid. */
  quorumNotMet: 'quorum_not_met',
  /** A string with a NUL or an unpaired surrogate, which neither PostgreSQL nor the SDK can carry. */
  invalidText: 'invalid_text',
  /** A payload that names something the procedure does not know. */
  invalidInput: 'invalid_input',
} as const;
export type KernelRefusalCode = (typeof KernelRefusal)[keyof typeof KernelRefusal];

/** One open (or just closed) human task, as the workflow knows it. */
export interface TaskView {
  taskId: string;
  step: string;
  seq: number;
  round: number;
  assigneeIds: string[];
  openedAt: string;
  dueAt: string | null;
}

/** Task ids are `<workflowId>:<seq>`, so the API routes an action without reading anything. */
export const taskId = (workflowId: string, seq: number): string => `${workflowId}:${seq}`;
export function workflowIdOfTask(id: string): string | null {
  const i = id.lastIndexOf(':');
  return i > 0 && /^\d+$/.test(id.slice(i + 1)) ? id.slice(0, i) : null;
}

/** One member's choice on one candidate: 同意, 不同意 or 缓议. */
export interface BallotInput {
  candidateId: string;
  choice: VoteChoice;
}

/** What a person asks to do on one task. */
export interface ActInput {
  taskId: string;
  actorId: string;
  /** submit, pass, sign, approve (the step's verbs), return, transfer, addSigner or vote. */
  action: string;
  comment?: string;
  /** What the step records with an approval (measures, evidence, 建章立制, …). */
  data?: unknown;
  /** transfer / addSigner: the person concerned. */
  targetUserId?: string;
  /** addSigner: before or after oneself. */
  position?: 'before' | 'after';
  /** return: the step to resume from; by default the first step. */
  returnTo?: string;
  /** vote: one ballot per candidate, every candidate exactly once. */
  ballots?: BallotInput[];
  /**
   * The actor's roles, from master data (the API resolves them): a supervisor (督查) may transfer a stuck
   * task that is not theirs to someone else, with a reason.
   */
  actorRoles?: Role[];
}

/**
 * Actions on a procedure rather than a task: withdraw (撤回, by the initiator while nobody has
 * acted), urge (催办, by a supervisor or the initiator) and copy (抄送, to people who must know), and
 * closing a running vote (票决) with the members who have not voted recorded absent.
 */
export const MANAGE_ACTIONS = ['withdraw', 'urge', 'copy', 'closeVote'] as const;
export type ManageAction = (typeof MANAGE_ACTIONS)[number];

export interface ManageInput {
  actorId: string;
  /** The actor's roles, from master data; the API is the trust boundary that resolves them. */
  actorRoles: Role[];
  action: ManageAction;
  /** urge: the pending task to urge. */
  taskId?: string;
  /** copy: who is informed. */
  userIds?: string[];
  comment?: string;
}

export interface ActionRecord {
  seq: number;
  taskId: string | null;
  step: string | null;
  actorId: string;
  action: string;
  comment?: string;
  at: string;
}

// ---------------------------------------------------------------------------------------------
// Transitions: what one change of a procedure's state writes to PostgreSQL.

/** A row as it travels in a payload: instants as ISO strings. */
type Serialized<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

/** The procedure's projection row (platform/entities/projection.ts), whole, as of a transition; the writer stamps updatedAt. */
export type ProcedureRowData = Omit<Serialized<Procedure>, 'updatedAt'>;

export interface ClosedTask {
  task: TaskView;
  at: string;
  by: string;
  /** The action that closed it: a step verb, or cancelled / absent / withdrawn. */
  action: string;
  /** Closed by the transition's own action, whose audit entry covers it. */
  byAction: boolean;
}

export interface NotificationData {
  kind: 'remind' | 'overdue' | 'escalation' | 'urge' | 'copy';
  userIds: string[];
  /** Also every user with role supervisor. */
  supervisors?: boolean;
  message: string;
}

export interface AuditData {
  /** Unique per entry; a write with the same key appends nothing. */
  key: string;
  kind: string;
  actorId: string;
  payload: unknown;
}

/**
 * One change of state, numbered by the procedure (seq 0 is the start). The workflow produces it
 * synchronously; PostgreSQL receives it from whichever writes first, the API right after the Update
 * answers (read-your-writes) or the workflow's projection activity (durability). Every write is keyed
 * by workflow id and seq, so the second writer changes nothing.
 */
export interface Transition {
  workflowId: string;
  seq: number;
  at: string;
  procedure: ProcedureRowData;
  action: { taskId: string | null; step: string | null; actorId: string; action: string; comment?: string; data?: unknown } | null;
  closed: ClosedTask[];
  opened: TaskView[];
  notifications: NotificationData[];
  audit: AuditData[];
  /** Other procedures (a parent) flagged overdue with this one. */
  flagOverdue?: string[];
}

/** What every action answers: its own result and the transitions it caused, for the API to project. */
export interface ActResult {
  taskId: string | null;
  action: string;
  status: string;
  /** The step now running, or the procedure's final status. */
  stage: string;
  /** The first task now open, if any. */
  nextTask: TaskView | null;
  openTasks: TaskView[];
  /** manage actions: who was told. */
  notified?: string[];
  /** The start's answer: the run it started. */
  runId?: string;
  transitions: Transition[];
}

/** Act on a pending task. */
export const actUpdate = defineUpdate<ActResult, [ActInput]>('act');
/** Withdraw, urge, copy or close a vote: actions on the procedure rather than on one task. */
export const manageUpdate = defineUpdate<ActResult, [ManageInput]>('manage');
/**
 * Sent with the start (update-with-start): answers once the first tasks are open, with the start's
 * transitions, so a 201 already lists what to act on.
 */
export const openedUpdate = defineUpdate<ActResult, []>('opened');
/** What a child procedure reports to its parent when it ends (fan-out, kernel/fanout.ts). */
export interface ChildOutcome {
  workflowId: string;
  ok: boolean;
  result?: unknown;
  /** Why it failed: the failure's type, never its message. */
  failure?: string;
}
/**
 * Asks a fan-out to start one child now, ahead of its turn (kernel/fanout.ts): its first task is already in
 * an inbox, and someone acted on it. Answers once the child runs.
 */
export const startChildUpdate = defineUpdate<{ started: boolean }, [string]>('startChild');

export const childDoneSignal = defineSignal<[ChildOutcome]>('childDone');
/** The live state of any procedure. */
export const stateQuery = defineQuery<unknown>('state');

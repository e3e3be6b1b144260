/** Messages and payloads of the generic approval request (通用审批). Deterministic: bundled. */
import type { ApprovalMode, StepRunView } from '../kernel/approval';
import type { ActionRecord, AssigneeRule, ResolvedAssignees, TaskView } from '../kernel/messages';
import type { PreOpened } from '../kernel/procedure';
import type { VoteRule, VoteTally } from '../kernel/vote';

export const APPROVAL_REQUEST = 'approvalRequest' as const;

export interface ApprovalStepInput {
  key: string;
  name: string;
  mode: ApprovalMode;
  assignees: AssigneeRule;
  /** vote steps: what is voted on, e.g. candidate ids; at least one. */
  candidates?: string[];
  /** vote steps: quorum, pass share and principal; the regulation's defaults for parts left out. */
  voteRule?: Partial<VoteRule>;
}

export interface ApprovalRequestInput {
  requestId: string;
  title: string;
  initiatorId: string;
  /** 1–10 steps with unique keys, run in order. */
  steps: ApprovalStepInput[];
  assignees: ResolvedAssignees;
  /** Its start and first step, already written by the API (kernel/procedure.ts PreOpened). */
  opened?: PreOpened;
}

export const APPROVAL_REQUEST_STATUSES = ['open', 'approved', 'withdrawn'] as const;
export type ApprovalRequestStatus = (typeof APPROVAL_REQUEST_STATUSES)[number];

/** The result of one vote step (票决). */
export interface VoteDecision {
  step: string;
  round: number;
  tally: VoteTally;
}

export interface ApprovalRequestState {
  type: typeof APPROVAL_REQUEST;
  workflowId: string;
  requestId: string;
  title: string;
  initiatorId: string;
  status: ApprovalRequestStatus;
  stage: string;
  round: number;
  currentStep: StepRunView | null;
  currentTask: TaskView | null;
  openTasks: TaskView[];
  actions: ActionRecord[];
  /** Per vote step, its latest tally. */
  decisions: VoteDecision[];
}

export interface ApprovalRequestResult {
  status: 'approved' | 'withdrawn';
  decisions: VoteDecision[];
}

export const approvalRequestWorkflowId = (requestId: string): string => `approval-${requestId}`;

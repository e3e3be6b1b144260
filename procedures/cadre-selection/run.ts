/**
 * What one cadre selection run holds while it lives: its state (the query's answer), the approval flow of
 * its two approval steps, its projector, and the few facts its phases pass to each other. The workflow
 * (cadre-selection.workflow.ts) creates it once and hands it to each phase; deterministic like the workflow.
 */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { chinaDateOf } from '../../domain/dates';
import { createApprovalFlow, type ApprovalFlow, type StepDef } from '../kernel/approval';
import { resolverFor } from '../kernel/assignees';
import { SearchAttr, type ActionRecord, type TaskView } from '../kernel/messages';
import { createProjector, openingRow, type Projector } from '../kernel/projector';
import { DEFAULT_VOTE_RULE, type MeetingRecord } from '../kernel/vote';
import { CADRE_SELECTION, type CadreSelectionInput, type CandidateView, type SelectionStage, type SelectionState } from './messages';
import { DEFAULT_SELECTION_RULES, type SelectionRules } from './rules';

export type FlowStep = 'principles' | 'decision';

export interface SelectionRun {
  readonly input: CadreSelectionInput;
  readonly workflowId: string;
  readonly rules: SelectionRules;
  readonly state: SelectionState;
  readonly projector: Projector;
  readonly flow: ApprovalFlow<FlowStep>;
  /** What the kernel's handlers (act, manage, opened) and answers read of the run. */
  readonly base: { flow: ApprovalFlow<FlowStep>; projector: Projector; status: () => string; stage: () => string };
  /** The committee's vote step; its candidates and meeting change with each round. */
  readonly decisionStep: StepDef<FlowStep>;
  /** 应到: the committee's members, as the vote step resolves them. */
  readonly committeeMembers: string[];
  readonly today: () => string;
  readonly record: (r: ActionRecord) => void;
  readonly candidate: (personId: string) => CandidateView | undefined;
  /** Shortlisted and not removed. */
  readonly active: () => CandidateView[];
  /** The principles' latest frozen version. */
  readonly frozen: () => SelectionState['frozen'][number] | undefined;
  readonly setStage: (stage: SelectionStage) => void;
  /** 回避: the members related to a candidate of the vote now open; 应到 but never 实到. */
  readonly recusedNow: () => string[];
  /** Set by revisePrinciples until the revised principles are frozen. */
  revising: { reason: string } | null;
  /** Set by deferVote: the open vote is closed and opened again without the deferred. */
  deferring: boolean;
  /** The committee's meeting now: a new round among the tied, or after 暂缓表决, goes on at it; 复议 holds a new one. */
  meetingNow: MeetingRecord | null;
  /** The tasks an openMeeting opened, for its transition. */
  seated: { opened: TaskView[] } | null;
  /** The principles' approval round. */
  round: number;
  /** The vote's round, across ties, deferrals and 复议. */
  decisionRound: number;
}

export function createSelectionRun(input: CadreSelectionInput): SelectionRun {
  const info = workflowInfo();
  const workflowId = info.workflowId;

  const state: SelectionState = {
    type: 'cadreSelection',
    workflowId,
    selectionId: input.selectionId,
    title: input.title,
    initiatorId: input.initiatorId,
    stage: 'principles',
    status: 'open',
    principles: input.principles,
    frozen: [],
    nomination: null,
    inspection: null,
    candidates: [],
    decisionTally: null,
    notice: null,
    probationEndsAt: null,
    currentTask: null,
    openTasks: [],
    actions: [],
    politicalGate: null,
    examinations: [],
  };
  const projector = createProjector({
    procedure: openingRow({ type: CADRE_SELECTION, title: input.title, unitIds: [input.principles.post.unitId], stage: 'principles', startedBy: input.initiatorId }),
  });
  const record = (r: ActionRecord): void => {
    state.actions.push(r);
  };
  record(projector.start(input.initiatorId, { selectionId: input.selectionId, post: input.principles.post }));

  const decisionStep: StepDef<FlowStep> = {
    key: 'decision',
    mode: 'vote',
    assignees: input.committee,
    approveActions: ['vote'],
    canReturn: false,
    candidates: [],
    // The regulation's rule: quorum 2/3 of members, pass with 同意 of more than half of 应到; the principal votes last.
    voteRule: { ...DEFAULT_VOTE_RULE, ...(input.principalId ? { principalId: input.principalId } : {}) },
  };
  const flow = createApprovalFlow<FlowStep>({
    workflowId,
    steps: [
      { key: 'principles', mode: 'all', assignees: input.principlesApprovers, approveActions: ['approve'], canReturn: false },
      decisionStep,
    ],
    resolve: resolverFor(input.assignees),
    projector,
    dueAt: () => null,
  });

  const setStage = (stage: SelectionStage): void => {
    if (stage === state.stage) return;
    state.stage = stage;
    projector.row.stage = stage;
    // The search attribute follows the stage only at the close (kernel/procedure.ts says why), whose
    // transition carries the row; any other stage is projected at once, since no action may follow soon.
    if (stage === 'closed') upsertSearchAttributes([{ key: SearchAttr.stage, value: stage }]);
    else projector.emit();
  };

  return {
    input,
    workflowId,
    rules: DEFAULT_SELECTION_RULES,
    state,
    projector,
    flow,
    base: { flow, projector, status: () => state.status, stage: () => state.stage },
    decisionStep,
    committeeMembers: [...new Set(resolverFor(input.assignees)(input.committee))],
    today: () => chinaDateOf(new Date()),
    record,
    candidate: (personId) => state.candidates.find((c) => c.personId === personId),
    active: () => state.candidates.filter((c) => c.shortlisted && !c.removed),
    frozen: () => state.frozen[state.frozen.length - 1],
    setStage,
    recusedNow: () => [...new Set((state.recusals ?? []).filter((r) => (decisionStep.candidates ?? []).includes(r.candidateId)).map((r) => r.memberId))],
    revising: null,
    deferring: false,
    meetingNow: null,
    seated: null,
    round: 1,
    decisionRound: 0,
  };
}

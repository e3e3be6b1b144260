/**
 * What one political-quality examination run holds while it lives: its state (the query's answer), its
 * approval flows (the plan's steps, one flow per evidence strand, the analysis, the feedback and the use of
 * the result, numbered by one task counter and combined for the kernel's handlers), its projector, and the
 * deadline watchers its phases start. The workflow (political-examination.workflow.ts) creates it once and
 * hands it to each phase; deterministic like the workflow. Also the opening a batch projects ahead of it.
 */
import { workflowInfo } from '@temporalio/workflow';
import { chinaDateOf } from '../../domain/dates';
import { createApprovalFlow, type ApprovalFlow, type StepDef } from '../kernel/approval';
import { resolverFor } from '../kernel/assignees';
import type { ActionRecord, AssigneeRule } from '../kernel/messages';
import { combineFlows, createTaskCounter } from '../kernel/parallel';
import type { OpeningOptions } from '../kernel/procedure';
import { createProjector, openingRow, type Projector } from '../kernel/projector';
import {
  EVIDENCE_STRANDS,
  EXAMINATION_GROUP,
  POLITICAL_EXAMINATION,
  STRAND_ACTIONS,
  type EvidenceStrand,
  type ExaminationPlan,
  type ExaminationRules,
  type ExaminationStage,
  type ExaminationState,
  type PoliticalExaminationInput,
  type StrandView,
} from './messages';

export type PlanStep = 'plan' | 'planApproval';
export type AnalysisStep = 'analysis' | 'headApproval';

/** How many working days a strand has: its own, or the plan's default. */
export const strandDays = (plan: ExaminationPlan, s: EvidenceStrand): number => plan.timetable.strandWorkingDays?.[s] ?? plan.timetable.evidenceWorkingDays;

/** The plan's steps: the drafter (a return comes back to them), then the department's approval. */
function planSteps(input: PoliticalExaminationInput): StepDef<PlanStep>[] {
  return [
    { key: 'plan', mode: 'any', assignees: { kind: 'user', userId: input.initiatorId }, approveActions: ['submitPlan'], canReturn: false },
    { key: 'planApproval', mode: 'any', assignees: { kind: 'role', role: 'approver', unitId: input.departmentUnitId }, approveActions: ['approve'], canReturn: true },
  ];
}

/**
 * What the examination's opening depends on (kernel/procedure.ts openingOf): its start, and the plan's approval,
 * the first step it runs (the plan comes with the start).
 */
export function examinationOpening(input: PoliticalExaminationInput): OpeningOptions<PlanStep> {
  return {
    type: POLITICAL_EXAMINATION,
    title: input.title,
    initiatorId: input.initiatorId,
    unitIds: [input.subject.unitId],
    steps: planSteps(input).filter((s) => s.key === 'planApproval'),
    assignees: input.assignees,
    startData: { examinationId: input.examinationId, subject: input.subject, plan: input.plan },
    dueAt: null,
  };
}

export interface ExaminationRun {
  readonly input: PoliticalExaminationInput;
  readonly workflowId: string;
  readonly rules: ExaminationRules;
  /** The organization department's unit. */
  readonly dept: string;
  readonly today: () => string;
  readonly state: ExaminationState;
  readonly strand: (s: string) => StrandView | undefined;
  readonly projector: Projector;
  readonly record: (r: ActionRecord) => void;
  readonly planFlow: ApprovalFlow<PlanStep>;
  readonly strandFlows: Record<EvidenceStrand, ApprovalFlow<EvidenceStrand>>;
  readonly analysisFlow: ApprovalFlow<AnalysisStep>;
  readonly feedbackFlow: ApprovalFlow<'feedback'>;
  readonly useFlow: ApprovalFlow<'useOfResult'>;
  /** Every flow as one, for the kernel's handlers and the query. */
  readonly flow: ReturnType<typeof combineFlows>;
  /** What the kernel's handlers (act, manage, opened) and answers read of the run. */
  readonly base: { flow: ReturnType<typeof combineFlows>; projector: Projector; status: () => string; stage: () => string };
  /** The stage in the state and the row; a stage with no task of its own is projected at once. */
  readonly setStage: (stage: ExaminationStage, project?: boolean) => void;
  /** The deadline watchers of the strands and the feedback; the close waits for them. */
  readonly watchers: Promise<void>[];
}

export function createExaminationRun(input: PoliticalExaminationInput): ExaminationRun {
  const info = workflowInfo();
  const workflowId = info.workflowId;
  const dept = input.departmentUnitId;

  const state: ExaminationState = {
    type: POLITICAL_EXAMINATION,
    workflowId,
    examinationId: input.examinationId,
    title: input.title,
    initiatorId: input.initiatorId,
    subject: input.subject,
    subjectUserId: input.subjectUserId,
    status: 'open',
    stage: 'planApproval',
    round: 1,
    plan: input.plan,
    frozen: [],
    strands: EVIDENCE_STRANDS.map((strand): StrandView => ({ strand, status: 'pending', deadlines: null, overdue: false, escalations: [], record: null, waiver: null })),
    findings: [],
    analysis: null,
    feedback: { deadlines: null, overdue: false, escalations: [], acknowledgedAt: null, statement: null },
    use: null,
    rectification: null,
    result: null,
    actions: [],
    currentTask: null,
    openTasks: [],
  };
  const strand = (s: string): StrandView | undefined => state.strands.find((x) => x.strand === s);

  const opening = examinationOpening(input);
  const opened = input.opened;
  const projector = createProjector({
    procedure: openingRow({ type: opening.type, title: opening.title, unitIds: opening.unitIds, stage: 'planApproval', startedBy: opening.initiatorId, ...(opened ? { startedAt: opened.startedAt } : {}) }),
    // Seqs 0 and 1 (the start and the plan's approval) are written: the run numbers on from them.
    ...(opened ? { fromSeq: 1 } : {}),
  });
  const record = (r: ActionRecord): void => {
    state.actions.push(r);
  };
  record(projector.start(opening.initiatorId, opening.startData, opened !== undefined));

  // --- The flows: the main steps, and one flow per evidence strand, numbered by one counter (after the
  // tasks its batch opened for it).
  const nextTaskSeq = createTaskCounter(Math.max(0, ...(opened?.step.slots ?? []).map((x) => x.task?.seq ?? 0)));
  const fromStart = resolverFor(input.assignees);
  // The group's members are the plan's (a redraft may change them), not a rule of master data.
  const resolve = (rule: AssigneeRule): string[] =>
    rule.kind === 'user' && rule.userId === (EXAMINATION_GROUP as { userId: string }).userId ? [...new Set(state.plan.group)] : fromStart(rule);
  const flowOf = <K extends string>(steps: StepDef<K>[], dueAt: () => string | null = () => null): ApprovalFlow<K> =>
    createApprovalFlow<K>({ workflowId, steps, resolve, projector, dueAt, nextTaskSeq });

  const planFlow = flowOf<PlanStep>(planSteps(input));
  // Before any handler is set: an Update in the run's first task must find the plan's approval open.
  if (opened) planFlow.restore(opened.step);
  const strandFlows = Object.fromEntries(
    EVIDENCE_STRANDS.map((s) => [
      s,
      flowOf<EvidenceStrand>([{ key: s, mode: 'any', assignees: EXAMINATION_GROUP, approveActions: [STRAND_ACTIONS[s]], canReturn: false }], () => strand(s)?.deadlines?.dueAt ?? null),
    ]),
  ) as Record<EvidenceStrand, ApprovalFlow<EvidenceStrand>>;
  const analysisFlow = flowOf<AnalysisStep>([
    { key: 'analysis', mode: 'any', assignees: EXAMINATION_GROUP, approveActions: ['analyse'], canReturn: false },
    { key: 'headApproval', mode: 'sequential', assignees: { kind: 'unitHead', unitId: dept }, approveActions: ['approve'], canReturn: true },
  ]);
  const feedbackFlow = flowOf<'feedback'>(
    [{ key: 'feedback', mode: 'any', assignees: { kind: 'user', userId: input.subjectUserId }, approveActions: ['acknowledge'], canReturn: false }],
    () => state.feedback.deadlines?.dueAt ?? null,
  );
  const useFlow = flowOf<'useOfResult'>([{ key: 'useOfResult', mode: 'any', assignees: { kind: 'role', role: 'staff', unitId: dept }, approveActions: ['recordUse'], canReturn: false }]);
  const allFlows = [planFlow, ...EVIDENCE_STRANDS.map((s) => strandFlows[s]), analysisFlow, feedbackFlow, useFlow] as unknown as ApprovalFlow<string>[];
  const flow = combineFlows(() => allFlows);

  const setStage = (stage: ExaminationStage, project = false): void => {
    state.stage = stage;
    projector.row.stage = stage;
    if (project) projector.emit();
  };

  return {
    input,
    workflowId,
    rules: input.rules,
    dept,
    today: () => chinaDateOf(new Date()),
    state,
    strand,
    projector,
    record,
    planFlow,
    strandFlows,
    analysisFlow,
    feedbackFlow,
    useFlow,
    flow,
    base: { flow, projector, status: () => state.status, stage: () => state.stage },
    setStage,
    watchers: [],
  };
}

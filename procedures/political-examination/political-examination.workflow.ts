/**
 * The political-quality examination (政治素质考察 / 政治体检, DOMAIN.md §2) of one cadre or one leading
 * group: the plan approved and frozen → five evidence strands in parallel, each a task for the
 * examination group with its own deadline → analysis → the department head's approval → feedback the
 * subject acknowledges → the use of the result (a linked rectification for problems found) → the
 * political-quality file (政治素质档案). Its input is self-contained (assignees resolved at the start),
 * and its end is reported to a parent, so a full-coverage batch can start it as a child (kernel fan-out).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  log,
  ParentClosePolicy,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { chinaDateOf } from '../../domain/dates';
import { answer, registerActHandler } from '../kernel/act';
import { acts } from '../kernel/activities';
import { createApprovalFlow, runThrough, type ApprovalFlow, type StepDef } from '../kernel/approval';
import { resolverFor } from '../kernel/assignees';
import { watchDeadline, type Deadlines } from '../kernel/deadline';
import { reportToParent } from '../kernel/fanout';
import { registerManageHandler } from '../kernel/manage';
import { KernelRefusal, SearchAttr, stateQuery, type ActInput, type ActionRecord, type AssigneeRule, type TaskView } from '../kernel/messages';
import { registerOpened } from '../kernel/opened';
import { combineFlows, createTaskCounter } from '../kernel/parallel';
import type { OpeningOptions } from '../kernel/procedure';
import { createProjector, openingRow } from '../kernel/projector';
import { assertCleanText, refuse } from '../kernel/refuse';
import { RECTIFICATION } from '../rectification/messages';
import { dueDateProblem } from '../rectification/rules';
import {
  EVIDENCE_STRANDS,
  EXAMINATION_GROUP,
  examinationUpdate,
  ExaminationRefusal,
  POLITICAL_EXAMINATION,
  STRAND_ACTIONS,
  STRAND_LABELS,
  type Analysis,
  type EvidenceStrand,
  type ExaminationAck,
  type ExaminationCommandInput,
  type ExaminationPlan,
  type ExaminationResult,
  type ExaminationStage,
  type ExaminationState,
  type LinkedRectification,
  type PoliticalExaminationInput,
  type StrandData,
  type StrandView,
  type UseOfResult,
} from './messages';
import {
  acknowledgementProblem,
  analysisProblem,
  EXAMINATION_ESCALATION_LADDER,
  evidenceIncompleteProblem,
  examinationOnTime,
  findingsOf,
  openStrands,
  planProblem,
  reverseFindingsByDimension,
  strandProblem,
  talkCounts,
  useOfResultProblem,
  waiverProblem,
  type RuleProblem,
} from './rules';

type PlanStep = 'plan' | 'planApproval';
type AnalysisStep = 'analysis' | 'headApproval';

/** How many working days a strand has: its own, or the plan's default. */
const strandDays = (plan: ExaminationPlan, s: EvidenceStrand): number => plan.timetable.strandWorkingDays?.[s] ?? plan.timetable.evidenceWorkingDays;

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

export async function politicalExamination(input: PoliticalExaminationInput): Promise<ExaminationResult> {
  return reportToParent(() => runExamination(input));
}

async function runExamination(input: PoliticalExaminationInput): Promise<ExaminationResult> {
  const info = workflowInfo();
  const workflowId = info.workflowId;
  const rules = input.rules;
  const dept = input.departmentUnitId;
  const today = (): string => chinaDateOf(new Date());

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

  /** The stage in the state and the row; a stage with no task of its own is projected at once. */
  const setStage = (stage: ExaminationStage, project = false): void => {
    state.stage = stage;
    projector.row.stage = stage;
    if (project) projector.emit();
  };

  setHandler(stateQuery, () => {
    const open = flow.openTasks();
    return { ...state, openTasks: open, currentTask: open[0] ?? null };
  });

  // An action answers once the next tasks are open, the procedure ended, or only the archive is left.
  const settled = (): boolean => flow.isRunning() || state.status !== 'open' || state.stage === 'archive';
  const base = { flow, projector, status: () => state.status, stage: () => state.stage };
  registerOpened({ ...base, settled });
  registerManageHandler({
    ...base,
    initiatorId: input.initiatorId,
    title: input.title,
    noun: 'examination',
    can: { withdraw: false, urge: true, copy: true, closeVote: false },
    actors: () => state.actions.map((a) => a.actorId),
    record,
    onWithdraw: () => undefined,
  });

  const fail = (p: RuleProblem | null): void => {
    if (p) throw refuse(p.code, p.message, p.details);
  };
  /** Only the subject acknowledges the feedback: checked before the kernel's assignee check, so it is named. */
  const guard = (a: ActInput): void => {
    if (flow.taskOf(a.taskId)?.step === 'feedback') fail(acknowledgementProblem(input.subjectUserId, a.actorId, a.action));
  };
  /** The rules of each step's own verb, checked after the kernel's (pending, assignee, allowed verb). */
  const validate = (a: ActInput): void => {
    const data = (a.data ?? {}) as Record<string, unknown>;
    switch (a.action) {
      case 'submitPlan':
        fail(planProblem((data.plan as ExaminationPlan | undefined) ?? state.plan, rules));
        return;
      case 'analyse':
        fail(evidenceIncompleteProblem(state.strands));
        fail(analysisProblem(data as unknown as Analysis, state.plan, state.findings, rules));
        return;
      case 'recordUse':
        fail(useOfResultProblem(data, state.analysis?.grade ?? '', state.findings, rules, (d) => dueDateProblem(today(), d)));
        return;
      default: {
        const s = EVIDENCE_STRANDS.find((x) => STRAND_ACTIONS[x] === a.action);
        if (s) fail(strandProblem({ ...data, strand: s } as StrandData, rules));
      }
    }
  };
  /** What each verb records, applied before the flow moves on so the next validator sees it. */
  const before = (a: ActInput, task: TaskView): void => {
    const at = new Date().toISOString();
    const data = (a.data ?? {}) as Record<string, unknown>;
    switch (a.action) {
      case 'submitPlan':
        if (data.plan) state.plan = data.plan as ExaminationPlan;
        return;
      case 'analyse':
        state.analysis = { ...(data as unknown as Analysis), by: a.actorId, at };
        return;
      case 'acknowledge':
        state.feedback.acknowledgedAt = at;
        state.feedback.statement = typeof data.statement === 'string' ? data.statement : null;
        return;
      case 'recordUse':
        state.use = { ...(data as UseOfResult), by: a.actorId, at };
        return;
      default: {
        const v = strand(task.step);
        if (!v || a.action !== STRAND_ACTIONS[v.strand]) return;
        const d = { ...data, strand: v.strand } as StrandData;
        v.status = 'done';
        v.record = { ...data, ...(d.strand === 'talks' ? { counts: talkCounts(d.interviewees) } : {}), by: a.actorId, at };
        state.findings.push(...findingsOf(d));
      }
    }
  };
  registerActHandler({
    ...base,
    guard,
    noun: 'examination',
    record,
    settled,
    validate,
    before,
    // The talk list's counts per kind are recorded with it.
    data: (a) => (a.action === 'recordTalks' ? { ...(a.data as object), counts: talkCounts(((a.data ?? {}) as { interviewees?: [] }).interviewees ?? []) } : (a.data ?? null)),
  });

  // --- The department's commands: waiving a strand, with a reason.
  setHandler(
    examinationUpdate,
    async (c: ExaminationCommandInput): Promise<ExaminationAck> => {
      const seq = projector.nextSeq();
      const at = new Date().toISOString();
      const v = strand(c.strand) as StrandView;
      v.status = 'waived';
      v.waiver = { reason: c.reason, by: c.actorId, at };
      record({ seq, taskId: null, step: c.strand, actorId: c.actorId, action: c.action, at, comment: c.reason });
      const closed = strandFlows[c.strand].cancelAll(c.actorId, at).closed.map((x) => ({ ...x, action: 'waived' }));
      projector.emit({ seq, action: { taskId: null, step: c.strand, actorId: c.actorId, action: c.action, comment: c.reason, data: { strand: c.strand, reason: c.reason } }, closed });
      await condition(settled);
      return { ...answer(base, null, c.action, seq), seq };
    },
    {
      validator: (c: ExaminationCommandInput) => {
        assertCleanText(c);
        if (state.status !== 'open' || state.stage !== 'evidence') throw refuse(ExaminationRefusal.wrongStage, `a strand is waived during the evidence stage; the examination is at ${state.stage}`);
        const department = c.actorUnitId === dept && (c.actorRoles.includes('staff') || c.actorRoles.includes('approver'));
        if (!department) throw refuse(KernelRefusal.notAllowed, 'only the organization department waives a strand');
        fail(waiverProblem(strand(c.strand), c.reason));
      },
    },
  );

  /** Deadline instants from the working-day calendar (an activity), or null while the calendar does not cover them. */
  async function deadlinesFor(days: number[]): Promise<Record<string, Deadlines> | null> {
    try {
      return await acts.examinationDeadlines({ fromDate: today(), workingDays: days, reminderWorkingDays: rules.reminderWorkingDays });
    } catch (err) {
      log.warn('examination deadlines not computable yet', { workflowId, error: String(err) });
      return null;
    }
  }

  /**
   * The deadline watcher of one task: reminder, overdue, the ladder. Without deadlines yet (a calendar
   * year not loaded), the task waits without a due date and the computation is retried daily.
   */
  async function watch(o: { label: string; days: number; deadlines: () => Deadlines | null; set: (d: Deadlines) => void; openTasks: () => TaskView[]; done: () => boolean; view: { overdue: boolean; escalations: StrandView['escalations'] } }): Promise<void> {
    let d = o.deadlines();
    while (!d) {
      if (await condition(o.done, '1 day')) return;
      d = (await deadlinesFor([o.days]))?.[String(o.days)] ?? null;
      if (d) o.set(d);
    }
    await watchDeadline({
      deadlines: d,
      ladder: EXAMINATION_ESCALATION_LADDER,
      title: `${input.title} · ${o.label}`,
      projector,
      openTasks: o.openTasks,
      done: o.done,
      record,
      ...(projector.row.parentWorkflowId ? { flagOverdue: [projector.row.parentWorkflowId] } : {}),
      onOverdue: () => {
        o.view.overdue = true;
      },
      onRung: (rung) => {
        o.view.escalations.push(rung);
      },
    });
  }

  // 1. The plan: the department approves it; a return goes back to the drafter for a new draft.
  let round = 1;
  let resume = opened?.step;
  for (;;) {
    setStage('planApproval');
    const o = await planFlow.runStep('planApproval', round, resume);
    resume = undefined;
    if (o.kind === 'approved') {
      const { hash } = await acts.freezeExaminationPlan({ plan: state.plan });
      const version = state.frozen.length + 1;
      projector.emit({ audit: [{ key: `plan:${workflowId}:v${version}`, kind: 'plan:frozen', actorId: o.by, payload: { version, hash, plan: state.plan } }] });
      state.frozen.push({ version, hash, frozenAt: new Date().toISOString(), plan: state.plan });
      break;
    }
    round += 1;
    state.round = round;
    setStage('plan');
    await planFlow.runStep('plan', round);
  }

  // 2. Evidence: five strands in parallel, each with its own task and deadline; the department may waive one.
  setStage('evidence');
  const days = [...new Set(EVIDENCE_STRANDS.map((s) => strandDays(state.plan, s)))];
  const evidenceDeadlines = await deadlinesFor(days);
  const runs = EVIDENCE_STRANDS.map((s) => {
    const v = strand(s) as StrandView;
    v.deadlines = evidenceDeadlines?.[String(strandDays(state.plan, s))] ?? null;
    v.status = 'open';
    return strandFlows[s].runStep(s, 1);
  });
  // Each strand's opening named itself as the row's stage; the row shows the stage.
  setStage('evidence', true);
  const watchers = EVIDENCE_STRANDS.map((s) => {
    const v = strand(s) as StrandView;
    return watch({
      label: STRAND_LABELS[s],
      days: strandDays(state.plan, s),
      deadlines: () => v.deadlines,
      set: (d) => {
        v.deadlines = d;
      },
      openTasks: () => strandFlows[s].openTasks(),
      done: () => v.status !== 'open' || state.status !== 'open',
      view: v,
    });
  });
  await Promise.all(runs);
  await condition(() => openStrands(state.strands).length === 0);

  // 3–4. Analysis by the group, then the department head approves or returns it with a reason.
  round = await runThrough<AnalysisStep>(analysisFlow, ['analysis', 'headApproval'], round, (step, r) => {
    state.round = r;
    setStage(step);
  });

  // 5. Feedback to the subject, who acknowledges it before its deadline (and the overdue ladder).
  setStage('feedback');
  const ackDays = state.plan.timetable.acknowledgeWorkingDays;
  state.feedback.deadlines = (await deadlinesFor([ackDays]))?.[String(ackDays)] ?? null;
  const feedback = feedbackFlow.runStep('feedback', 1);
  watchers.push(
    watch({
      label: '反馈确认',
      days: ackDays,
      deadlines: () => state.feedback.deadlines,
      set: (d) => {
        state.feedback.deadlines = d;
      },
      openTasks: () => feedbackFlow.openTasks(),
      done: () => state.feedback.acknowledgedAt !== null || state.status !== 'open',
      view: state.feedback,
    }),
  );
  await feedback;

  // 6. The use of the result, recorded by the department's staff.
  setStage('useOfResult');
  await useFlow.runStep('useOfResult', 1);
  setStage('archive', true);
  const use = state.use as UseOfResult & { by: string };
  if (use.rectification) state.rectification = await startRectification(use.rectification);

  // 7. The political-quality file (政治素质档案), then the close.
  const analysis = state.analysis as Analysis;
  const planHash = state.frozen[state.frozen.length - 1]?.hash ?? '';
  const examinedOn = today();
  await acts.archivePoliticalFile({
    id: workflowId,
    examinationId: input.examinationId,
    subject: input.subject,
    title: input.title,
    examinedOn,
    grade: analysis.grade,
    planHash,
    evaluations: analysis.evaluations,
    findings: state.findings,
    useOfResult: { ...use },
    rectificationWorkflowId: state.rectification?.workflowId ?? null,
    acknowledgedAt: state.feedback.acknowledgedAt,
    statement: state.feedback.statement,
  });
  const result: ExaminationResult = {
    examinationId: input.examinationId,
    subject: input.subject,
    grade: analysis.grade,
    planHash,
    findings: state.findings.length,
    use: { ...use },
    rectification: state.rectification,
    fileEntryId: workflowId,
    closedAt: new Date().toISOString(),
    // For a batch's summary (全覆盖); additive, so results recorded earlier still read.
    reverseFindings: reverseFindingsByDimension(state.findings),
    onTime: examinationOnTime(state.strands, state.feedback),
  };
  state.result = result;
  state.status = 'closed';
  setStage('closed');
  upsertSearchAttributes([{ key: SearchAttr.stage, value: 'closed' }]);
  projector.close('closed', 'closed', result);
  await Promise.all(watchers);
  await projector.finish();
  return result;

  /**
   * Problems found → a rectification (巡视整改) of the subject's unit, started through the rectification
   * module's own start plan (an activity) as a child of this examination: its row names this examination
   * as its parent, its id carries this examination's id, and this examination's state and file name it.
   */
  async function startRectification(r: NonNullable<UseOfResult['rectification']>): Promise<LinkedRectification> {
    const problems = state.findings.filter((f) => f.severity === 'problem');
    for (;;) {
      try {
        const plan = await acts.planLinkedRectification({
          examinationWorkflowId: workflowId,
          examinationId: input.examinationId,
          title: input.title,
          initiatorId: input.initiatorId,
          departmentUnitId: dept,
          inspectionOfficeUnitId: input.inspectionOfficeUnitId,
          unitId: input.subject.unitId,
          feedbackDate: today(),
          dueDate: r.dueDate,
          difficulty: r.difficulty ?? 'normal',
          problems: problems.map((f) => ({ findingId: f.id, dimension: f.dimension, text: f.text, evidenceRefs: f.evidenceRefs ?? [] })),
        });
        await startChild(RECTIFICATION, {
          workflowId: plan.workflowId,
          args: [plan.input],
          // The rectification outlives the examination's close.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: [
            { key: SearchAttr.procedureType, value: RECTIFICATION },
            { key: SearchAttr.units, value: [input.subject.unitId] },
            { key: SearchAttr.stage, value: 'rectifying' },
          ],
        });
        return { workflowId: plan.workflowId, failure: null };
      } catch (err) {
        const cause = err instanceof ActivityFailure ? err.cause : err;
        const code = cause instanceof ApplicationFailure ? (cause.type ?? 'failed') : err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError' ? 'procedure_exists' : 'failed';
        // A due date in a year the calendar does not cover yet: wait for the year to be loaded.
        if (code === 'calendar_not_covered') {
          log.warn('linked rectification waits for the calendar', { workflowId });
          await sleep('1 day');
          continue;
        }
        log.error('linked rectification not started', { workflowId, code });
        return { workflowId: null, failure: code };
      }
    }
  }
}

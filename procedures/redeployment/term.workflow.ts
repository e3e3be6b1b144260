/**
 * One dispatched cadre's term (任期) in 揭榜出征, a child of the list (`redeployment`), started through
 * the kernel fan-out and reporting its result to it:
 * - for each report period (monthly by default), once the period has ended, a report task for the cadre
 *   with a working-day deadline (an activity) watched by the kernel's deadline watcher (提醒 → 催报 →
 *   督办通知), then the host unit's confirmation (it may return the report with a reason);
 * - at the term's end (a durable timer to the end of its last day, China time), the host unit's head
 *   and then the department's approver assess: 优秀/合格/基本合格/不合格 with the achievements; the
 *   department's grade is final. 优秀 writes a 送奖到岗 recognition on the person's file, 不合格 an
 *   accountability follow-up (idempotent activity);
 * - the department may end the term early at any time, with a reason: every open report task closes,
 *   no later period opens, and the assessment opens at once.
 * Periods run side by side (a late report does not hold back the next period's), each its own approval
 * flow; report tasks still open when the department's assessment is made are closed with the term.
 */
import { condition, log, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { answer, registerActHandler } from '../kernel/act';
import { acts } from '../kernel/activities';
import { createApprovalFlow, runThrough, type ApprovalFlow, type StepDef } from '../kernel/approval';
import { resolverFor } from '../kernel/assignees';
import { watchDeadline, type Deadlines } from '../kernel/deadline';
import { reportToParent } from '../kernel/fanout';
import { registerManageHandler } from '../kernel/manage';
import { SearchAttr, stateQuery, type ActInput, type ActionRecord } from '../kernel/messages';
import { registerOpened } from '../kernel/opened';
import { combineFlows, createTaskCounter } from '../kernel/parallel';
import { createProjector, openingRow } from '../kernel/projector';
import { assertCleanText, refuse } from '../kernel/refuse';
import { waitUntil } from '../kernel/time';
import {
  REDEPLOYMENT_TERM,
  TermAction,
  termUpdate,
  type AssessmentData,
  type RedeploymentTermInput,
  type RedeploymentTermResult,
  type ReportData,
  type ReportView,
  type TermAck,
  type TermCommandInput,
  type TermGrade,
  type TermStage,
  type TermStatus,
} from './term-messages';
import { assessmentProblem, outcomeOf, REPORT_ESCALATION_LADDER, reportActorProblem, reportOnTime, reportProblem, terminationProblem, type RuleProblem } from './term-rules';

type ReportStep = 'report' | 'confirm';
type AssessStep = 'hostAssessment' | 'departmentAssessment';

export async function redeploymentTerm(input: RedeploymentTermInput): Promise<RedeploymentTermResult> {
  return reportToParent(() => runTerm(input));
}

async function runTerm(input: RedeploymentTermInput): Promise<RedeploymentTermResult> {
  const workflowId = workflowInfo().workflowId;
  const title = `${input.taskTitle} · ${input.personId} 任期`;
  const state = {
    type: REDEPLOYMENT_TERM,
    workflowId,
    listWorkflowId: input.listWorkflowId,
    listId: input.listId,
    taskId: input.taskId,
    taskTitle: input.taskTitle,
    personId: input.personId,
    cadreUserId: input.cadreUserId,
    hostUnitId: input.hostUnitId,
    departmentUnitId: input.departmentUnitId,
    term: input.term,
    reportEveryMonths: input.reportEveryMonths,
    reportWorkingDays: input.reportWorkingDays,
    status: 'open' as TermStatus,
    stage: 'reports' as TermStage,
    round: 1,
    termEndsAt: null as string | null,
    termEnded: false,
    endedEarly: false,
    termination: null as { reason: string; note: string | null; by: string; at: string } | null,
    reports: [] as ReportView[],
    assessments: { host: null as (AssessmentData & { by: string; at: string }) | null, department: null as (AssessmentData & { by: string; at: string }) | null },
    grade: null as TermGrade | null,
    outcome: null as { kind: 'recognition' | 'accountability'; recordId: string } | null,
    overdue: false,
    actions: [] as ActionRecord[],
  };

  const projector = createProjector({
    procedure: openingRow({ type: REDEPLOYMENT_TERM, title, unitIds: [...new Set([input.hostUnitId, input.departmentUnitId])], stage: 'reports', startedBy: input.initiatorId }),
  });
  const record = (r: ActionRecord): void => {
    state.actions.push(r);
  };
  record(projector.start(input.initiatorId, { listId: input.listId, taskId: input.taskId, personId: input.personId, term: input.term, reportEveryMonths: input.reportEveryMonths, reportWorkingDays: input.reportWorkingDays }));


  // --- The flows: one per report period (added as each period ends) and the assessment, one task counter.
  const nextTaskSeq = createTaskCounter();
  const resolve = resolverFor(input.assignees);
  const flows: ApprovalFlow<string>[] = [];
  const flowOf = <K extends string>(steps: StepDef<K>[], dueAt: () => string | null = () => null): ApprovalFlow<K> => {
    const f = createApprovalFlow<K>({ workflowId, steps, resolve, projector, dueAt, nextTaskSeq });
    flows.push(f as unknown as ApprovalFlow<string>);
    return f;
  };
  const reportSteps: StepDef<ReportStep>[] = [
    { key: 'report', mode: 'any', assignees: { kind: 'user', userId: input.cadreUserId }, approveActions: [TermAction.report], canReturn: false },
    // Any of the host unit's staff confirms (或签); a confirmation may return the report with a reason.
    { key: 'confirm', mode: 'any', assignees: { kind: 'role', role: 'staff', unitId: input.hostUnitId }, approveActions: [TermAction.confirm], canReturn: true },
  ];
  const assessFlow = flowOf<AssessStep>([
    { key: 'hostAssessment', mode: 'any', assignees: { kind: 'unitHead', unitId: input.hostUnitId }, approveActions: [TermAction.assess], canReturn: false },
    { key: 'departmentAssessment', mode: 'any', assignees: { kind: 'role', role: 'approver', unitId: input.departmentUnitId }, approveActions: [TermAction.assess], canReturn: true },
  ]);
  const reportFlows = new Map<string, { no: number; flow: ApprovalFlow<ReportStep> }>();
  const combined = combineFlows(() => flows);
  const reportOf = (taskId: string): ReportView | undefined => {
    for (const { no, flow } of reportFlows.values()) if (flow.taskOf(taskId)) return state.reports.find((r) => r.no === no);
    return undefined;
  };

  const fail = (p: RuleProblem | null): void => {
    if (p) throw refuse(p.code, p.message, p.details);
  };
  const flow = combined;
  // The term's rules come before the kernel's: an assessment before the term ends is refused as such
  // (422) on whichever task it is tried, rather than as a verb the step does not allow; a report by anyone
  // but the cadre is refused as not_cadre.
  const guard = (a: ActInput): void => {
    if (a.action === TermAction.assess && !state.termEnded && !state.endedEarly) fail(assessmentProblem(state, a.data as Partial<AssessmentData>, false));
    if (reportOf(a.taskId)) fail(reportActorProblem(input.cadreUserId, a.actorId, a.action));
  };

  const setStage = (stage: TermStage, project = false): void => {
    state.stage = stage;
    projector.row.stage = stage;
    if (project) projector.emit();
  };

  setHandler(stateQuery, () => {
    const open = flow.openTasks();
    return { ...state, openTasks: open, currentTask: open[0] ?? null };
  });
  // An action answers once every flow's loop has taken its step's outcome (the next step's tasks are
  // open, or that flow is done: a confirmed report opens nothing), the term has ended, or only the
  // outcome's record is left (the final grade is set): the department's assessment does not wait for it.
  const settled = (): boolean => state.status !== 'open' || state.grade !== null || flows.every((f) => f.isRunning() || f.isIdle());
  const base = { flow, projector, status: () => state.status, stage: () => state.stage };
  registerOpened({ ...base, settled });
  registerManageHandler({
    ...base,
    initiatorId: input.initiatorId,
    title,
    noun: 'term',
    can: { withdraw: false, urge: true, copy: true, closeVote: false },
    actors: () => state.actions.map((a) => a.actorId),
    record,
    onWithdraw: () => undefined,
  });

  registerActHandler({
    ...base,
    guard,
    noun: 'term',
    record,
    settled,
    validate: (a) => {
      const data = a.data as Record<string, unknown> | undefined;
      if (a.action === TermAction.report) fail(reportProblem(data));
      if (a.action === TermAction.assess) {
        const step = flow.taskOf(a.taskId)?.step;
        fail(assessmentProblem(state, data, step === 'departmentAssessment'));
      }
    },
    before: (a, task) => {
      const at = new Date().toISOString();
      if (a.action === TermAction.report) {
        const v = reportOf(a.taskId) as ReportView;
        v.report = a.data as ReportData;
        // On time is judged by the first filing: a report the host unit returns was still filed in time.
        if (v.reportedAt === null) {
          v.reportedAt = at;
          v.onTime = v.deadlines ? reportOnTime(at, v.deadlines.dueAt) : true;
        }
        v.status = 'reported';
      } else if (a.action === TermAction.confirm) {
        const v = reportOf(a.taskId) as ReportView;
        v.status = 'confirmed';
        v.confirmedAt = at;
      } else if (a.action === TermAction.assess) {
        const d = { ...(a.data as AssessmentData), by: a.actorId, at };
        if (task.step === 'hostAssessment') state.assessments.host = d;
        else state.assessments.department = d;
      } else if (a.action === 'return' && reportOf(a.taskId)) {
        (reportOf(a.taskId) as ReportView).status = 'open';
      }
    },
    data: (a) => a.data ?? null,
  });

  // --- The department's command: early termination, with a reason.
  setHandler(
    termUpdate,
    async (c: TermCommandInput): Promise<TermAck> => {
      const seq = projector.nextSeq();
      const at = new Date().toISOString();
      state.endedEarly = true;
      state.termination = { reason: c.reason, note: c.note ?? null, by: c.actorId, at };
      record({ seq, taskId: null, step: null, actorId: c.actorId, action: 'terminate', at, comment: c.reason });
      // Every open report closes; the periods still to end never open (their strands see endedEarly).
      const closed = [...reportFlows.values()].flatMap(({ flow: f }) => f.cancelAll(c.actorId, at).closed.map((x) => ({ ...x, action: 'terminated' })));
      for (const r of state.reports) if (r.status === 'open' || r.status === 'reported') r.status = 'cancelled';
      projector.emit({ seq, action: { taskId: null, step: null, actorId: c.actorId, action: 'terminate', comment: c.reason, data: { reason: c.reason, note: c.note ?? null } }, closed });
      // The answer carries the assessment's first task, which the main loop opens in this workflow task.
      await condition(() => assessFlow.isRunning() || state.status !== 'open');
      return { ...answer(base, null, c.action, seq), seq };
    },
    {
      validator: (c: TermCommandInput) => {
        assertCleanText(c);
        const open = state.status === 'open' && state.stage === 'reports' && !state.endedEarly;
        fail(terminationProblem({ unitId: c.actorUnitId, roles: c.actorRoles }, input.departmentUnitId, c.reason, open));
      },
    },
  );

  /** A report's deadline from the calendar (an activity); retried daily while its year is not loaded, unless the term stops. */
  async function deadlineOf(periodEnd: string, stop: () => boolean): Promise<Deadlines | null> {
    for (;;) {
      try {
        return await acts.redeploymentReportDeadline({ from: periodEnd, workingDays: input.reportWorkingDays });
      } catch (err) {
        log.warn('report deadline not computable yet', { workflowId, periodEnd, error: String(err) });
        if (await condition(stop, '1 day')) return null;
      }
    }
  }

  const stopped = (): boolean => state.endedEarly || state.status !== 'open';

  /** One period: wait for its end, open the cadre's report task with its deadline watched, then the host's confirmation. */
  async function runPeriod(v: ReportView, endsAt: string): Promise<void> {
    if (await waitUntil(stopped, endsAt)) return;
    const deadlines = await deadlineOf(v.end, stopped);
    if (!deadlines || stopped()) return;
    v.deadlines = deadlines;
    v.status = 'open';
    const f = flowOf<ReportStep>(reportSteps, () => v.deadlines?.dueAt ?? null);
    reportFlows.set(String(v.no), { no: v.no, flow: f });
    const watcher = watchDeadline({
      deadlines,
      ladder: REPORT_ESCALATION_LADDER,
      title: `${title} · 第${v.no}期报告`,
      projector,
      openTasks: () => f.openTasks().filter((t) => t.step === 'report'),
      done: () => v.reportedAt !== null || v.status === 'cancelled' || state.status !== 'open',
      record,
      ...(projector.row.parentWorkflowId ? { flagOverdue: [projector.row.parentWorkflowId] } : {}),
      onOverdue: () => {
        v.overdue = true;
        state.overdue = true;
      },
      onRung: (rung) => {
        v.escalations.push(rung);
      },
    });
    let step: ReportStep = 'report';
    let round = 1;
    for (;;) {
      const o = await f.runStep(step, round);
      if (o.kind === 'withdrawn') break;
      if (o.kind === 'returned') {
        round += 1;
        step = o.to;
        continue;
      }
      if (step === 'confirm') break;
      step = 'confirm';
    }
    await watcher;
  }

  // 1. The timetable (an activity: the instants are recorded), then every period side by side.
  const schedule = await acts.redeploymentTermSchedule({ term: input.term, reportEveryMonths: input.reportEveryMonths });
  state.termEndsAt = schedule.termEndsAt;
  projector.row.dueAt = schedule.termEndsAt;
  state.reports = schedule.periods.map((p): ReportView => ({
    no: p.no,
    start: p.start,
    end: p.end,
    status: 'waiting',
    deadlines: null,
    reportedAt: null,
    onTime: null,
    confirmedAt: null,
    overdue: false,
    escalations: [],
    report: null,
  }));
  projector.emit();
  const periods = schedule.periods.map((p, i) => runPeriod(state.reports[i] as ReportView, p.endsAt));

  // 2. The term's end, or an early termination by the department, whichever comes first.
  if (!(await waitUntil(() => state.endedEarly, schedule.termEndsAt))) state.termEnded = true;

  // 3. The assessment: the host unit's head, then the department's approver, who may return it with a reason.
  await runThrough<AssessStep>(assessFlow, ['hostAssessment', 'departmentAssessment'], 1, (step, r) => {
    if (r > 1) state.round = r;
    setStage(step);
  });
  const final = state.assessments.department as AssessmentData & { by: string; at: string };
  state.grade = final.grade;

  // Reports still open when the term is assessed close with it.
  const at = new Date().toISOString();
  const leftOpen = [...reportFlows.values()].flatMap(({ flow: f }) => f.cancelAll('system', at).closed.map((x) => ({ ...x, action: 'closedWithTerm' })));
  for (const r of state.reports) if (r.status === 'open' || r.status === 'reported' || r.status === 'waiting') r.status = 'cancelled';
  if (leftOpen.length) projector.emit({ closed: leftOpen });

  // 4. The outcome on the person's file: 优秀 → 送奖到岗, 不合格 → accountability.
  const kind = outcomeOf(final.grade);
  if (kind) {
    const { id } = await acts.recordRedeploymentOutcome({
      kind,
      termWorkflowId: workflowId,
      listId: input.listId,
      taskId: input.taskId,
      taskTitle: input.taskTitle,
      personId: input.personId,
      hostUnitId: input.hostUnitId,
      grade: final.grade,
      achievements: final.achievements,
      followUp: final.followUp ?? null,
      recordedBy: final.by,
    });
    state.outcome = { kind, recordId: id };
  }

  const opened = state.reports.filter((r) => r.reportedAt !== null || r.deadlines !== null);
  const result: RedeploymentTermResult = {
    workflowId,
    personId: input.personId,
    taskId: input.taskId,
    hostUnitId: input.hostUnitId,
    grade: final.grade,
    endedEarly: state.endedEarly,
    ...(state.termination ? { reason: state.termination.reason } : {}),
    reportsOnTime: opened.filter((r) => r.onTime === true).length,
    reportsDue: opened.length,
    recognised: kind === 'recognition',
    accountability: kind === 'accountability',
    closedAt: new Date().toISOString(),
  };
  state.status = 'assessed';
  setStage('assessed');
  upsertSearchAttributes([{ key: SearchAttr.stage, value: 'assessed' }]);
  projector.close('assessed', 'assessed', result);
  await Promise.all(periods);
  await projector.finish();
  return result;
}


/**
 * A rectification feedback (巡视整改): the inspection group's problems, each assigned to one or
 * more units (同题共答). Every unit's item runs as its own child workflow (kernel fan-out), so one
 * feedback never grows one giant history, and one item's failure ends no other. The feedback closes
 * when every item has ended, with its summary.
 */
import { patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Deadlines } from '../kernel/deadline';
import { createFanOut, type ChildSpec } from '../kernel/fanout';
import { ruleKey, SearchAttr, stateQuery, type ResolvedAssignees } from '../kernel/messages';
import { registerParentOpened } from '../kernel/opened';
import { openingOf } from '../kernel/procedure';
import { createProjector, openingRow } from '../kernel/projector';
import { itemOpening } from './item.workflow';
import {
  RECTIFICATION,
  RECTIFICATION_ITEM,
  rectificationItemWorkflowId,
  type FeedbackItemView,
  type ItemResult,
  type Problem,
  type RectificationInput,
  type RectificationItemInput,
  type RectificationReportInput,
  type RectificationSummary,
  type ReportResult,
  rectificationReportWorkflowId,
} from './messages';
import { emptyTally, summaryOf, tallyFailedReport, tallyItem, tallyReport } from './rules';

/** How many items the state query lists. */
const STATE_ITEMS = 200;

/** The assignees an item's steps name: its unit's staff and head, the lead department's head, the office. */
function itemAssignees(all: ResolvedAssignees, input: RectificationInput, unitId: string, leadUnitId: string): ResolvedAssignees {
  const keys = [
    ruleKey({ kind: 'role', role: 'staff', unitId }),
    ruleKey({ kind: 'role', role: 'reviewer', unitId: input.inspectionOfficeUnitId }),
    ruleKey({ kind: 'unitHead', unitId }),
    ruleKey({ kind: 'unitHead', unitId: leadUnitId }),
    ruleKey({ kind: 'role', role: 'approver', unitId: input.inspectionOfficeUnitId }),
  ];
  return Object.fromEntries(keys.filter((key) => all[key]).map((key) => [key, all[key] as string[]]));
}

/**
 * The part of a problem's 三张清单 one unit answers for: its responsibilities and the tasks they name. Only
 * that, since a batch of 100 child starts goes in one workflow task and must stay small.
 */
function unitLists(p: Problem, unitId: string): Pick<Problem, 'tasks' | 'responsibilities'> {
  if (!p.tasks?.length) return {};
  const responsibilities = (p.responsibilities ?? []).filter((r) => r.unitId === unitId);
  const named = new Set(responsibilities.map((r) => r.taskNo));
  return { tasks: p.tasks.filter((t) => named.has(t.no)), responsibilities };
}

export async function rectification(input: RectificationInput): Promise<RectificationSummary> {
  const info = workflowInfo();
  const items = input.problems.flatMap((p) =>
    p.assignments.map((a) => ({ p, a, workflowId: rectificationItemWorkflowId(input.feedbackId, p.no, a.unitId) })),
  );
  // 整改报告 (issue 11): one per unit, started after the items by the same fan-out. Only a feedback whose input
  // plans them has them (the API plans them unless told not to), so a run continued from one without keeps its child count.
  const report = input.report && patched('rectification-report') ? input.report : undefined;
  const reportUnits = report ? [...new Set(items.map((i) => i.a.unitId))].sort() : [];
  const reportChild = (r: number): ChildSpec => {
    const unitId = reportUnits[r] as string;
    const plan = report as NonNullable<typeof report>;
    const args: RectificationReportInput = {
      kind: 'report',
      feedbackId: input.feedbackId,
      feedbackTitle: input.title,
      initiatorId: input.initiatorId,
      unitId,
      dueDate: plan.dueDate,
      // Without deadlines (the calendar does not cover the year yet) the report computes them itself.
      ...(plan.deadlines ? { deadlines: plan.deadlines } : {}),
      ...(plan.calendarRetryMs !== undefined ? { calendarRetryMs: plan.calendarRetryMs } : {}),
      assignee: plan.assignees[unitId] as RectificationReportInput['assignee'],
    };
    return {
      workflowId: rectificationReportWorkflowId(input.feedbackId, unitId),
      args: [args],
      searchAttributes: [
        { key: SearchAttr.procedureType, value: RECTIFICATION_ITEM },
        { key: SearchAttr.units, value: [unitId] },
        { key: SearchAttr.stage, value: 'report' },
      ],
    };
  };
  const itemArgs = (i: number): RectificationItemInput => {
    const { p, a } = items[i] as (typeof items)[number];
    return {
      feedbackId: input.feedbackId,
      feedbackTitle: input.title,
      inspectionOfficeUnitId: input.inspectionOfficeUnitId,
      initiatorId: input.initiatorId,
      problem: { no: p.no, title: p.title, ...(p.description ? { description: p.description } : {}), difficulty: p.difficulty, leadUnitId: p.leadUnitId, ...unitLists(p, a.unitId) },
      unitId: a.unitId,
      dueDate: a.dueDate,
      deadlines: input.deadlines[a.dueDate] as Deadlines,
      assignees: itemAssignees(input.assignees, input, a.unitId, p.leadUnitId),
    };
  };
  /** An item's opening as of `at` (kernel/procedure.ts openingOf): projected by the fan-out, then given to the item. */
  const itemOpened = (i: number, at: string) =>
    openingOf(itemOpening(itemArgs(i)), { workflowId: (items[i] as (typeof items)[number]).workflowId, parentWorkflowId: info.workflowId, at });
  const child = (i: number, openedAt?: string): ChildSpec => {
    if (i >= items.length) return reportChild(i - items.length);
    const { a, workflowId } = items[i] as (typeof items)[number];
    const args = itemArgs(i);
    return {
      workflowId,
      args: [openedAt ? { ...args, opened: itemOpened(i, openedAt).opened } : args],
      searchAttributes: [
        { key: SearchAttr.procedureType, value: RECTIFICATION_ITEM },
        { key: SearchAttr.units, value: [a.unitId] },
        { key: SearchAttr.stage, value: 'submit' },
      ],
    };
  };

  const assigneesFrom = (from: number): ResolvedAssignees =>
    Object.assign({}, ...items.slice(from).map(({ p, a }) => itemAssignees(input.assignees, input, a.unitId, p.leadUnitId))) as ResolvedAssignees;

  const projector = createProjector({
    procedure: openingRow({ type: RECTIFICATION, title: input.title, unitIds: [...new Set(items.map((i) => i.a.unitId))].sort(), stage: 'rectifying', startedBy: input.initiatorId }),
  });
  let summary: RectificationSummary | null = null;
  const fan = createFanOut({
    workflowType: RECTIFICATION_ITEM,
    // Each item's result is folded into the counts as it reports; only the listed items keep theirs.
    tally: {
      initial: emptyTally,
      fold: (t, i, o) =>
        i >= items.length ? (o.ok ? tallyReport(t, o.result as ReportResult) : tallyFailedReport(t)) : o.ok ? tallyItem(t, o.result as ItemResult) : t,
    },
    keep: (i) => i < STATE_ITEMS || (i >= items.length && i < items.length + STATE_ITEMS),
    childId: (i) => (i >= items.length ? rectificationReportWorkflowId(input.feedbackId, reportUnits[i - items.length] as string) : (items[i] as (typeof items)[number]).workflowId),
    children: child,
    // Every item's first task goes to its inbox in bulk, before the items start (a unit's report has none yet).
    open: (i, at) => (i < items.length ? itemOpened(i, at).transitions : []),
    quiet: () => projector.idle(),
    total: items.length + reportUnits.length,
    ...(input.progress ? { progress: input.progress } : {}),
    // The next run starts only the items not started yet: it carries their assignees, not every unit's.
    continueWith: (progress) => [{ ...input, progress, assignees: assigneesFrom(progress.started) }],
  });
  setHandler(stateQuery, () => ({
    type: RECTIFICATION,
    workflowId: info.workflowId,
    feedbackId: input.feedbackId,
    title: input.title,
    status: summary ? 'closed' : 'open',
    progress: { total: fan.progress.total, started: fan.progress.started, done: fan.progress.done, failed: fan.progress.failed },
    // The first items only: a full-coverage feedback has thousands, and a query answer has a size limit.
    // GET /procedures?parent=<feedback> pages through all of them from PostgreSQL.
    items: items.slice(0, STATE_ITEMS).map((it, i): FeedbackItemView => {
      const o = fan.progress.outcomes[i];
      return {
        workflowId: it.workflowId,
        problemNo: it.p.no,
        unitId: it.a.unitId,
        dueDate: it.a.dueDate,
        result: o?.ok ? (o.result as ItemResult) : null,
        failure: o && !o.ok ? (o.failure ?? 'failed') : fan.progress.reported?.[i] === 'x' ? 'failed' : null,
      };
    }),
    // The units' reports: the first ones, as the items.
    ...(report
      ? {
          reports: reportUnits.slice(0, STATE_ITEMS).map((unitId, r) => {
            const i = items.length + r;
            const o = fan.progress.outcomes[i];
            return {
              workflowId: rectificationReportWorkflowId(input.feedbackId, unitId),
              unitId,
              dueDate: report.dueDate,
              assignee: report.assignees[unitId] ?? null,
              result: o?.ok ? (o.result as ReportResult) : null,
              failure: o && !o.ok ? (o.failure ?? 'failed') : fan.progress.reported?.[i] === 'x' ? 'failed' : null,
            };
          }),
        }
      : {}),
    // 三张清单: each problem with its tasks and responsibilities (the problem list is the problems themselves).
    problems: input.problems.map((p) => ({
      no: p.no,
      title: p.title,
      difficulty: p.difficulty,
      leadUnitId: p.leadUnitId,
      units: p.assignments.length,
      tasks: p.tasks ?? [],
      responsibilities: p.responsibilities ?? [],
    })),
    summary,
  }));

  // The start's answer: the feedback itself has no tasks; its items open theirs as they start.
  registerParentOpened({ projector, status: () => (summary ? 'closed' : 'open'), stage: () => (summary ? 'closed' : 'rectifying') });


  if (!input.progress) projector.start(input.initiatorId, { feedbackId: input.feedbackId, inspectionGroup: input.inspectionGroup, feedbackDate: input.feedbackDate, items: items.length });

  const progress = await fan.run();
  const lists = Object.fromEntries(input.problems.filter((p) => p.tasks?.length).map((p) => [p.no, { tasks: p.tasks ?? [], responsibilities: p.responsibilities ?? [] }]));
  const tally = progress.tally ?? emptyTally();
  // The fan-out counts every child's failure; the summary's `failed` is the items', the reports' are in `reports`.
  summary = summaryOf(input.feedbackId, tally, new Date().toISOString(), progress.failed - (tally.reports?.[5] ?? 0), lists);
  // After continue-as-new the projector counts from 1 again, so the close takes a seq no run reaches.
  upsertSearchAttributes([{ key: SearchAttr.stage, value: 'closed' }]);
  projector.close('closed', 'closed', summary, 1_000_000);
  await projector.finish();
  return summary;
}

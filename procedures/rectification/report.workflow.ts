/**
 * A unit's rectification report (整改报告, issue 11): one task for the unit's Party secretary (or its head
 * when master data names no secretary), due 2 months after the feedback, with the same deadline watcher and
 * overdue ladder as an item. It runs as its own child of the feedback, one per unit, started by the
 * feedback's fan-out next to the items (rectificationItem dispatches on the input's kind, since the kernel's
 * fan-out starts one workflow type): a feedback covering thousands of units keeps no task in its own history,
 * and each report has its own projection row, inbox task, urge/transfer and overdue flag.
 */
import type { EscalationStep } from '../kernel/deadline';
import { createKernel } from '../kernel/procedure';
import { RECTIFICATION_ITEM, type RectificationReportInput, type ReportData, type ReportResult } from './messages';
import { watchRectificationDeadline } from './watch.workflow';

export async function runReport(input: RectificationReportInput): Promise<ReportResult> {
  const title = `${input.feedbackTitle} · 整改报告`;
  const own = {
    report: null as ReportData | null,
    reminded: false,
    overdue: false,
    escalations: [] as EscalationStep[],
    submittedAt: null as string | null,
  };
  const k = createKernel<'report'>({
    // Projected as a rectification item (the fan-out's type), told apart by its step and title.
    type: RECTIFICATION_ITEM,
    noun: 'report',
    title,
    initiatorId: input.initiatorId,
    unitIds: [input.unitId],
    steps: [{ key: 'report', mode: 'any', assignees: { kind: 'user', userId: input.assignee.userId }, approveActions: ['report'], canReturn: false }],
    assignees: {},
    can: { withdraw: true, urge: true, copy: true, closeVote: false },
    startData: { kind: 'report', dueDate: input.dueDate, deadlines: input.deadlines, assignee: input.assignee },
    dueAt: input.deadlines.dueAt,
    view: () => ({ type: RECTIFICATION_ITEM, kind: 'report', feedbackId: input.feedbackId, unitId: input.unitId, dueDate: input.dueDate, deadlines: input.deadlines, assignee: input.assignee, ...own }),
    overdue: () => own.overdue || Date.now() > Date.parse(input.deadlines.dueAt),
  });
  k.registerAct({
    before: (a) => {
      if (a.action === 'report') {
        own.report = a.data as ReportData;
        own.submittedAt = new Date().toISOString();
      }
    },
    data: (a) => a.data ?? null,
  });
  const watcher = watchRectificationDeadline(k, input.deadlines, title, own);
  const end = await k.runSteps();
  const closedAt = new Date().toISOString();
  const status = end === 'withdrawn' ? 'withdrawn' : 'submitted';
  const result: ReportResult = {
    kind: 'report',
    workflowId: k.workflowId,
    unitId: input.unitId,
    status,
    dueAt: input.deadlines.dueAt,
    closedAt,
    onTime: status === 'submitted' && Date.parse(closedAt) <= Date.parse(input.deadlines.dueAt),
    by: input.assignee.as,
  };
  const closing = k.close(status, result);
  await watcher;
  await closing;
  return result;
}

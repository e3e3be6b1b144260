/**
 * A unit's rectification report (整改报告, issue 11): one task for the unit's Party secretary (or its head
 * when master data names no secretary), due 2 months after the feedback, with the same deadline watcher and
 * overdue ladder as an item. It runs as its own child of the feedback, one per unit, started by the
 * feedback's fan-out next to the items (rectificationItem dispatches on the input's kind, since the kernel's
 * fan-out starts one workflow type): a feedback covering thousands of units keeps no task in its own history,
 * and each report has its own projection row, inbox task, urge/transfer and overdue flag.
 */
import { condition, log, patched } from '@temporalio/workflow';
import { addDays, startOfChinaDay } from '../../domain/dates';
import { acts } from '../kernel/activities';
import type { Deadlines, EscalationStep } from '../kernel/deadline';
import { createKernel } from '../kernel/procedure';
import { RECTIFICATION_ITEM, type RectificationReportInput, type ReportData, type ReportResult } from './messages';
import { defaultRectificationRules } from './rules';
import { watchRectificationDeadline } from './watch.workflow';

/**
 * Patch: a report may start before the calendar covers its due date, and computes its deadlines once the year is
 * loaded. Runs recorded before it always started with them, and never reach the code behind it.
 */
export const REPORT_WAITS_FOR_CALENDAR = 'rectification-report-waits-for-calendar';

/**
 * Patch: once a waiting report's deadlines are known, its open task carries the due date too (the inbox sorts and
 * flags by the task's, the state's currentTask shows it), not only the procedure row. Runs recorded before it
 * emitted the row alone at that point.
 */
export const REPORT_TASK_DUE_ONCE_KNOWN = 'rectification-report-task-due-once-known';

export async function runReport(input: RectificationReportInput): Promise<ReportResult> {
  const title = `${input.feedbackTitle} · 整改报告`;
  // Null while the calendar does not cover the due date's year: the task is open all the same (the secretary
  // may report at once), and the reminder, the overdue flag and the ladder wait for the instants.
  let deadlines: Deadlines | null = input.deadlines ?? null;
  // Before the calendar covers its year, the due date's own end is the earliest its deadline can be (a holiday only
  // moves it later): the result counts the report as due then, and so does the rule that an overdue report is
  // withdrawn only by a supervisor with a reason, or an initiator could withdraw one the figures count as late.
  const dueAt = (): string => deadlines?.dueAt ?? startOfChinaDay(addDays(input.dueDate, 1));
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
    dueAt: deadlines?.dueAt ?? null,
    view: () => ({ type: RECTIFICATION_ITEM, kind: 'report', feedbackId: input.feedbackId, unitId: input.unitId, dueDate: input.dueDate, deadlines, assignee: input.assignee, ...own }),
    overdue: () => own.overdue || Date.now() > Date.parse(dueAt()),
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
  const done = (): boolean => k.state.status !== 'open';

  /** The deadlines once the calendar covers the due date's year, asked again every calendarRetryMs; null if the report ends first. */
  async function deadlinesOnceCovered(): Promise<Deadlines | null> {
    if (!patched(REPORT_WAITS_FOR_CALENDAR)) return null;
    const retryMs = input.calendarRetryMs ?? defaultRectificationRules.calendarRetryMs;
    for (;;) {
      try {
        return await acts.rectificationReportDeadlines({ dueDate: input.dueDate });
      } catch (err) {
        log.warn('report deadlines not computable yet', { workflowId: k.workflowId, dueDate: input.dueDate, error: String(err) });
        if (await condition(done, retryMs)) return null;
      }
    }
  }

  // With its deadlines from the start (every run before the patch), the watch begins at once, as it always did.
  const watcher = deadlines
    ? watchRectificationDeadline(k, deadlines, title, own)
    : (async () => {
        const known = await deadlinesOnceCovered();
        if (!known || done()) return;
        deadlines = known;
        // The row carries its due date from now on (the supervision views and the overdue filter read it), and so
        // does a task opened from now on (a transfer's: the kernel opens tasks with the row's dueAt).
        k.projector.row.dueAt = known.dueAt;
        if (patched(REPORT_TASK_DUE_ONCE_KNOWN)) {
          // The task already open was opened without one: it takes the due date in place (the state's currentTask is
          // this object), and goes out again among `opened`, which the projection's task upsert reads as a due date
          // for a pending task that had none.
          const open = k.flow.openTasks();
          for (const t of open) t.dueAt = known.dueAt;
          k.projector.emit({ opened: open.map((t) => ({ ...t, assigneeIds: [...t.assigneeIds] })) });
        } else k.projector.emit();
        await watchRectificationDeadline(k, known, title, own);
      })();
  const end = await k.runSteps();
  const closedAt = new Date().toISOString();
  const status = end === 'withdrawn' ? 'withdrawn' : 'submitted';
  // Ended before the calendar covered its year: a report in by its due date's end is on time whatever the calendar will say.
  const due = dueAt();
  const result: ReportResult = {
    kind: 'report',
    workflowId: k.workflowId,
    unitId: input.unitId,
    status,
    dueAt: due,
    closedAt,
    onTime: status === 'submitted' && Date.parse(closedAt) <= Date.parse(due),
    by: input.assignee.as,
  };
  const closing = k.close(status, result);
  await watcher;
  await closing;
  return result;
}

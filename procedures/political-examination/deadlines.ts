/**
 * The examination's deadlines: each evidence strand and the feedback's acknowledgement has a due date counted
 * in working days (the calendar is read in an activity), a reminder, an overdue flag and the escalation ladder
 * (kernel/deadline.ts). A calendar year not loaded yet leaves the task without a due date, retried daily.
 */
import { condition, log } from '@temporalio/workflow';
import { acts } from '../kernel/activities';
import { watchDeadline, type Deadlines } from '../kernel/deadline';
import type { TaskView } from '../kernel/messages';
import type { StrandView } from './messages';
import { EXAMINATION_ESCALATION_LADDER } from './rules';
import type { ExaminationRun } from './run';

/** Deadline instants from the working-day calendar (an activity), or null while the calendar does not cover them. */
export async function deadlinesFor(run: ExaminationRun, days: number[]): Promise<Record<string, Deadlines> | null> {
  try {
    return await acts.examinationDeadlines({ fromDate: run.today(), workingDays: days, reminderWorkingDays: run.rules.reminderWorkingDays });
  } catch (err) {
    log.warn('examination deadlines not computable yet', { workflowId: run.workflowId, error: String(err) });
    return null;
  }
}

/**
 * The deadline watcher of one task: reminder, overdue, the ladder. Without deadlines yet (a calendar
 * year not loaded), the task waits without a due date and the computation is retried daily.
 */
export async function watch(
  run: ExaminationRun,
  o: { label: string; days: number; deadlines: () => Deadlines | null; set: (d: Deadlines) => void; openTasks: () => TaskView[]; done: () => boolean; view: { overdue: boolean; escalations: StrandView['escalations'] } },
): Promise<void> {
  const { input, projector, record } = run;
  let d = o.deadlines();
  while (!d) {
    if (await condition(o.done, '1 day')) return;
    d = (await deadlinesFor(run, [o.days]))?.[String(o.days)] ?? null;
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

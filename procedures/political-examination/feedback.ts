/**
 * The analysis and its feedback: the examination group analyses the evidence and grades the subject, the
 * department head approves it or returns it with a reason, and the subject acknowledges the feedback before
 * its deadline (watched like the strands').
 */
import { runThrough } from '../kernel/approval';
import { deadlinesFor, watch } from './deadlines';
import type { AnalysisStep, ExaminationRun } from './run';

/** 3–4. Analysis by the group, then the department head approves or returns it with a reason; returns the round. */
export async function analyse(run: ExaminationRun, round: number): Promise<number> {
  const { state, analysisFlow, setStage } = run;
  return runThrough<AnalysisStep>(analysisFlow, ['analysis', 'headApproval'], round, (step, r) => {
    state.round = r;
    setStage(step);
  });
}

/** 5. Feedback to the subject, who acknowledges it before its deadline (and the overdue ladder). */
export async function giveFeedback(run: ExaminationRun): Promise<void> {
  const { state, feedbackFlow, setStage } = run;
  setStage('feedback');
  const ackDays = state.plan.timetable.acknowledgeWorkingDays;
  state.feedback.deadlines = (await deadlinesFor(run, [ackDays]))?.[String(ackDays)] ?? null;
  const feedback = feedbackFlow.runStep('feedback', 1);
  run.watchers.push(
    watch(run, {
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
}

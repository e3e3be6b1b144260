/**
 * The list's history bound: a list with 600 applicants outgrows one run's history, so it continues as new
 * with its whole state (ListCarry) when its history passes the bound (rules.maxHistoryEvents), either while
 * it waits in a stage (stageWait) or while an approval step's tasks are open (stepWait). Nothing accepted
 * is lost, and an Update sent meanwhile goes to the new run (Temporal routes Updates by workflow id to the
 * current run). Until the bound is reached they wait on exactly what they did before, so no recorded command changes.
 */
import { allHandlersFinished, condition, continueAsNew } from '@temporalio/workflow';
import type { StepOutcome, SuspendedStep } from '../kernel/approval';
import { waitUntil } from '../kernel/time';
import type { ListCarry, RedeploymentInput } from './messages';
import type { redeployment } from './redeployment.workflow';
import type { FlowStep, ListRun } from './run';

/**
 * Waits in a stage where no approval step runs until `done()` holds (or `instant` passes). If the
 * history grows past the list's bound first, the run continues as new once every Update handler has
 * finished and every transition is projected.
 */
export async function stageWait(run: ListRun, done: () => boolean, instant?: string): Promise<void> {
  const { projector } = run;
  const ready = (): boolean => done() || run.overBound();
  if (instant !== undefined) await waitUntil(ready, instant);
  else await condition(ready);
  if (done() || !run.overBound()) return;
  // A moving command's handler waits for the stage to change: `done()` ends the drain too.
  await condition(() => done() || (allHandlersFinished() && projector.idle()));
  if (done()) return;
  await continueAsNew<typeof redeployment>(carryOn(run));
}

/** The input of the run this one continues as: the whole state, the numbering, and the step running, if any. */
function carryOn(run: ListRun, step?: SuspendedStep): RedeploymentInput {
  const { state, projector, carried, input } = run;
  const carry: ListCarry = {
    state: { ...state, openTasks: [], currentTask: null },
    row: { ...projector.row, unitIds: [...projector.row.unitIds] },
    seq: projector.lastSeq(),
    taskSeq: run.taskSeq,
    submitted: run.submitted,
    runs: (carried?.runs ?? 0) + 1,
    ...(step ? { step } : {}),
  };
  return { ...input, tasks: [], assignees: run.assignees, continued: carry };
}

/**
 * Runs an approval step (the draft, the list's approval, the meeting) like stageWait waits: if the
 * history grows past the bound while its tasks are open, the run continues as new once every handler
 * has finished and every transition is projected, carrying the step as it stands (its tasks, ballots
 * and absentees), and the next run resumes it with the same task ids. A step decided meanwhile is taken.
 */
export async function stepWait(run: ListRun, key: FlowStep, round: number, resume?: SuspendedStep): Promise<StepOutcome<FlowStep>> {
  const { flow, projector } = run;
  let decided = false;
  const step = flow.runStep(key, round, resume).then((o) => {
    decided = true;
    return o;
  });
  // A race of promises, not a condition on the outcome: a decided step goes on within the same round of
  // microtasks, as `await flow.runStep` did, so the commands that follow keep their recorded order.
  const watch = (async (): Promise<StepOutcome<FlowStep>> => {
    await condition(() => decided || run.overBound());
    if (decided) return step;
    await condition(() => decided || (allHandlersFinished() && projector.idle()));
    const suspended = decided ? null : flow.suspend();
    if (suspended) await continueAsNew<typeof redeployment>(carryOn(run, suspended));
    return step;
  })();
  return Promise.race([step, watch]);
}

/**
 * The political-quality examination (政治素质考察 / 政治体检, DOMAIN.md §2) of one cadre or one leading
 * group: the plan approved and frozen → five evidence strands in parallel, each a task for the
 * examination group with its own deadline → analysis → the department head's approval → feedback the
 * subject acknowledges → the use of the result (a linked rectification for problems found) → the
 * political-quality file (政治素质档案). Its input is self-contained (assignees resolved at the start),
 * and its end is reported to a parent, so a full-coverage batch can start it as a child (kernel fan-out).
 *
 * This file wires the handlers and runs the phases in order; each phase is its own module (plan.ts,
 * evidence.ts, feedback.ts, close.ts), the tasks' rules and the waiver are in actions.ts, the deadlines in
 * deadlines.ts, what a run holds in run.ts.
 */
import { setHandler } from '@temporalio/workflow';
import { reportToParent } from '../kernel/fanout';
import { registerManageHandler } from '../kernel/manage';
import { stateQuery } from '../kernel/messages';
import { registerOpened } from '../kernel/opened';
import { registerExaminationActs, registerWaiver } from './actions';
import { archiveAndClose, recordUse } from './close';
import { gatherEvidence } from './evidence';
import { analyse, giveFeedback } from './feedback';
import type { ExaminationResult, PoliticalExaminationInput } from './messages';
import { approvePlan } from './plan';
import { createExaminationRun } from './run';

// A batch projects an examination's opening ahead of it (batch.workflow.ts).
export { examinationOpening } from './run';

export async function politicalExamination(input: PoliticalExaminationInput): Promise<ExaminationResult> {
  return reportToParent(() => runExamination(input));
}

async function runExamination(input: PoliticalExaminationInput): Promise<ExaminationResult> {
  const run = createExaminationRun(input);
  const { state, flow, base } = run;

  setHandler(stateQuery, () => {
    const open = flow.openTasks();
    return { ...state, openTasks: open, currentTask: open[0] ?? null };
  });

  // An action answers once the next tasks are open, the procedure ended, or only the archive is left.
  const settled = (): boolean => flow.isRunning() || state.status !== 'open' || state.stage === 'archive';
  registerOpened({ ...base, settled });
  registerManageHandler({
    ...base,
    initiatorId: input.initiatorId,
    title: input.title,
    noun: 'examination',
    can: { withdraw: false, urge: true, copy: true, closeVote: false },
    actors: () => state.actions.map((a) => a.actorId),
    record: run.record,
    onWithdraw: () => undefined,
  });
  registerExaminationActs(run, settled);
  // The department's commands: waiving a strand, with a reason.
  registerWaiver(run, settled);

  // 1. The plan: the department approves it; a return goes back to the drafter for a new draft.
  const round = await approvePlan(run);
  // 2. Evidence: five strands in parallel, each with its own task and deadline; the department may waive one.
  await gatherEvidence(run);
  // 3–4. Analysis by the group, then the department head approves or returns it with a reason.
  await analyse(run, round);
  // 5. Feedback to the subject, who acknowledges it before its deadline.
  await giveFeedback(run);
  // 6. The use of the result, recorded by the department's staff.
  await recordUse(run);
  // 7. The political-quality file, then the close.
  return archiveAndClose(run);
}

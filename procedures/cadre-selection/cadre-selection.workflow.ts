/**
 * Cadre selection (干部选拔任用) under 先定原则、再商人头 (DOMAIN.md §1): the principles are approved
 * and frozen before any name enters; then nomination, shortlist, inspection with 凡提四必, the
 * committee's vote, the public notice and a one-year probation. The rules are enforced by the
 * Update validators, so a refused action leaves no trace. The workflow lives for about a year.
 *
 * This file wires the handlers and runs the phases in order; each phase is its own module (principles.ts,
 * decision.ts, notice.ts, appointment.ts), the staff's actions are in actions.ts, the patches in patches.ts.
 */
import { setHandler } from '@temporalio/workflow';
import { registerActHandler } from '../kernel/act';
import { registerManageHandler } from '../kernel/manage';
import { stateQuery, type ActInput } from '../kernel/messages';
import { registerOpened } from '../kernel/opened';
import { refuse } from '../kernel/refuse';
import { handleAction, validateAction } from './actions';
import { closeSelection, runAppointment } from './appointment';
import { decide, openDecision } from './decision';
import { selectionUpdate, type CadreSelectionInput, type SelectionResult } from './messages';
import { runNotice } from './notice';
import { approveAndFreeze, runToDecision } from './principles';
import { commandsAt } from './commands';
import { recusalProblem } from './rules';
import { createSelectionRun } from './run';

export async function cadreSelection(input: CadreSelectionInput): Promise<SelectionResult> {
  const run = createSelectionRun(input);
  const { state, flow, base, decisionStep } = run;

  setHandler(stateQuery, () => {
    const open = flow.openTasks();
    return { ...state, currentStep: flow.view(), commands: state.status === 'open' ? commandsAt(state.stage) : [], openTasks: open, currentTask: open[0] ?? null };
  });

  // Tasks of the two approval steps (approving the principles, the committee's votes), and closing the vote.
  // The step's next tasks are open, or it ended and the stage moves on to staff actions.
  // The last approval of the principles answers once they are frozen (the freeze is in its transitions).
  const settled = (): boolean => flow.isRunning() || (flow.isIdle() && state.stage !== 'principles') || state.status !== 'open';
  registerOpened({ ...base, settled });
  // 回避: a recused member's ballot is refused with the rule named (a validator: nothing on replay).
  const guard = (a: ActInput): void => {
    if (a.action !== 'vote' || state.stage !== 'decision') return;
    const problem = recusalProblem(state.recusals, a.actorId, decisionStep.candidates ?? []);
    if (problem) throw refuse(problem.code, problem.message, problem.details);
  };
  registerActHandler({ ...base, noun: 'selection', record: run.record, settled, guard });
  registerManageHandler({
    ...base,
    initiatorId: input.initiatorId,
    title: input.title,
    noun: 'selection',
    can: { withdraw: false, urge: true, copy: true, closeVote: true },
    actors: () => state.actions.map((x) => x.actorId),
    record: run.record,
    onWithdraw: () => undefined,
  });

  // Staff actions on the stages.
  setHandler(selectionUpdate, (a) => handleAction(run, a), { validator: (a) => validateAction(run, a) });

  // 1. Principles, approved and frozen before any name.
  await approveAndFreeze(run, 1);
  // 2–4. Nomination, shortlist, inspection; a revision of the principles goes back to step 1.
  await runToDecision(run);
  // 5. The committee's decision, by vote on each remaining candidate.
  const decisionRules = await openDecision(run);
  const positions = run.frozen()?.principles.post.positions ?? 1;
  await decide(run, decisionRules, decisionStep.candidates as string[], positions);
  // 6. Public notice, with its objections, postponements and 复议.
  await runNotice(run, decisionRules, positions);
  // 7. Appointment and a one-year probation, then the assessment.
  await runAppointment(run);
  return closeSelection(run, decisionRules.capped);
}

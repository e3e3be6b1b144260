/**
 * 揭榜出征 (`redeployment`, DOMAIN.md §3): the challenge list (榜单) drafted by staff and approved by the
 * department → published with a close date, its tasks added, withdrawn or changed until then, each
 * change recorded and its applicants notified → applications (揭榜) and staff nominations → eligibility
 * and health checks → host units rank their applicants → the department's stable matching (双向选择) as a
 * proposal, adjusted with reasons → the department meeting votes on the matched pairs (票决) → a task
 * letter (任务书) per cadre, acknowledged by cadre and host unit → one term child per cadre through the
 * kernel fan-out → the list closes with its figures when every term has ended. Every command's rules are
 * one pure function (rules.ts) the Update validator applies, so a refused command leaves nothing.
 *
 * This file wires the handlers and runs the phases in order; each phase is its own module (listing.ts,
 * matching.ts, decision.ts, dispatch.ts, terms.ts), the commands are in actions.ts, the history bound in
 * bound.ts, what a run holds in run.ts and the patches in patches.ts.
 */
import { setHandler } from '@temporalio/workflow';
import { registerActHandler } from '../kernel/act';
import { registerManageHandler } from '../kernel/manage';
import { stateQuery } from '../kernel/messages';
import { registerOpened } from '../kernel/opened';
import { refuse } from '../kernel/refuse';
import { handleCommand, validateCommand } from './actions';
import { decideAndDispatch } from './decision';
import { approveList, collectApplications } from './listing';
import { proposePairs } from './matching';
import { redeploymentUpdate, type ListFigures, type RedeploymentInput } from './messages';
import { commandsAt, listProblem } from './rules';
import { createListRun } from './run';
import { runTerms, runTermsAndClose } from './terms';

export async function redeployment(input: RedeploymentInput): Promise<ListFigures> {
  if (input.resume) return runTerms(input, input.resume.snapshot, input.resume.progress);
  const run = createListRun(input);
  const { state, flow, base, record } = run;

  setHandler(stateQuery, () => {
    const open = flow.openTasks();
    return { ...state, figures: state.figures ?? run.liveFigures(), currentStep: flow.view(), commands: state.status === 'open' ? commandsAt(state.stage) : [], openTasks: open, currentTask: open[0] ?? null };
  });

  // An action answers once the next tasks are open, or the loop has moved on to a stage without a step.
  const settled = (): boolean => flow.isRunning() || (flow.isIdle() && !['draft', 'listApproval', 'meeting'].includes(state.stage)) || state.status !== 'open';
  registerOpened({ ...base, settled });
  registerActHandler({
    ...base,
    noun: 'list',
    record,
    settled,
    validate: (a) => {
      if (a.action !== 'submitList') return;
      const p = listProblem(state.tasks.filter((t) => t.status === 'open'));
      if (p) throw refuse(p.code, p.message, p.details);
    },
  });
  registerManageHandler({
    ...base,
    initiatorId: input.initiatorId,
    title: input.title,
    noun: 'list',
    can: { withdraw: false, urge: true, copy: true, closeVote: true },
    actors: () => state.actors,
    record,
    onWithdraw: () => undefined,
  });

  // The staff's, host units' and members' commands on the list.
  setHandler(redeploymentUpdate, (c) => handleCommand(run, c), { validator: (c) => validateCommand(run, c) });

  // 1. The list, approved by the department's head.
  await approveList(run);
  // 2–3. Published; applications and nominations until it closes; the checks.
  await collectApplications(run);
  // 4. When anyone is eligible: ranking and the matching proposal, submitted to the meeting.
  const voting = state.checks.some((k) => k.eligible) && !run.behind('meeting');
  if (voting) await proposePairs(run);
  // 5–6. The meeting's vote on the pairs; a task letter per approved pair, acknowledged.
  await decideAndDispatch(run, voting);
  // 7. The terms, then the close with the figures.
  return runTermsAndClose(run);
}

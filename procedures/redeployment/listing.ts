/**
 * The list's first stages: the challenge list (榜单) drafted by staff and approved by the department's head
 * (a return goes back to staff for a new draft), then published with a close date, applications (揭榜) and
 * nominations until the end of that day or an early close, then the eligibility and health checks of every
 * applicant. A run continued as new skips the stages an earlier run passed.
 */
import { addDays, startOfChinaDay } from '../../domain/dates';
import { stageWait, stepWait } from './bound';
import { uncheckedApplicants } from './rules';
import type { ListRun } from './run';

/** 1. The list: the department's head approves it; a return goes back to staff for a new draft. */
export async function approveList(run: ListRun): Promise<void> {
  const { carried, state, setStage } = run;
  if (!carried || carried.state.stage === 'draft' || carried.state.stage === 'listApproval') {
    let step: 'draft' | 'listApproval' = carried?.state.stage === 'draft' ? 'draft' : 'listApproval';
    let resume = carried?.step;
    for (;;) {
      setStage(step);
      const o = await stepWait(run, step, state.round, resume);
      resume = undefined;
      if (step === 'draft') {
        step = 'listApproval';
        continue;
      }
      if (o.kind === 'approved') break;
      state.round += 1;
      step = 'draft';
    }
  }
}

/** 2–3. Published with a close date; applications until the end of that day, or an early close; then the checks. */
export async function collectApplications(run: ListRun): Promise<void> {
  const { state, setStage, behind } = run;
  if (!behind('approved')) {
    setStage('approved');
    await stageWait(run, () => state.closeDate !== null);
  }
  if (!behind('published')) {
    setStage('published');
    await stageWait(run, () => state.closedEarly !== null, startOfChinaDay(addDays(state.closeDate as string, 1)));
  }

  // 3. Eligibility and health checks of every applicant.
  if (!behind('checks')) {
    setStage('checks');
    if (state.applications.length > 0) await stageWait(run, () => uncheckedApplicants(state).length === 0);
  }
}

/**
 * From the eligible applicants to a proposal: host units rank their applicants, the department's stable
 * matching (双向选择) makes a proposal, and staff adjust it with reasons and submit it to the meeting
 * (decision.ts). The commands themselves are in actions.ts; this phase waits for them.
 */
import { stageWait } from './bound';
import type { ListRun } from './run';

/** 4. Host units rank; the department matches (a proposal), staff adjust it with reasons, then submit. */
export async function proposePairs(run: ListRun): Promise<void> {
  const { state, setStage, behind } = run;
  if (!behind('proposal')) {
    if (!behind('ranking')) {
      setStage('ranking');
      await stageWait(run, () => state.proposal !== null);
    }
    setStage('proposal');
    await stageWait(run, () => run.submitted);
  }
}

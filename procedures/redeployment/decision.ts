/**
 * The department meeting's decision (票决) on each matched pair, at a recorded meeting since
 * REDEPLOYMENT_MEETING, and the approved pairs' dispatch (dispatch.ts).
 */
import { patched } from '@temporalio/workflow';
import { stepWait } from './bound';
import { dispatch } from './dispatch';
import { pairCandidate } from './messages';
import { REDEPLOYMENT_MEETING } from './patches';
import type { ListRun } from './run';

/**
 * 5–6. When `voting` (someone is eligible and the meeting is not behind): the meeting votes on each matched
 * pair; then the approved pairs' letters. One function on purpose: the letters' activity is scheduled in the
 * same round of microtasks as the vote's end, as the recorded histories have it. Returned to the workflow
 * in between, the projection's local activity of the vote's transition and the letters' activity would be
 * numbered in another order, and histories from before PROJECT_PER_ACTIVATION would fail to replay.
 */
export async function decideAndDispatch(run: ListRun, voting: boolean): Promise<void> {
  const { state, carried, meetingStep, setStage } = run;
  if (voting) {
    const pairs = (state.proposal?.pairs ?? []).slice();
    meetingStep.candidates = pairs.map(pairCandidate);
    // A run continued at the meeting carries whether its vote belongs to a meeting (the suspended step).
    if (carried?.state.stage !== 'meeting' && patched(REDEPLOYMENT_MEETING)) meetingStep.meeting = {};
    setStage('meeting');
    const decision = await stepWait(run, 'meeting', 1, carried?.state.stage === 'meeting' ? carried.step : undefined);
    state.decision = decision.kind === 'approved' ? (decision.tally ?? null) : null;
    const passed = new Set((state.decision?.candidates ?? []).filter((t) => t.outcome === 'passed').map((t) => t.candidateId));
    state.approvedPairs = pairs.filter((p) => passed.has(pairCandidate(p)));
  }
  await dispatch(run);
}

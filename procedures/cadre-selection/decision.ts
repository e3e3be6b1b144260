/**
 * The committee's decision (讨论决定): a vote on each remaining candidate at a recorded meeting, at most the
 * post's positions proceed, a tie at the last place is voted again among the tied, and 暂缓表决 opens the
 * vote again without the deferred.
 */
import { patched } from '@temporalio/workflow';
import { acts } from '../kernel/activities';
import type { VoteTally } from '../kernel/vote';
import { SELECTION_MEETING, SELECTION_RECUSAL, SELECTION_WITHIN_POSITIONS } from './patches';
import { notSelectedReason, withinPositions } from './rules';
import type { SelectionRun } from './run';

/** The vote's rules as this run's history has them; read once, when the vote first opens. */
export interface DecisionRules {
  /** Histories recorded before this rule let everyone who passed proceed, whatever the positions. */
  capped: boolean;
  /** Histories from before this rule vote with no meeting recorded. */
  meetingRecorded: boolean;
}

/** Opens the decision stage on the active candidates and reads what the vote's rules need. */
export async function openDecision(run: SelectionRun): Promise<DecisionRules> {
  const { state, decisionStep } = run;
  decisionStep.candidates = run.active().map((c) => c.personId);
  run.setStage('decision');
  // 回避, read from master data as the vote opens; histories from before it have no such read.
  if (patched(SELECTION_RECUSAL)) state.recusals = await acts.recusals({ memberIds: run.committeeMembers, candidateIds: [...decisionStep.candidates] });
  const capped = patched(SELECTION_WITHIN_POSITIONS);
  const meetingRecorded = patched(SELECTION_MEETING);
  return { capped, meetingRecorded };
}

/** Votes on `ids` for `places` places, ties voted again among the tied; 暂缓表决 opens the vote again without the deferred. */
export async function decide(run: SelectionRun, { capped, meetingRecorded }: DecisionRules, ids: string[], places: number): Promise<void> {
  const { state, flow, decisionStep } = run;
  decisionStep.candidates = ids;
  run.meetingNow = null;
  for (;;) {
    run.decisionRound += 1;
    if (meetingRecorded) decisionStep.meeting = run.meetingNow ? { held: run.meetingNow } : {};
    const decision = await flow.runStep('decision', run.decisionRound);
    if (run.deferring) {
      run.deferring = false;
      decisionStep.candidates = decisionStep.candidates?.filter((id) => run.candidate(id)?.decision !== 'deferred') ?? [];
      if (decisionStep.candidates.length === 0) break;
      continue;
    }
    const tally: VoteTally | undefined = decision.kind === 'approved' ? decision.tally : undefined;
    state.decisionTally = tally ?? null;
    for (const t of tally?.candidates ?? []) {
      const c = run.candidate(t.candidateId);
      if (c) c.decision = t.outcome === 'passed' ? 'passed' : t.outcome === 'rejected' ? 'rejected' : 'notPassed';
    }
    if (!capped || !tally) break;
    const passed = tally.candidates.filter((t) => t.outcome === 'passed').map((t) => ({ candidateId: t.candidateId, agree: t.agree }));
    const pick = withinPositions(passed, places);
    for (const id of pick.notSelected) {
      // The rule and the ranking go with the decision, so the answer says why (state only: no command changes).
      const c = run.candidate(id)!;
      c.decision = 'notSelected';
      c.notSelected = notSelectedReason(passed, places, id);
    }
    if (pick.tied.length === 0) break;
    // A tie at the last place: the committee votes again among the tied, for the places left.
    for (const id of pick.tied) run.candidate(id)!.decision = null;
    places = pick.placesLeft;
    decisionStep.candidates = pick.tied;
  }
}

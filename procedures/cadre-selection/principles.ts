/**
 * The selection's first stages: the principles, approved and frozen before any name enters (先定原则、再商人头),
 * then nomination, shortlist and inspection. A revision of the principles interrupts any of these: the
 * revised principles are approved and frozen again, and every candidate is checked against them.
 */
import { condition, patched } from '@temporalio/workflow';
import { acts } from '../kernel/activities';
import type { SelectionStage, SelectionState } from './messages';
import { SELECTION_ELIGIBILITY_CUTOFF, SELECTION_POST_CHANGE_RENOMINATES } from './patches';
import { postChanged } from './rules';
import type { SelectionRun } from './run';

type Post = SelectionState['principles']['post'];

/** Checks candidates against the frozen principles; a shortlisted one who no longer qualifies leaves. */
export async function checkCandidates(run: SelectionRun, personIds: string[]): Promise<void> {
  const { state } = run;
  const f = run.frozen();
  if (!f || personIds.length === 0) return;
  // As of the cut-off fixed with the recommendation, so neither a late entry nor a revision moves it.
  const cutoff = state.nomination?.eligibilityAsOf;
  const asOf = cutoff && patched(SELECTION_ELIGIBILITY_CUTOFF) ? cutoff : run.today();
  const checks = await acts.checkCandidates({ personIds, principles: f.principles, principlesVersion: f.version, asOf });
  for (const check of checks) {
    const c = run.candidate(check.personId);
    if (!c) continue;
    c.check = check;
    // A shortlisted candidate who no longer qualifies under revised principles leaves the procedure.
    if (c.shortlisted && !check.eligible && !c.removed) c.removed = { reason: `not qualified under principles v${f.version}`, at: new Date().toISOString() };
  }
}

/** Approves and freezes the principles (again, after a revision). */
export async function approveAndFreeze(run: SelectionRun, round: number, reason?: string): Promise<void> {
  const { state, flow, projector, workflowId } = run;
  run.setStage('principles');
  const outcome = await flow.runStep('principles', round);
  if (outcome.kind !== 'approved') return;
  const version = state.frozen.length + 1;
  const at = new Date().toISOString();
  const { hash } = await acts.freezePrinciples({ principles: state.principles });
  projector.emit({
    audit: [{ key: `principles:${workflowId}:v${version}`, kind: 'principles:frozen', actorId: outcome.by, payload: { version, hash, reason: reason ?? null, principles: state.principles } }],
  });
  state.frozen.push({ version, hash, frozenAt: at, principles: state.principles, ...(reason ? { reason } : {}) });
}

/** Nomination, shortlist, inspection, each until it is done; a revision goes back to the principles. */
export async function runToDecision(run: SelectionRun): Promise<void> {
  const { state } = run;
  const preDecision: [SelectionStage, () => boolean][] = [
    ['nomination', () => state.nomination !== null && state.candidates.every((c) => c.check !== null)],
    ['shortlist', () => state.candidates.some((c) => c.shortlisted)],
    ['inspection', () => state.inspection?.completedAt != null],
  ];
  for (let i = 0; i < preDecision.length; ) {
    const [stage, done] = preDecision[i] as [SelectionStage, () => boolean];
    run.setStage(stage);
    const r = await waitOrRevise(run, done);
    if (r === 'done') i += 1;
    else if (r === 'renominate') i = 0;
  }
}

/** done, revised (stay at the stage), or renominate (the post changed: back to nomination). */
async function waitOrRevise(run: SelectionRun, done: () => boolean): Promise<'done' | 'revised' | 'renominate'> {
  const { state } = run;
  await condition(() => done() || run.revising !== null);
  if (!run.revising) return 'done';
  const { reason } = run.revising;
  const resume = state.stage;
  const postBefore = run.frozen()?.principles.post;
  run.round += 1;
  await approveAndFreeze(run, run.round, reason);
  run.revising = null;
  const f = run.frozen();
  // A recommendation is valid only for its post: a new unit or grade voids it, and the names are sought again.
  if (postBefore && f && state.nomination && postChanged(postBefore, f.principles.post) && patched(SELECTION_POST_CHANGE_RENOMINATES)) {
    voidRecommendation(run, postBefore, f.principles.post, f.version);
    run.setStage('nomination');
    return 'renominate';
  }
  // Every candidate is checked again against the new version.
  await checkCandidates(run, state.candidates.map((c) => c.personId));
  run.setStage(resume);
  return 'revised';
}

function voidRecommendation(run: SelectionRun, post: Post, voidFor: Post, version: number): void {
  const { state } = run;
  const nomination = state.nomination;
  if (!nomination) return;
  state.voidedRecommendations = [
    ...(state.voidedRecommendations ?? []),
    { date: nomination.date, post, voidFor, personIds: state.candidates.map((c) => c.personId), version, at: new Date().toISOString() },
  ];
  state.nomination = null;
  state.candidates = [];
  state.inspection = null;
}

/**
 * The public notice (任前公示) of those the committee passed: at least 5 working days, and every objection
 * ends in an outcome. A postponed candidate waits for the date, then the final decision; a 复议 agreed during
 * the notice reopens the vote on its candidate after it, and whoever then passes goes on notice in turn.
 */
import { condition, log, patched, sleep } from '@temporalio/workflow';
import { acts } from '../kernel/activities';
import { waitUntil } from '../kernel/time';
import { decide, type DecisionRules } from './decision';
import type { CandidateView, NoticePeriod } from './messages';
import { SELECTION_POSTPONEMENT_WAITS, SELECTION_RECONSIDERATION } from './patches';
import type { SelectionRun } from './run';

export async function runNotice(run: SelectionRun, decisionRules: DecisionRules, positions: number): Promise<void> {
  const { state, workflowId, rules } = run;
  const reconsidered = new Set<string>();
  let onNotice = state.candidates.filter((c) => c.decision === 'passed');
  while (onNotice.length > 0) {
    // The period comes from the calendar as it stands; until the calendar covers it (a notice
    // reaching into a year not loaded yet), try again daily rather than fail the selection.
    let notice: NoticePeriod | null = null;
    while (notice === null) {
      try {
        notice = await acts.computeNoticePeriod({ fromDate: run.today(), workingDays: rules.noticeWorkingDays });
      } catch (err) {
        log.warn('public notice period not computable yet', { workflowId, error: String(err) });
        await sleep('1 day');
      }
    }
    state.notice = notice;
    run.setStage('publicNotice');
    await waitUntil(() => false, notice.endsAt);
    const batch = onNotice;
    await condition(() => batch.every((c) => c.objections.every((o) => o.resolution !== null)));
    for (const c of batch) {
      const outcomes = c.objections.map((o) => o.resolution?.outcome);
      c.outcome = outcomes.includes('doNotAppoint') ? 'notAppointed' : outcomes.includes('postpone') ? 'postponed' : 'appointed';
    }
    const postponed = batch.filter((c) => c.outcome === 'postponed');
    // Histories from before this rule closed with the candidate postponed.
    if (postponed.length > 0 && patched(SELECTION_POSTPONEMENT_WAITS)) await awaitPostponements(run, postponed);
    const reopened = state.candidates.filter((c) => c.reconsideration && !reconsidered.has(c.personId));
    if (reopened.length === 0 || !patched(SELECTION_RECONSIDERATION)) break;
    for (const c of reopened) {
      reconsidered.add(c.personId);
      c.decision = null;
      c.deferred = null;
    }
    const taken = state.candidates.filter((c) => c.outcome === 'appointed').length;
    run.setStage('decision');
    await decide(
      run,
      decisionRules,
      reopened.map((c) => c.personId),
      Math.max(positions - taken, 0),
    );
    onNotice = reopened.filter((c) => c.decision === 'passed');
  }
}

/** Waits for each postponement's date (a durable timer), reminds the staff, then for the final decisions. */
async function awaitPostponements(run: SelectionRun, cs: CandidateView[]): Promise<void> {
  const { input, projector } = run;
  for (const c of cs) {
    const until = c.objections.flatMap((o) => (o.resolution?.postponeUntil ? [o.resolution.postponeUntil] : [])).sort().at(-1) ?? run.today();
    c.postponement = { until, remindedAt: null, decision: null };
  }
  for (const c of [...cs].sort((x, y) => (x.postponement?.until ?? '').localeCompare(y.postponement?.until ?? ''))) {
    const pp = c.postponement!;
    await waitUntil(() => false, await acts.computePostponementEnd({ until: pp.until }));
    pp.remindedAt = new Date().toISOString();
    const staff = [...new Set([input.initiatorId, ...c.objections.flatMap((o) => (o.resolution ? [o.resolution.by] : []))])];
    projector.emit({
      notifications: [{ kind: 'remind', userIds: staff, message: `${input.title}: the postponement of ${c.personId} ran out on ${pp.until}; take the final decision (appoint / do not appoint)` }],
    });
  }
  await condition(() => cs.every((c) => c.postponement?.decision));
  for (const c of cs) c.outcome = c.postponement?.decision?.outcome === 'appoint' ? 'appointed' : 'notAppointed';
}

/**
 * After the notice: the appointment (任职, with its 任职通知 and 任职谈话), a one-year probation where it
 * applies and its assessment; then the selection closes with its result.
 */
import { condition, patched } from '@temporalio/workflow';
import { acts } from '../kernel/activities';
import { waitUntil } from '../kernel/time';
import type { CandidateView, SelectionResult } from './messages';
import { SELECTION_APPOINTMENT_RECORDED } from './patches';
import type { SelectionRun } from './run';

export async function runAppointment(run: SelectionRun): Promise<void> {
  const { state, rules } = run;
  const appointed = state.candidates.filter((c) => c.outcome === 'appointed');
  if (appointed.length > 0 && patched(SELECTION_APPOINTMENT_RECORDED)) {
    // The appointment is recorded with its 任职通知 and 任职谈话; the probation runs from its date, where it applies.
    run.setStage('appointment');
    await condition(() => appointed.every((c) => c.appointment));
    const onProbation = appointed.filter((c) => c.appointment?.probation);
    for (const c of onProbation) {
      const a = c.appointment!;
      a.probationEndsAt = await acts.computeProbationEnd({ fromDate: a.appointedOn, months: rules.probationMonths });
    }
    if (onProbation.length > 0) {
      state.probationEndsAt = onProbation.map((c) => c.appointment?.probationEndsAt ?? '').sort().at(-1) ?? null;
      run.setStage('probation');
      await condition(() => onProbation.every((c) => c.outcome !== 'appointed'));
    }
  } else if (appointed.length > 0) {
    const probationEndsAt = await acts.computeProbationEnd({ fromDate: run.today(), months: rules.probationMonths });
    state.probationEndsAt = probationEndsAt;
    run.setStage('probation');
    await waitUntil(() => false, probationEndsAt);
    await condition(() => appointed.every((c) => c.outcome !== 'appointed'));
  }
}

/** Closes the selection and projects its result. `capped`: the vote kept to the post's positions. */
export async function closeSelection(run: SelectionRun, capped: boolean): Promise<SelectionResult> {
  const { state, projector } = run;
  state.status = 'closed';
  run.setStage('closed');
  const ids = (o: CandidateView['outcome']) => state.candidates.filter((c) => c.outcome === o).map((c) => c.personId);
  const result: SelectionResult = {
    // Appointed without a probation (a lateral move, an elected post) stay appointed at the close.
    appointed: state.candidates.filter((c) => c.outcome === 'confirmed' || c.outcome === 'removedToFormerGrade' || c.outcome === 'appointed').map((c) => c.personId),
    confirmed: ids('confirmed'),
    removedToFormerGrade: ids('removedToFormerGrade'),
    notAppointed: ids('notAppointed'),
    postponed: ids('postponed'),
    notPassed: state.candidates.filter((c) => c.decision === 'notPassed').map((c) => c.personId),
    ...(capped ? { notSelected: state.candidates.filter((c) => c.decision === 'notSelected').map((c) => c.personId) } : {}),
    ...(state.candidates.some((c) => c.decision === 'deferred') ? { deferred: state.candidates.filter((c) => c.decision === 'deferred').map((c) => c.personId) } : {}),
    principlesVersions: state.frozen.length,
  };
  projector.close('closed', 'closed', result);
  await projector.finish();
  return result;
}

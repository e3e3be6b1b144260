/**
 * The evidence: five strands in parallel (EVIDENCE_STRANDS), each a task for the examination group with its
 * own deadline and watcher; the department may waive a strand with a reason (actions.ts registerWaiver).
 * The stage ends when no strand is open.
 */
import { condition } from '@temporalio/workflow';
import { EVIDENCE_STRANDS, STRAND_LABELS, type StrandView } from './messages';
import { deadlinesFor, watch } from './deadlines';
import { openStrands } from './rules';
import { strandDays, type ExaminationRun } from './run';

/** 2. Evidence: five strands in parallel, each with its own task and deadline; the department may waive one. */
export async function gatherEvidence(run: ExaminationRun): Promise<void> {
  const { state, strand, strandFlows, setStage } = run;
  setStage('evidence');
  const days = [...new Set(EVIDENCE_STRANDS.map((s) => strandDays(state.plan, s)))];
  const evidenceDeadlines = await deadlinesFor(run, days);
  const runs = EVIDENCE_STRANDS.map((s) => {
    const v = strand(s) as StrandView;
    v.deadlines = evidenceDeadlines?.[String(strandDays(state.plan, s))] ?? null;
    v.status = 'open';
    return strandFlows[s].runStep(s, 1);
  });
  // Each strand's opening named itself as the row's stage; the row shows the stage.
  setStage('evidence', true);
  run.watchers.push(
    ...EVIDENCE_STRANDS.map((s) => {
      const v = strand(s) as StrandView;
      return watch(run, {
        label: STRAND_LABELS[s],
        days: strandDays(state.plan, s),
        deadlines: () => v.deadlines,
        set: (d) => {
          v.deadlines = d;
        },
        openTasks: () => strandFlows[s].openTasks(),
        done: () => v.status !== 'open' || state.status !== 'open',
        view: v,
      });
    }),
  );
  await Promise.all(runs);
  await condition(() => openStrands(state.strands).length === 0);
}

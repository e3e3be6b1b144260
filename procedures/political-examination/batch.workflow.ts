/**
 * A full-coverage batch (全覆盖) of political-quality examinations: one child examination per subject
 * (each unit's leading group and, optionally, each of its leading members), run through the kernel's
 * fan-out like a rectification feedback's items. One child's failure is recorded against it and ends no
 * sibling; the batch closes with its summary once every child has reported.
 */
import { setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { createFanOut, type ChildSpec } from '../kernel/fanout';
import { SearchAttr, stateQuery } from '../kernel/messages';
import { registerParentOpened } from '../kernel/opened';
import { openingOf } from '../kernel/procedure';
import { createProjector, openingRow } from '../kernel/projector';
import { examinationOpening } from './political-examination.workflow';
import {
  batchExaminationId,
  POLITICAL_EXAMINATION,
  POLITICAL_EXAMINATION_BATCH,
  politicalExaminationWorkflowId,
  type BatchState,
  type BatchSubject,
  type BatchSummary,
  type BatchTally,
  type ExaminationSubject,
  type PoliticalExaminationBatchInput,
  type PoliticalExaminationInput,
} from './messages';
import { batchSummaryOf, carriedSubjects, emptyBatchTally, foldBatchOutcome } from './rules';

/** How many failures the state query lists: a query answer has a size limit. */
const STATE_FAILURES = 200;

export async function politicalExaminationBatch(input: PoliticalExaminationBatchInput): Promise<BatchSummary> {
  const info = workflowInfo();
  const childId = (i: number): string => politicalExaminationWorkflowId(batchExaminationId(input.batchId, input.subjects[i] as BatchSubject));
  const args = (i: number): PoliticalExaminationInput => {
    // A subject not started yet still has its name and who acknowledges (carriedSubjects drops them once started).
    const s = input.subjects[i] as Required<Pick<BatchSubject, 'unitId' | 'name' | 'userId'>> & BatchSubject;
    const subject: ExaminationSubject = s.personId ? { kind: 'cadre', personId: s.personId, name: s.name, unitId: s.unitId } : { kind: 'group', unitId: s.unitId, name: s.name };
    // Everything the child needs, from what the batch holds once: the plan, the rules, the department's assignees.
    return {
      examinationId: batchExaminationId(input.batchId, s),
      title: `${input.title}：${s.name}`,
      initiatorId: input.initiatorId,
      subject,
      subjectUserId: s.userId,
      departmentUnitId: input.departmentUnitId,
      inspectionOfficeUnitId: input.inspectionOfficeUnitId,
      plan: input.plan,
      rules: input.rules,
      assignees: input.assignees,
    };
  };
  /** A child's opening as of `at` (kernel/procedure.ts openingOf): projected by the fan-out, then given to the child. */
  const opening = (i: number, at: string) => openingOf(examinationOpening(args(i)), { workflowId: childId(i), parentWorkflowId: info.workflowId, at });
  const child = (i: number, openedAt?: string): ChildSpec => {
    const s = input.subjects[i] as BatchSubject;
    return {
      workflowId: childId(i),
      args: [openedAt ? { ...args(i), opened: opening(i, openedAt).opened } : args(i)],
      searchAttributes: [
        { key: SearchAttr.procedureType, value: POLITICAL_EXAMINATION },
        { key: SearchAttr.units, value: [s.unitId] },
        { key: SearchAttr.stage, value: 'planApproval' },
      ],
    };
  };

  const unitIds = [...new Set(input.subjects.map((s) => s.unitId))].sort();
  const projector = createProjector({
    procedure: openingRow({ type: POLITICAL_EXAMINATION_BATCH, title: input.title, unitIds, stage: 'examining', startedBy: input.initiatorId }),
  });
  let summary: BatchSummary | null = null;
  const fan = createFanOut({
    workflowType: POLITICAL_EXAMINATION,
    childId,
    children: child,
    // Every examination's plan-approval task goes to its inbox in bulk, before the examinations start.
    open: (i, at) => opening(i, at).transitions,
    quiet: () => projector.idle(),
    total: input.subjects.length,
    ...(input.progress ? { progress: input.progress } : {}),
    continueWith: (progress) => [{ ...input, subjects: carriedSubjects(input.subjects, progress.started), progress }],
    // Each result is folded into the tally as it reports and none is kept, so what the batch carries
    // across continue-as-new stays small over thousands of children.
    tally: { initial: emptyBatchTally, fold: (t, i, outcome) => foldBatchOutcome(t, i, (input.subjects[i] as BatchSubject).unitId, outcome) },
    keep: () => false,
  });
  const tallyNow = (): BatchTally => fan.progress.tally ?? emptyBatchTally();

  setHandler(stateQuery, (): BatchState => {
    const p = fan.progress;
    const failures = tallyNow().failures.slice(0, STATE_FAILURES).map((f) => ({ workflowId: childId(f.index), failure: f.failure }));
    return {
      type: POLITICAL_EXAMINATION_BATCH,
      workflowId: info.workflowId,
      batchId: input.batchId,
      title: input.title,
      status: summary ? 'closed' : 'open',
      stage: summary ? 'closed' : 'examining',
      progress: { total: p.total, started: p.started, done: p.done, failed: p.failed },
      failures,
      summary,
    };
  });

  // The start's answer: the batch has no tasks of its own; its examinations open theirs as they start.
  registerParentOpened({ projector, status: () => (summary ? 'closed' : 'open'), stage: () => (summary ? 'closed' : 'examining') });


  if (!input.progress) projector.start(input.initiatorId, { batchId: input.batchId, subjects: input.subjects.length, units: unitIds.length, planDimensions: input.plan.dimensions.map((d) => d.dimension) });

  await fan.run();
  const closed = batchSummaryOf({ batchId: input.batchId, subjects: input.subjects, tally: tallyNow(), grades: input.rules.grades, childId, closedAt: new Date().toISOString() });
  summary = closed;
  // After continue-as-new the projector counts from 1 again, so the close takes a seq no run reaches.
  upsertSearchAttributes([{ key: SearchAttr.stage, value: 'closed' }]);
  projector.close('closed', 'closed', closed, 1_000_000);
  await projector.finish();
  return closed;
}

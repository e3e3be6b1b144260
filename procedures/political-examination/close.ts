/**
 * The examination's end: the use of the result recorded by the department's staff (a linked rectification
 * started for problems found), then the political-quality file (政治素质档案) archived, and the close with
 * the result a batch folds into its summary.
 */
import { ActivityFailure, ApplicationFailure, log, ParentClosePolicy, sleep, startChild, upsertSearchAttributes } from '@temporalio/workflow';
import { acts } from '../kernel/activities';
import { SearchAttr } from '../kernel/messages';
import { RECTIFICATION } from '../rectification/messages';
import type { Analysis, ExaminationResult, LinkedRectification, UseOfResult } from './messages';
import { examinationOnTime, reverseFindingsByDimension } from './rules';
import type { ExaminationRun } from './run';

/** 6. The use of the result, recorded by the department's staff; a rectification for problems found. */
export async function recordUse(run: ExaminationRun): Promise<void> {
  const { state, useFlow, setStage } = run;
  setStage('useOfResult');
  await useFlow.runStep('useOfResult', 1);
  setStage('archive', true);
  const use = state.use as UseOfResult & { by: string };
  if (use.rectification) state.rectification = await startRectification(run, use.rectification);
}

/** 7. The political-quality file (政治素质档案), then the close. */
export async function archiveAndClose(run: ExaminationRun): Promise<ExaminationResult> {
  const { state, input, workflowId, projector, setStage, today } = run;
  const use = state.use as UseOfResult & { by: string };
  const analysis = state.analysis as Analysis;
  const planHash = state.frozen[state.frozen.length - 1]?.hash ?? '';
  const examinedOn = today();
  await acts.archivePoliticalFile({
    id: workflowId,
    examinationId: input.examinationId,
    subject: input.subject,
    title: input.title,
    examinedOn,
    grade: analysis.grade,
    planHash,
    evaluations: analysis.evaluations,
    findings: state.findings,
    useOfResult: { ...use },
    rectificationWorkflowId: state.rectification?.workflowId ?? null,
    acknowledgedAt: state.feedback.acknowledgedAt,
    statement: state.feedback.statement,
  });
  const result: ExaminationResult = {
    examinationId: input.examinationId,
    subject: input.subject,
    grade: analysis.grade,
    planHash,
    findings: state.findings.length,
    use: { ...use },
    rectification: state.rectification,
    fileEntryId: workflowId,
    closedAt: new Date().toISOString(),
    // For a batch's summary (全覆盖); additive, so results recorded earlier still read.
    reverseFindings: reverseFindingsByDimension(state.findings),
    onTime: examinationOnTime(state.strands, state.feedback),
  };
  state.result = result;
  state.status = 'closed';
  setStage('closed');
  upsertSearchAttributes([{ key: SearchAttr.stage, value: 'closed' }]);
  projector.close('closed', 'closed', result);
  await Promise.all(run.watchers);
  await projector.finish();
  return result;
}

/**
 * Problems found → a rectification (巡视整改) of the subject's unit, started through the rectification
 * module's own start plan (an activity) as a child of this examination: its row names this examination
 * as its parent, its id carries this examination's id, and this examination's state and file name it.
 */
async function startRectification(run: ExaminationRun, r: NonNullable<UseOfResult['rectification']>): Promise<LinkedRectification> {
  const { state, input, workflowId, dept, today } = run;
  const problems = state.findings.filter((f) => f.severity === 'problem');
  for (;;) {
    try {
      const plan = await acts.planLinkedRectification({
        examinationWorkflowId: workflowId,
        examinationId: input.examinationId,
        title: input.title,
        initiatorId: input.initiatorId,
        departmentUnitId: dept,
        inspectionOfficeUnitId: input.inspectionOfficeUnitId,
        unitId: input.subject.unitId,
        feedbackDate: today(),
        dueDate: r.dueDate,
        difficulty: r.difficulty ?? 'normal',
        problems: problems.map((f) => ({ findingId: f.id, dimension: f.dimension, text: f.text, evidenceRefs: f.evidenceRefs ?? [] })),
      });
      await startChild(RECTIFICATION, {
        workflowId: plan.workflowId,
        args: [plan.input],
        // The rectification outlives the examination's close.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [
          { key: SearchAttr.procedureType, value: RECTIFICATION },
          { key: SearchAttr.units, value: [input.subject.unitId] },
          { key: SearchAttr.stage, value: 'rectifying' },
        ],
      });
      return { workflowId: plan.workflowId, failure: null };
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : err;
      const code = cause instanceof ApplicationFailure ? (cause.type ?? 'failed') : err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError' ? 'procedure_exists' : 'failed';
      // A due date in a year the calendar does not cover yet: wait for the year to be loaded.
      if (code === 'calendar_not_covered') {
        log.warn('linked rectification waits for the calendar', { workflowId });
        await sleep('1 day');
        continue;
      }
      log.error('linked rectification not started', { workflowId, code });
      return { workflowId: null, failure: code };
    }
  }
}

/**
 * A rectification feedback (巡视整改): the inspection group's problems, each assigned to one or
 * more units (同题共答). Every unit's item runs as its own child workflow, so one feedback never
 * grows one giant history. The feedback closes when every item is signed off (销号).
 */
import { setHandler, startChild, workflowInfo, ParentClosePolicy } from '@temporalio/workflow';
import { summarize } from '../domain/rectification';
import {
  SearchAttr,
  stateQuery,
  workflowIds,
  type FeedbackState,
  type RectificationInput,
  type RectificationSummary,
} from './definitions';
import { acts } from './lib/activities';
import { rectificationItem } from './rectification-item';

export async function rectification(input: RectificationInput): Promise<RectificationSummary> {
  const info = workflowInfo();
  const items = input.problems.flatMap((p) =>
    p.assignments.map((a) => ({
      workflowId: workflowIds.rectificationItem(input.feedbackId, p.no, a.unitId),
      problemNo: p.no,
      unitId: a.unitId,
      dueDate: a.dueDate,
      problem: { no: p.no, title: p.title, description: p.description, difficulty: p.difficulty, leadUnitId: p.leadUnitId },
    })),
  );
  const state: FeedbackState = {
    type: 'rectification',
    workflowId: info.workflowId,
    feedbackId: input.feedbackId,
    title: input.title,
    status: 'open',
    items: items.map((i) => ({ workflowId: i.workflowId, problemNo: i.problemNo, unitId: i.unitId, dueDate: i.dueDate, result: null })),
    summary: null,
  };
  setHandler(stateQuery, () => state);

  await acts.projectProcedure({
    workflowId: info.workflowId,
    type: 'rectification',
    parentWorkflowId: null,
    title: input.title,
    unitIds: [...new Set(items.map((i) => i.unitId))].sort(),
    stage: 'rectifying',
    startedBy: input.initiatorId,
    startedAt: new Date(info.startTime).toISOString(),
    data: { feedbackId: input.feedbackId, inspectionGroup: input.inspectionGroup, feedbackDate: input.feedbackDate, items: items.length },
  });

  const results = await Promise.all(
    items.map(async (item, index) => {
      const handle = await startChild(rectificationItem, {
        workflowId: item.workflowId,
        args: [
          {
            feedbackId: input.feedbackId,
            feedbackTitle: input.title,
            inspectionOfficeUnitId: input.inspectionOfficeUnitId,
            initiatorId: input.initiatorId,
            problem: item.problem,
            unitId: item.unitId,
            dueDate: item.dueDate,
          },
        ],
        // Items live and die with their feedback.
        parentClosePolicy: ParentClosePolicy.TERMINATE,
        typedSearchAttributes: [
          { key: SearchAttr.procedureType, value: 'rectificationItem' },
          { key: SearchAttr.units, value: [item.unitId] },
          { key: SearchAttr.stage, value: 'submit' },
        ],
      });
      const result = await handle.result();
      const view = state.items[index];
      if (view) view.result = result;
      return result;
    }),
  );

  const summary = summarize(input.feedbackId, results, new Date().toISOString());
  state.summary = summary;
  state.status = 'closed';
  await acts.closeProcedure({ workflowId: info.workflowId, status: 'closed', stage: 'closed', closedAt: summary.closedAt, result: summary });
  return summary;
}

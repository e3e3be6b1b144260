/** The business workflow ids of every procedure, from their modules, for the tests. */
import { approvalRequestWorkflowId } from '../../procedures/approval-request/messages';
import { cadreSelectionWorkflowId } from '../../procedures/cadre-selection/messages';
import { politicalExaminationWorkflowId } from '../../procedures/political-examination/messages';
import { rectificationItemWorkflowId, rectificationWorkflowId } from '../../procedures/rectification/messages';

export const workflowIds = {
  rectification: rectificationWorkflowId,
  rectificationItem: rectificationItemWorkflowId,
  approvalRequest: approvalRequestWorkflowId,
  cadreSelection: cadreSelectionWorkflowId,
  politicalExamination: politicalExaminationWorkflowId,
};

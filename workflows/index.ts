/** The workflow bundle's entry point: every procedure type the worker runs (procedures/registry.ts lists them). */
export { rectification } from '../procedures/rectification/feedback.workflow';
export { rectificationItem } from '../procedures/rectification/item.workflow';
export { approvalRequest } from '../procedures/approval-request/approval-request.workflow';
export { cadreSelection } from '../procedures/cadre-selection/cadre-selection.workflow';
export { politicalExamination } from '../procedures/political-examination/political-examination.workflow';
export { politicalExaminationBatch } from '../procedures/political-examination/batch.workflow';
export { redeployment } from '../procedures/redeployment/redeployment.workflow';
export { redeploymentTerm } from '../procedures/redeployment/term.workflow';
// Not procedures: the operator jobs that Temporal Schedules run (platform/schedules.ts).
export { anchorAuditJob, reconcileProjectionsJob } from './operations';

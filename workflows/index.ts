/** The workflow bundle's entry point: every procedure type the worker runs. */
export { rectification } from './rectification';
export { rectificationItem } from './rectification-item';
export { approvalRequest } from './approval-request';
export { cadreSelection } from './cadre-selection';

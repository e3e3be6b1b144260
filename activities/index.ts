/**
 * Every side effect of the workflows: the kernel's activities and each procedure module's (through its
 * descriptor, procedures/registry.ts), every failure classified (classify.ts). Each activity is
 * idempotent: rows are keyed by workflow id plus a sequence number the workflow allocated, so a retry
 * or a replay never writes twice.
 */
import { procedureActivities } from '../procedures/registry';
import { withClassifiedFailures } from './classify';
import { createKernelActivities, type ActivityDeps } from './kernel';
import { createOperationsActivities } from './operations';

export type { ActivityDeps } from './kernel';

export function createActivities(deps: ActivityDeps) {
  return withClassifiedFailures({ ...createKernelActivities(deps), ...procedureActivities(deps), ...createOperationsActivities(deps) });
}

export type Activities = ReturnType<typeof createActivities>;

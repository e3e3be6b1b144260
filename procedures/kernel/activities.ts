import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

/**
 * Every side effect of the workflows, as regular activities: their results are history events, which
 * replay in exactly the order they happened even while an Update handler and the main loop run
 * concurrently. None of them is on an action's path: an Update answers from workflow state, and the
 * transition it produced is projected by the API and, for durability, by `project` below.
 *
 * Infrastructure errors retry without end (the database may be down for an hour); programming and
 * data errors are non-retryable ApplicationFailures (activities/classify.ts), so nothing retries for ever
 * on a bug.
 */
export const acts = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * The projection activity: a few PostgreSQL statements, so a short timeout; a worker that dies in the
 * middle is noticed quickly and the write retried (idempotent) on another worker.
 */
export const projection = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

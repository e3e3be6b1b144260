import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

/**
 * The workflows' other side effects, as regular activities: their results are history events, which
 * replay in exactly the order they happened even while an Update handler and the main loop run
 * concurrently. None of them is on an action's path.
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
 * The projection, as a local activity: a few PostgreSQL statements, run by the worker inside the
 * workflow task that produced the transitions, recorded as a marker, not a server round trip. Only the
 * projector's loop calls it, one batch at a time, so no two local activities are ever in flight in one
 * workflow and their markers replay where they were recorded (the replay test covers every procedure).
 * The workflow task, and so the Update's answer, completes once the write is done.
 */
export const localProjection = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

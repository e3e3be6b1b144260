import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

/**
 * Every activity here is a short, idempotent database write or look-up, so they run as local
 * activities: no round trip through the server and fewer history events per step. A retry or a
 * replay after a crash re-runs them, which their idempotency keys make harmless.
 */
export const acts = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  // Longer retry backoffs (e.g. a step nobody is assigned to yet) become durable timers.
  localRetryThreshold: '10 seconds',
});

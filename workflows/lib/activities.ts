import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

/**
 * Every side effect of the workflows. These are regular activities, not local ones, on purpose:
 * an Update handler and the procedure's main loop run concurrently, and a local activity's result
 * is replayed from its marker at a different point than it arrived live, so a replay could issue
 * commands in another order (seen as TMPRL1100 in the cadre selection's tests). Regular activities'
 * results are history events, which replay in exactly the order they happened.
 */
export const acts = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // Retried until master data or the database is back (e.g. a step nobody is assigned to yet).
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * The operator jobs that Temporal Schedules run (platform/schedules.ts): the reconciler, every few
 * minutes, and the daily audit anchor. Each is one activity; the workflow gives it a schedule's
 * overlap policy, retries and a place in the Web UI.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { OperationsActivities, ReconcileSummary } from '../activities/operations';
import type { Anchor } from '../platform/anchor';

const { reconcileProjections } = proxyActivities<OperationsActivities>({
  // A run over every open procedure takes a while; a stuck one is noticed through the heartbeat.
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '5 minutes', maximumAttempts: 3 },
});

const { anchorAuditChains } = proxyActivities<OperationsActivities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes', maximumAttempts: 10 },
});

export async function reconcileProjectionsJob(): Promise<ReconcileSummary> {
  return reconcileProjections();
}

export async function anchorAuditJob(input: { exportTo: string | null }): Promise<Anchor> {
  return anchorAuditChains(input);
}

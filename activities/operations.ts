/**
 * The scheduled operator jobs' activities (workflows/operations.ts): the reconciler and the audit
 * anchor. Both are safe to repeat: a repair is claimed once (activities/projection.ts applyRepair), and an
 * anchor is keyed by its run's workflow id.
 */
import { Context } from '@temporalio/activity';
import { exportAnchor, recordAnchor, type Anchor } from '../platform/anchor';
import { reconcile, type DriftKind } from '../platform/reconcile';
import type { ActivityDeps } from './kernel';

export interface ReconcileSummary {
  checked: number;
  drift: Record<DriftKind, number>;
  repaired: number;
  repairedByKind: Record<DriftKind, number>;
}

export function createOperationsActivities(deps: ActivityDeps) {
  return {
    /** Every open procedure against its workflow, drift repaired; heartbeats once per procedure. */
    async reconcileProjections(): Promise<ReconcileSummary> {
      const ctx = Context.current();
      const r = await reconcile(deps.orm.em.fork(), ctx.client, {
        onProgress: (done, total) => ctx.heartbeat({ done, total }),
        log: (line) => ctx.log.info(line),
      });
      if (r.findings.length) ctx.log.warn('reconciler found drift', { drift: r.drift, repaired: r.repairedByKind });
      // Drift found, repaired or not (not_running, query_failed), is in no table: it is counted where it was
      // found, on this worker's SDK metrics (WORKER_METRICS_PORT), `sum by (kind)` over the workers. Its
      // repairs are counted from the audit on the API's /metrics (tingjin_reconcile_repairs_total).
      const found = ctx.metricMeter.createCounter('tingjin_reconcile_drift', 'drift', 'Projection drift found by the reconciler, by kind');
      for (const [kind, n] of Object.entries(r.drift)) if (n > 0) found.add(n, { kind });
      // The findings stay in the log: a history event is no place for thousands of them.
      return { checked: r.checked, drift: r.drift, repaired: r.repaired, repairedByKind: r.repairedByKind };
    },

    /** Records today's anchor (once per run) and exports its root, when a target is configured. */
    async anchorAuditChains(input: { exportTo: string | null }): Promise<Anchor> {
      const ctx = Context.current();
      const anchor = await recordAnchor(deps.orm.em.fork(), ctx.info.workflowExecution?.workflowId ?? `activity:${ctx.info.activityId}:${new Date().toISOString()}`);
      if (input.exportTo) await exportAnchor(anchor, input.exportTo);
      ctx.log.info('audit anchored', { anchorId: anchor.id, root: anchor.root, procedures: anchor.procedures, exportedTo: input.exportTo });
      return anchor;
    },
  };
}

export type OperationsActivities = ReturnType<typeof createOperationsActivities>;

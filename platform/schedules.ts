/**
 * The Temporal Schedules of the operator jobs (workflows/operations.ts): the reconciler every
 * RECONCILE_EVERY, and the audit anchor daily at AUDIT_ANCHOR_CRON (Beijing time). Created at start-up,
 * idempotently: a schedule that exists is updated to the configuration (a pause an operator set stays).
 * A schedule lives on the Temporal server, so every start of every process may call this; the jobs run on
 * whichever worker polls the task queue.
 */
import path from 'node:path';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsStartWorkflowAction, type ScheduleSpec, type Workflow } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';

export interface SchedulesConfig {
  /** The reconciler's interval (ms-format: '15 minutes', '1h'), or null: no reconcile schedule. */
  reconcileEvery: string | null;
  /** When the daily anchor runs (cron, Asia/Shanghai), or null: no anchor schedule. */
  anchorCron: string | null;
  /** Where each anchor's root is exported: a file path or an http(s) URL; null: not exported. */
  anchorExport: string | null;
}

const off = (raw: string | undefined): boolean => ['off', 'none', 'false', '0'].includes((raw ?? '').trim().toLowerCase());

/**
 * RECONCILE_EVERY (default 15 minutes), AUDIT_ANCHOR_CRON (default 02:00 daily), AUDIT_ANCHOR_EXPORT
 * (default `<data dir>/audit-anchors.jsonl`); `off` turns each off.
 */
export function schedulesConfig(dataDir: string, env: NodeJS.ProcessEnv = process.env): SchedulesConfig {
  const every = env.RECONCILE_EVERY?.trim() || '15 minutes';
  if (!off(every)) {
    let ms = NaN;
    try {
      ms = msToNumber(every as Parameters<typeof msToNumber>[0]);
    } catch {
      /* reported below */
    }
    if (!(ms >= 60_000)) throw new Error(`RECONCILE_EVERY must be a duration of at least a minute ('15 minutes', '1h') or off, got "${every}"`);
  }
  const cron = env.AUDIT_ANCHOR_CRON?.trim() || '0 2 * * *';
  if (!off(cron) && cron.split(/\s+/).length !== 5) throw new Error(`AUDIT_ANCHOR_CRON must be a five-field cron expression or off, got "${cron}"`);
  const exportTo = env.AUDIT_ANCHOR_EXPORT?.trim() || path.join(dataDir, 'audit-anchors.jsonl');
  return { reconcileEvery: off(every) ? null : every, anchorCron: off(cron) ? null : cron, anchorExport: off(exportTo) ? null : exportTo };
}

/** The schedules' ids: per task queue, so stacks on one server (the tests) keep theirs apart. */
export const scheduleIds = (taskQueue: string) => ({ reconcile: `${taskQueue}-reconcile`, anchor: `${taskQueue}-audit-anchor` });

async function ensureSchedule(client: Client, scheduleId: string, spec: ScheduleSpec, action: ScheduleOptionsStartWorkflowAction<Workflow>, catchupWindow: string): Promise<'created' | 'updated'> {
  // A run that overlaps the previous one is skipped; one missed while the server was down runs late,
  // within the catch-up window.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(scheduleId).update((prev) => ({ spec, action, policies, state: { paused: prev.state.paused, ...(prev.state.note ? { note: prev.state.note } : {}) } }));
  return 'updated';
}

/** Creates or updates the operator jobs' schedules; deletes one that the configuration turned off. */
export async function ensureSchedules(client: Client, taskQueue: string, config: SchedulesConfig): Promise<Record<'reconcile' | 'anchor', 'created' | 'updated' | 'off'>> {
  const ids = scheduleIds(taskQueue);
  const drop = async (id: string): Promise<'off'> => {
    await client.schedule
      .getHandle(id)
      .delete()
      .catch(() => undefined);
    return 'off';
  };
  const reconcile = config.reconcileEvery
    ? await ensureSchedule(client, ids.reconcile, { intervals: [{ every: config.reconcileEvery as `${number}m` }] }, { type: 'startWorkflow', workflowType: 'reconcileProjectionsJob', workflowId: ids.reconcile, taskQueue, args: [] }, '10 minutes')
    : await drop(ids.reconcile);
  const anchor = config.anchorCron
    ? await ensureSchedule(
        client,
        ids.anchor,
        { cronExpressions: [config.anchorCron], timezone: 'Asia/Shanghai' },
        { type: 'startWorkflow', workflowType: 'anchorAuditJob', workflowId: ids.anchor, taskQueue, args: [{ exportTo: config.anchorExport }] },
        // A day's anchor missed while the server was down is still taken, late.
        '1 day',
      )
    : await drop(ids.anchor);
  return { reconcile, anchor };
}

/** Rectification items for the supervision tests, made overdue or due soon by rewriting their projection. */
import { addDays, chinaDateOf, startOfChinaDay } from '../../domain/dates';
import { addWorkingDays } from '../../domain/calendar';
import { ProcedureSchema } from '../../platform/entities';
import { newKey, inboxTask, type Http } from './api';
import type { TestEnv } from './env';
import { workflowIds } from './ids';
import { loadTestYearOver, testDate } from './rectification';

/** The instant work due `n` working days from today (negative: ago) falls overdue: the end of that day. */
export function dueInWorkingDays(n: number, now = new Date()): Date {
  return new Date(startOfChinaDay(addDays(addWorkingDays(chinaDateOf(now), n), 1)));
}

/** Starts a one-problem rectification for `unitId` and waits for its submit task; returns the item's workflow id. */
export async function startItem(h: Http, feedbackId: string, unitId: string): Promise<string> {
  // Dated in the test year, so an item is never overdue by the real clock: the views see only the deadlines setDue writes.
  await loadTestYearOver(h);
  const r = await h.call('POST', '/procedures/rectification', {
    token: await h.login('zzb-staff'),
    key: newKey(),
    body: {
      feedbackId,
      title: '市委第一巡察组反馈意见',
      inspectionGroup: '市委第一巡察组',
      feedbackDate: testDate('11-20'),
      problems: [{ no: '1', title: '干部选拔任用程序不规范', leadUnitId: 'zzb', assignments: [{ unitId, dueDate: testDate('12-31') }] }],
      // One item and nothing else: the supervision views count what they are given (no 整改报告, on by default).
      report: false,
    },
  });
  if (r.status !== 201) throw new Error(`start: ${r.status} ${JSON.stringify(r.body)}`);
  const wf = workflowIds.rectificationItem(feedbackId, '1', unitId);
  await inboxTask(h, unitId === 'jyj' ? 'jyj-staff' : 'wjw-staff', wf, 'submit');
  return wf;
}

/**
 * Moves an item's deadline in its projection. The deadline watcher itself is covered by the workflow
 * tests; the supervision views read only the projection, so that is what is set here.
 */
export async function setDue(t: TestEnv, workflowId: string, dueAt: Date, o: { overdue: boolean; rung?: 'supervisionNotice' | 'warning' | 'accountability' }): Promise<void> {
  await t.orm.em
    .fork()
    .nativeUpdate(ProcedureSchema, { workflowId }, { dueAt, overdue: o.overdue, escalation: o.rung ? { rung: o.rung, at: dueAt.toISOString() } : null });
}

/**
 * The deadline watcher: a reminder (催办) some working days before the deadline, overdue at the
 * deadline, then the overdue ladder (挂账督办: 督办通知 → 预警 with a new final date → 问责). The
 * instants come from activities (the working-day calendar) and are recorded in history. Each rung is
 * computed on its own when the one before it has fired, so a calendar year not loaded yet holds back
 * only the rung that falls in it, retried daily until the year is loaded.
 */
import { condition, log, upsertSearchAttributes } from '@temporalio/workflow';
import { acts } from './activities';
import { SearchAttr, type ActionRecord, type NotificationData, type TaskView } from './messages';
import type { Projector } from './projector';
import { waitUntil } from './time';

export const ESCALATION_RUNGS = ['supervisionNotice', 'warning', 'accountability'] as const;
export type EscalationRungName = (typeof ESCALATION_RUNGS)[number];
const RUNG_TEXT: Record<EscalationRungName, string> = { supervisionNotice: '督办通知', warning: '预警', accountability: '问责' };

export interface EscalationRungRule {
  rung: EscalationRungName;
  /** Working days after the (effective) due date when the rung fires, at 09:00 China time; 0 = when it falls overdue. */
  workingDaysAfterDue: number;
  /** A warning sets a new final date this many working days after the due date. */
  finalDateWorkingDaysAfterDue?: number;
  /** Accountability fires when the final date set by the warning has passed. */
  atFinalDate?: boolean;
}

/** One rung as an absolute instant, computed by an activity and recorded in history. */
export interface EscalationStep {
  rung: EscalationRungName;
  at: string;
  /** The new final date a warning sets (YYYY-MM-DD). */
  finalDate?: string;
}

export interface Deadlines {
  /** The instant the work falls overdue: the end of the due date, moved to a working day. */
  dueAt: string;
  /** When the reminder goes out, a few working days before. */
  remindAt: string;
  /** The working day the due date resolved to. */
  effectiveDueDate: string;
}

export interface WatchOptions {
  deadlines: Deadlines;
  ladder: readonly EscalationRungRule[];
  title: string;
  projector: Projector;
  openTasks: () => TaskView[];
  /** The watch ends once this holds. */
  done: () => boolean;
  record: (r: ActionRecord) => void;
  /** Parents flagged overdue with this procedure. */
  flagOverdue?: string[];
  onRemind?: () => void;
  onOverdue?: () => void;
  onRung?: (rung: EscalationStep) => void;
}

/** Runs until the deadline's ladder is exhausted or `done()` holds. */
export async function watchDeadline(o: WatchOptions): Promise<void> {
  const d = o.deadlines;
  const fire = (action: string, note: Omit<NotificationData, 'userIds'>, data: unknown, extra: { flagOverdue?: string[] } = {}): void => {
    const open = o.openTasks();
    const seq = o.projector.nextSeq();
    const at = new Date().toISOString();
    const first = open[0];
    o.record({ seq, taskId: first?.taskId ?? null, step: first?.step ?? null, actorId: 'system', action, at });
    o.projector.emit({
      seq,
      action: { taskId: first?.taskId ?? null, step: first?.step ?? null, actorId: 'system', action, data },
      notifications: [{ ...note, userIds: [...new Set(open.flatMap((t) => t.assigneeIds))] }],
      ...extra,
    });
  };

  if (!(await waitUntil(o.done, d.remindAt))) {
    o.onRemind?.();
    fire('remind', { kind: 'remind', message: `「${o.title}」 is due at ${d.dueAt}` }, { dueAt: d.dueAt });
  }
  if (await waitUntil(o.done, d.dueAt)) return;
  o.onOverdue?.();
  o.projector.row.overdue = true;
  upsertSearchAttributes([{ key: SearchAttr.overdue, value: true }]);
  fire('overdue', { kind: 'overdue', supervisors: true, message: `「${o.title}」 is overdue since ${d.dueAt}` }, { dueAt: d.dueAt }, o.flagOverdue ? { flagOverdue: o.flagOverdue } : {});

  let finalDate: string | undefined;
  for (const rule of o.ladder) {
    let rung: EscalationStep | null = null;
    while (rung === null) {
      try {
        rung = await acts.computeRung({ rule, effectiveDueDate: d.effectiveDueDate, ...(finalDate ? { finalDate } : {}) });
      } catch (err) {
        // The calendar does not cover the rung's year yet (or the ladder is misconfigured): try daily.
        log.warn('overdue rung not computable yet', { rung: rule.rung, error: String(err) });
        if (await condition(o.done, '1 day')) return;
      }
    }
    if (rung.finalDate) finalDate = rung.finalDate;
    if (await waitUntil(o.done, rung.at)) return;
    o.onRung?.(rung);
    o.projector.row.escalation = rung;
    fire(
      'escalate',
      { kind: 'escalation', supervisors: true, message: `${RUNG_TEXT[rung.rung]}:「${o.title}」 overdue since ${d.dueAt}${rung.finalDate ? `; final date ${rung.finalDate}` : ''}` },
      rung,
    );
  }
}

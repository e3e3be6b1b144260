/**
 * The deadline watch of an item and of a report (整改报告): the reminder, overdue, then the item ladder
 * (ITEM_ESCALATION_LADDER), each noted in the procedure's own state. One place for both, so a report falls
 * overdue exactly as an item does.
 */
import { watchDeadline, type Deadlines, type EscalationStep } from '../kernel/deadline';
import type { createKernel } from '../kernel/procedure';
import { ITEM_ESCALATION_LADDER } from './rules';

/** What the watch notes in the procedure's state. */
export interface WatchedState {
  reminded: boolean;
  overdue: boolean;
  escalations: EscalationStep[];
}

/** The parts of a procedure's kernel the watch reads and writes. */
type Kernel = ReturnType<typeof createKernel<string>>;
type Watched = Pick<Kernel, 'projector' | 'state' | 'record' | 'parentWorkflowId'> & { flow: Pick<Kernel['flow'], 'openTasks'> };

export function watchRectificationDeadline(k: Watched, deadlines: Deadlines, title: string, own: WatchedState): Promise<void> {
  return watchDeadline({
    deadlines,
    ladder: ITEM_ESCALATION_LADDER,
    title,
    projector: k.projector,
    openTasks: () => k.flow.openTasks(),
    done: () => k.state.status !== 'open',
    record: k.record,
    ...(k.parentWorkflowId ? { flagOverdue: [k.parentWorkflowId] } : {}),
    onRemind: () => {
      own.reminded = true;
    },
    onOverdue: () => {
      own.overdue = true;
    },
    onRung: (rung) => {
      own.escalations.push(rung);
    },
  });
}

/**
 * Actions on a procedure rather than on one task, shared by every procedure built on the approval
 * block: withdraw (撤回, the initiator while nobody has acted), urge (催办, a supervisor or the
 * initiator, on a pending task), copy (抄送, people taking part or a supervisor inform others) and
 * closeVote (the organizer closes the running vote; refused without a quorum). One handler, one set of
 * rules, for every procedure.
 */
import { condition, setHandler } from '@temporalio/workflow';
import { answer } from './act';
import type { ApprovalFlow } from './approval';
import { KernelRefusal, manageUpdate, type ActResult, type ActionRecord, type ManageInput, type NotificationData } from './messages';
import type { Projector } from './projector';
import { assertCleanText, refuse } from './refuse';

export interface ManageCapabilities {
  withdraw: boolean;
  urge: boolean;
  copy: boolean;
  closeVote: boolean;
}

export interface ManageContext {
  initiatorId: string;
  title: string;
  /** What the procedure is called in messages: item, request, … */
  noun: string;
  can: ManageCapabilities;
  flow: Pick<ApprovalFlow<string>, 'openTasks' | 'hasAnyoneActed' | 'cancelAll' | 'validateCloseVote' | 'closeVote' | 'isRunning' | 'isIdle' | 'view'>;
  projector: Projector;
  status: () => string;
  stage: () => string;
  /** Everyone who has acted so far. */
  actors: () => string[];
  record: (r: ActionRecord) => void;
  /** Called synchronously when a withdrawal is accepted, before the open tasks are cancelled. */
  onWithdraw: () => void;
  /**
   * Whether the procedure is overdue now. Withdrawing an overdue procedure would take its lateness out of
   * the figures, so it needs a supervisor, with a reason, instead of the initiator.
   */
  overdue?: () => boolean;
}

/** Registers the `manage` Update. Call before the procedure's first await. */
export function registerManageHandler(ctx: ManageContext): void {
  const validate = (m: ManageInput): void => {
    assertCleanText(m);
    if (!ctx.can[m.action]) throw refuse(KernelRefusal.actionNotAllowed, `a ${ctx.noun} cannot be acted on with ${m.action}`, { field: 'action' });
    if (ctx.status() !== 'open') throw refuse(KernelRefusal.notAllowed, `the ${ctx.noun} is ${ctx.status()}`);
    if (m.action === 'withdraw') {
      if (ctx.overdue?.()) {
        if (!m.actorRoles.includes('supervisor')) throw refuse(KernelRefusal.cannotWithdraw, `the ${ctx.noun} is overdue: only a supervisor can withdraw it, with a reason`);
        if (!m.comment?.trim()) throw refuse(KernelRefusal.invalidInput, `withdrawing an overdue ${ctx.noun} needs a reason`, { field: 'comment' });
      } else if (m.actorId !== ctx.initiatorId) throw refuse(KernelRefusal.cannotWithdraw, 'only the initiator can withdraw');
      if (ctx.flow.hasAnyoneActed()) throw refuse(KernelRefusal.cannotWithdraw, 'somebody has already acted; it can no longer be withdrawn');
    } else if (m.action === 'urge') {
      if (m.actorId !== ctx.initiatorId && !m.actorRoles.includes('supervisor')) throw refuse(KernelRefusal.notAllowed, 'only a supervisor or the initiator can urge');
      if (!ctx.flow.openTasks().some((t) => t.taskId === m.taskId)) throw refuse(KernelRefusal.taskNotPending, 'the task to urge is not pending', { field: 'taskId' });
    } else if (m.action === 'copy') {
      const involved = new Set([ctx.initiatorId, ...ctx.flow.openTasks().flatMap((t) => t.assigneeIds), ...ctx.actors()]);
      if (!involved.has(m.actorId) && !m.actorRoles.includes('supervisor')) {
        throw refuse(KernelRefusal.notAllowed, `only people taking part, or a supervisor, can copy this ${ctx.noun} to others`);
      }
      if (!m.userIds?.length) throw refuse(KernelRefusal.invalidTarget, 'copy needs at least one person', { field: 'userIds' });
    } else {
      if (m.actorId !== ctx.initiatorId) throw refuse(KernelRefusal.notAllowed, 'only the initiator, who organizes the vote, can close it');
      ctx.flow.validateCloseVote();
    }
  };

  setHandler(
    manageUpdate,
    async (m: ManageInput): Promise<ActResult> => {
      const seq = ctx.projector.nextSeq();
      const at = new Date().toISOString();
      const task = ctx.flow.openTasks().find((t) => t.taskId === m.taskId);
      const step = task?.step ?? ctx.flow.view()?.key ?? null;
      ctx.record({ seq, taskId: task?.taskId ?? null, step, actorId: m.actorId, action: m.action, at, ...(m.comment ? { comment: m.comment } : {}) });
      const action = { taskId: null, step, actorId: m.actorId, action: m.action, ...(m.comment ? { comment: m.comment } : {}) };
      if (m.action === 'withdraw') {
        ctx.onWithdraw();
        const changes = ctx.flow.cancelAll(m.actorId, at);
        ctx.projector.emit({ seq, action: { ...action, data: null }, ...changes });
        await condition(() => ctx.status() !== 'open');
        return answer(ctx, null, m.action, seq, []);
      }
      if (m.action === 'closeVote') {
        // Decided here, before any await, so a concurrent ballot's validator already sees the vote closed.
        const { absent, ...changes } = ctx.flow.closeVote(m.actorId, at);
        ctx.projector.emit({ seq, action: { ...action, data: { absent } }, ...changes });
        // The principal may still have to vote; otherwise the step is decided and the loop moves on.
        await condition(() => ctx.flow.isRunning() || ctx.flow.isIdle() || ctx.status() !== 'open');
        return answer(ctx, null, m.action, seq, []);
      }
      const notified = m.action === 'urge' ? (task?.assigneeIds ?? []) : (m.userIds ?? []);
      const what = m.action === 'urge' ? '催办' : '抄送';
      const note: NotificationData = { kind: m.action, userIds: notified, message: `${what}:「${ctx.title}」${m.comment ? ` — ${m.comment}` : ''}` };
      // The task stays open: urging or copying does not close it.
      ctx.projector.emit({ seq, action: { ...action, data: { taskId: m.taskId ?? null, userIds: m.userIds ?? [] } }, notifications: [note] });
      return answer(ctx, null, m.action, seq, notified);
    },
    { validator: validate },
  );
}

/**
 * Actions on a procedure rather than on one task, shared by every procedure built on the approval
 * block: withdraw (撤回, the initiator while nobody has acted), urge (催办, a supervisor or the
 * initiator, on a pending task) and copy (抄送, people taking part or a supervisor inform others).
 */
import { condition, setHandler } from '@temporalio/workflow';
import { manageUpdate, Refusal, type ActionRecord, type ManageInput, type ManageResult } from '../definitions';
import { acts } from './activities';
import type { ApprovalFlow } from './approval';
import { refuse } from './refuse';

export interface ManageContext {
  workflowId: string;
  initiatorId: string;
  title: string;
  /** What the procedure is called in messages: item, request, … */
  noun: string;
  flow: Pick<ApprovalFlow<string>, 'openTasks' | 'hasAnyoneActed' | 'cancelAll'>;
  status: () => ManageResult['status'];
  /** Everyone who has acted so far. */
  actors: () => string[];
  record: (r: ActionRecord) => void;
  nextSeq: () => number;
  /** Called synchronously when a withdrawal is accepted, before the open tasks are cancelled. */
  onWithdraw: () => void;
}

/** Registers the `manage` Update. Call before the procedure's first await. */
export function registerManageHandler(ctx: ManageContext): void {
  const validate = (m: ManageInput): void => {
    if (ctx.status() !== 'open') throw refuse(Refusal.notAllowed, `the ${ctx.noun} is ${ctx.status()}`);
    if (m.action === 'withdraw') {
      if (m.actorId !== ctx.initiatorId) throw refuse(Refusal.cannotWithdraw, 'only the initiator can withdraw');
      if (ctx.flow.hasAnyoneActed()) throw refuse(Refusal.cannotWithdraw, 'somebody has already acted; it can no longer be withdrawn');
    } else if (m.action === 'urge') {
      if (m.actorId !== ctx.initiatorId && !m.actorRoles.includes('supervisor')) {
        throw refuse(Refusal.notAllowed, 'only a supervisor or the initiator can urge');
      }
      if (!ctx.flow.openTasks().some((t) => t.taskId === m.taskId)) {
        throw refuse(Refusal.taskNotPending, `task ${m.taskId ?? '(none)'} is not pending`, { field: 'taskId' });
      }
    } else {
      const involved = new Set([ctx.initiatorId, ...ctx.flow.openTasks().flatMap((t) => t.assigneeIds), ...ctx.actors()]);
      if (!involved.has(m.actorId) && !m.actorRoles.includes('supervisor')) {
        throw refuse(Refusal.notAllowed, `only people taking part, or a supervisor, can copy this ${ctx.noun} to others`);
      }
      if (!m.userIds?.length) throw refuse(Refusal.invalidTarget, 'copy needs at least one person', { field: 'userIds' });
    }
  };

  setHandler(
    manageUpdate,
    async (m: ManageInput): Promise<ManageResult> => {
      const seq = ctx.nextSeq();
      const at = new Date().toISOString();
      const task = ctx.flow.openTasks().find((t) => t.taskId === m.taskId);
      ctx.record({ seq, taskId: task?.taskId ?? null, step: task?.step ?? null, actorId: m.actorId, action: m.action, at, ...(m.comment ? { comment: m.comment } : {}) });
      if (m.action === 'withdraw') ctx.onWithdraw();
      // taskId is null: urging or copying does not close the task.
      await acts.recordAction({
        workflowId: ctx.workflowId,
        seq,
        taskId: null,
        step: task?.step ?? null,
        actorId: m.actorId,
        action: m.action,
        comment: m.comment,
        data: { taskId: m.taskId ?? null, userIds: m.userIds ?? [] },
        at,
      });
      let notified: string[] = [];
      if (m.action === 'withdraw') {
        await ctx.flow.cancelAll(m.actorId, at);
        await condition(() => ctx.status() !== 'open');
      } else {
        notified = m.action === 'urge' ? (task?.assigneeIds ?? []) : (m.userIds ?? []);
        const what = m.action === 'urge' ? '催办' : '抄送';
        await acts.notifyUsers({
          workflowId: ctx.workflowId,
          seq,
          kind: m.action,
          userIds: notified,
          message: `${what}:「${ctx.title}」${m.comment ? ` — ${m.comment}` : ''}`,
          at,
        });
      }
      return { action: m.action, status: ctx.status(), notified };
    },
    { validator: validate },
  );
}

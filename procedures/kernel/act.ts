/**
 * The `act` Update of a procedure built on the approval block: validate synchronously (a refusal
 * leaves no trace), record and apply the action before anything awaits, let the procedure's loop react
 * in the same workflow task, then answer with the transitions for the API to project.
 */
import { setHandler } from '@temporalio/workflow';
import { voteRecord } from './vote';
import { actUpdate, KernelRefusal, type ActInput, type ActResult, type ActionRecord, type TaskView } from './messages';
import type { ApprovalFlow } from './approval';
import type { Projector } from './projector';
import { assertCleanText, refuse } from './refuse';

export interface ActContext {
  /** voteRule: absent where no step votes (flows side by side, parallel.ts). */
  flow: Pick<ApprovalFlow<string>, 'taskOf' | 'apply' | 'openTasks' | 'validate' | 'isRunning'> & Partial<Pick<ApprovalFlow<string>, 'voteRule'>>;
  projector: Projector;
  /** What the procedure is called in messages: item, request, selection, … */
  noun: string;
  status: () => string;
  stage: () => string;
  record: (r: ActionRecord) => void;
  /**
   * The procedure's rules that come before the block's: who may act on a task of this step at all (the
   * subject, the cadre), so their own refusal names the rule rather than the block's not_assignee.
   */
  guard?: (a: ActInput) => void;
  /** The procedure's own rules, checked after the block's. */
  validate?: (a: ActInput) => void;
  /** Business state the action changes, applied synchronously before the block applies it. */
  before?: (a: ActInput, task: TaskView) => void;
  /** What the action records with itself; nothing by default. */
  data?: (a: ActInput) => unknown;
  /** When the answer may go out; by default once a step runs again or the procedure has ended. */
  settled?: () => boolean;
}

/** The answer to an action: the procedure's position now, and every transition from `seq` on. */
export function answer(ctx: { flow: Pick<ApprovalFlow<string>, 'openTasks'> } & Pick<ActContext, 'projector' | 'status' | 'stage'>, taskId: string | null, action: string, seq: number, notified?: string[]): ActResult {
  const open = ctx.flow.openTasks();
  return {
    taskId,
    action,
    status: ctx.status(),
    stage: ctx.stage(),
    nextTask: open[0] ?? null,
    openTasks: open,
    ...(notified ? { notified } : {}),
    transitions: ctx.projector.since(seq),
  };
}

/** Registers the `act` Update. Call before the procedure's first await. */
export function registerActHandler(ctx: ActContext): void {
  const settled = ctx.settled ?? (() => ctx.flow.isRunning() || ctx.status() !== 'open');
  setHandler(
    actUpdate,
    async (a: ActInput): Promise<ActResult> => {
      const task = ctx.flow.taskOf(a.taskId) as TaskView;
      const seq = ctx.projector.nextSeq();
      const at = new Date().toISOString();
      ctx.before?.(a, task);
      ctx.record({ seq, taskId: a.taskId, step: task.step, actorId: a.actorId, action: a.action, at, ...(a.comment ? { comment: a.comment } : {}) });
      const data = ctx.data?.(a);
      // Taken before the ballot is applied, which may decide the vote.
      const voteRule = ctx.flow.voteRule?.() ?? {};
      const changes = ctx.flow.apply(a, data);
      ctx.projector.emit({
        seq,
        action: {
          taskId: a.taskId,
          step: task.step,
          actorId: a.actorId,
          action: a.action,
          ...(a.comment ? { comment: a.comment } : {}),
          // Approvals carry their step's data; votes their ballots (unless secret, 无记名); transfers, added
          // signers and returns where they went.
          data:
            data ??
            (a.action === 'vote'
              ? voteRecord(voteRule, { ballots: a.ballots ?? [] })
              : a.action === 'transfer' || a.action === 'addSigner' || a.action === 'return'
                ? { targetUserId: a.targetUserId ?? null, position: a.position ?? null, returnTo: a.returnTo ?? null }
                : null),
        },
        ...changes,
      });
      // The loop reacts in this same workflow task (it awaits nothing on this path): the next step's
      // tasks are open when this answers. The projection activity runs within the same workflow task
      // too, and the answer waits for it: what it answers is in PostgreSQL, and the API writes nothing.
      await ctx.projector.answered(settled);
      return answer(ctx, a.taskId, a.action, seq);
    },
    {
      validator: (a: ActInput) => {
        assertCleanText(a);
        if (ctx.status() !== 'open') throw refuse(KernelRefusal.taskNotPending, `the task is not pending: the ${ctx.noun} is ${ctx.status()}`, { field: 'taskId' });
        ctx.guard?.(a);
        ctx.flow.validate(a);
        ctx.validate?.(a);
      },
    },
  );
}

/**
 * The `act` Update of a procedure built on the approval block: one place for the order every
 * procedure relies on — validate synchronously, change business state before any await, record,
 * apply, then answer once the procedure has settled, so the caller's inbox is current.
 */
import { condition, setHandler } from '@temporalio/workflow';
import { actUpdate, Refusal, type ActInput, type ActionRecord, type ActResult, type TaskView } from '../definitions';
import type { ApprovalFlow } from './approval';
import { refuse } from './refuse';

export interface ActContext {
  flow: Pick<ApprovalFlow<string>, 'taskOf' | 'apply' | 'openTasks' | 'validate'>;
  /** What the procedure is called in messages: item, request, selection, … */
  noun: string;
  status: () => string;
  stage: () => string;
  record: (r: ActionRecord) => void;
  nextSeq: () => number;
  /** The procedure's own rules, checked after the block's. */
  validate?: (a: ActInput) => void;
  /** Business state the action changes, applied synchronously before anything awaits. */
  before?: (a: ActInput, task: TaskView | undefined) => void;
  /** What the action records with itself; nothing by default. */
  data?: (a: ActInput) => unknown;
  /** When the answer may go out: the next tasks are open, or the step or procedure ended. */
  settled: () => boolean;
  /** The status reported in the answer. */
  resultStatus: () => ActResult['status'];
}

/** Registers the `act` Update. Call before the procedure's first await. */
export function registerActHandler(ctx: ActContext): void {
  setHandler(
    actUpdate,
    async (a: ActInput): Promise<ActResult> => {
      const task = ctx.flow.taskOf(a.taskId);
      const seq = ctx.nextSeq();
      ctx.before?.(a, task);
      ctx.record({ seq, taskId: a.taskId, step: task?.step ?? null, actorId: a.actorId, action: a.action, at: new Date().toISOString(), ...(a.comment ? { comment: a.comment } : {}) });
      await ctx.flow.apply(a, ctx.data?.(a), seq);
      await condition(() => ctx.settled() || ctx.status() !== 'open');
      const open = ctx.flow.openTasks();
      return { taskId: a.taskId, action: a.action, status: ctx.resultStatus(), stage: ctx.stage(), nextTask: open[0] ?? null, openTasks: open };
    },
    {
      validator: (a: ActInput) => {
        if (ctx.status() !== 'open') throw refuse(Refusal.taskNotPending, `task ${a.taskId} is not pending: the ${ctx.noun} is ${ctx.status()}`);
        ctx.flow.validate(a);
        ctx.validate?.(a);
      },
    },
  );
}

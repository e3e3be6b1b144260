import { setHandler, workflowInfo } from '@temporalio/workflow';
import { answer } from './act';
import type { ApprovalFlow } from './approval';
import { openedUpdate } from './messages';
import type { Projector } from './projector';

/**
 * Registers the Update sent with the start (update-with-start): it answers once the procedure has
 * opened its first tasks, with the start's transitions, so the API's 201 lists them and they are in
 * the inbox when it answers. Call before the procedure's first await.
 */
export function registerOpened(ctx: {
  flow: Pick<ApprovalFlow<string>, 'openTasks' | 'isRunning'>;
  projector: Projector;
  status: () => string;
  stage: () => string;
  /** When the start has settled; by default once a step runs or the procedure has ended. */
  settled?: () => boolean;
}): void {
  const settled = ctx.settled ?? (() => ctx.flow.isRunning() || ctx.status() !== 'open');
  setHandler(openedUpdate, async () => {
    // As an action's answer (act.ts), once its transitions are in PostgreSQL.
    await ctx.projector.answered(settled);
    return { ...answer(ctx, null, 'start', 0), runId: workflowInfo().runId };
  });
}

/**
 * The start's answer of a parent that has no tasks of its own (a feedback, a batch): its children open
 * theirs as they start. It answers at once, with the start's transitions.
 */
export function registerParentOpened(ctx: { projector: Projector; status: () => string; stage: () => string }): void {
  setHandler(openedUpdate, () => ({
    taskId: null,
    action: 'start',
    status: ctx.status(),
    stage: ctx.stage(),
    nextTask: null,
    openTasks: [],
    transitions: ctx.projector.since(0),
    runId: workflowInfo().runId,
  }));
}

/**
 * Several approval flows side by side in one procedure: strands of work that run in parallel, each with
 * its own task and deadline (a political examination's evidence strands), beside the procedure's main
 * steps. The flows share one task counter, so task ids stay unique, and the combination answers the
 * kernel's `act`, `manage` and `opened` handlers as one flow: an action goes to the flow whose task it
 * names.
 */
import type { ApprovalFlow, StepRunView, TaskChanges } from './approval';
import { KernelRefusal, type ActInput, type TaskView } from './messages';
import { refuse } from './refuse';

/** One numbering of tasks for every flow of a procedure (ApprovalFlowOptions.nextTaskSeq), after `from`. */
export function createTaskCounter(from = 0): () => number {
  let seq = from;
  return () => ++seq;
}

type AnyFlow = ApprovalFlow<string>;

/** The flows as one: `flows()` lists them, the main flow first. */
export function combineFlows(flows: () => readonly AnyFlow[]) {
  const owner = (taskId: string): AnyFlow | undefined => flows().find((f) => f.taskOf(taskId));
  const openTasks = (): TaskView[] => flows().flatMap((f) => f.openTasks()).sort((a, b) => a.seq - b.seq);
  return {
    taskOf: (taskId: string): TaskView | undefined => owner(taskId)?.taskOf(taskId),
    validate(a: ActInput): void {
      const f = owner(a.taskId);
      if (!f) throw refuse(KernelRefusal.taskNotPending, 'the task is not pending', { field: 'taskId' });
      f.validate(a);
    },
    apply: (a: ActInput, data: unknown): TaskChanges => (owner(a.taskId) as AnyFlow).apply(a, data),
    openTasks,
    isRunning: (): boolean => flows().some((f) => f.isRunning()),
    isIdle: (): boolean => flows().every((f) => f.isIdle()),
    hasAnyoneActed: (): boolean => flows().some((f) => f.hasAnyoneActed()),
    /** The first running step, for the steps an urge or a copy is recorded on. */
    view: (): StepRunView | null => flows().map((f) => f.view()).find((v) => v !== null) ?? null,
    cancelAll(by: string, at: string): TaskChanges {
      const changes: TaskChanges = { closed: [], opened: [] };
      for (const f of flows()) changes.closed.push(...f.cancelAll(by, at).closed);
      return changes;
    },
    // Parallel strands are not votes; a procedure combining flows does not offer closeVote.
    validateCloseVote(): void {
      throw refuse(KernelRefusal.actionNotAllowed, 'no vote is open: the current step is not a vote');
    },
    closeVote(): TaskChanges & { absent: string[] } {
      return { closed: [], opened: [], absent: [] };
    },
  };
}

export type CombinedFlow = ReturnType<typeof combineFlows>;

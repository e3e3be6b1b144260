/**
 * The bench's baseline (bench/side-by-side.ts only; not part of tingjin's bundle): a bare sequential
 * approval of N steps whose Update handler awaits ONE activity, regular or local, that does one
 * PostgreSQL insert. It is what "an action is an Update that awaits a write" costs with nothing else
 * around it: no auth, no idempotency table, no projection, no audit chain.
 *
 * Deterministic workflow code: it imports only @temporalio/workflow, and the activities as a type.
 */
import { allHandlersFinished, condition, defineUpdate, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';

export const BASELINE_TASK_QUEUE = 'bench-baseline';

export interface BaselineActivities {
  /** insert into bench_row (workflow_id, step, actor_id) … on conflict do nothing. */
  recordApproval(row: { workflowId: string; step: number; actorId: string }): Promise<void>;
}

export interface BaselineInput {
  steps: number;
  /** Await a local activity instead of a regular one. */
  local: boolean;
}

export interface ApproveInput {
  /** The step this approval is for: 0, 1, …; anything but the pending step is refused. */
  step: number;
  actorId: string;
}

export interface ApproveAnswer {
  /** Steps approved so far. */
  approved: number;
  done: boolean;
}

export const approveUpdate = defineUpdate<ApproveAnswer, [ApproveInput]>('approve');

const retry = { initialInterval: '1 second', maximumInterval: '1 minute' };
const regular = proxyActivities<BaselineActivities>({ startToCloseTimeout: '30 seconds', retry });
const local = proxyLocalActivities<BaselineActivities>({ startToCloseTimeout: '30 seconds', retry });

export async function baselineApproval(input: BaselineInput): Promise<{ approved: number }> {
  const acts = input.local ? local : regular;
  const { workflowId } = workflowInfo();
  let approved = 0;
  let busy = false;
  setHandler(
    approveUpdate,
    async (a: ApproveInput): Promise<ApproveAnswer> => {
      busy = true;
      try {
        await acts.recordApproval({ workflowId, step: a.step, actorId: a.actorId });
        approved += 1;
        return { approved, done: approved >= input.steps };
      } finally {
        busy = false;
      }
    },
    {
      validator: (a: ApproveInput) => {
        if (busy || a.step !== approved || approved >= input.steps) throw new Error(`step ${a.step} is not pending`);
      },
    },
  );
  await condition(() => approved >= input.steps);
  await condition(allHandlersFinished);
  return { approved };
}

/**
 * How the API talks to Temporal: starting a procedure under its business id, sending an action as
 * a Workflow Update with a deadline, and finding a procedure's type. Every route goes through these,
 * so the conflict policy, the Update id and the error translation are written once.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { ProcedureSchema } from '../platform/entities';
import { SearchAttr, type ProcedureType } from '../workflows/definitions';
import { Conflict, fromTemporal, Unavailable } from './errors';
import type { ApiDeps } from './routes/context';

const UPDATE_DEADLINE_MS = 30_000;

/**
 * Sends one action as a Workflow Update. The update id is the user's Idempotency-Key: Temporal
 * deduplicates Updates by id within a run, so a concurrent repeat gets the first outcome.
 */
export async function sendUpdate<Ret, Arg>(
  client: Client,
  workflowId: string,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  updateId: string,
): Promise<Ret> {
  try {
    return await client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
      client.workflow.getHandle(workflowId).executeUpdate(update, { args: [arg], updateId }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      throw new Unavailable(
        'worker_unavailable',
        `no worker answered within ${UPDATE_DEADLINE_MS / 1000} s; repeat the request with the same Idempotency-Key to get its outcome`,
      );
    }
    const mapped = fromTemporal(err);
    if (mapped?.status === 404) throw new Conflict('procedure_ended', 'the procedure has ended');
    throw mapped ?? err;
  }
}

/**
 * Starts a procedure under its business workflow id: a procedure is opened once, so a second start
 * is a conflict (procedure_exists), not a second run.
 */
export async function startProcedure<I>(
  deps: ApiDeps,
  type: ProcedureType,
  opts: { workflowId: string; input: I; units: string[]; stage: string; items?: string[] },
): Promise<{ status: 201; body: { workflowId: string; runId: string; type: ProcedureType; items: string[] } }> {
  // Every procedure takes one input object.
  const handle = await deps.client.workflow.start<(input: I) => Promise<unknown>>(type, {
    taskQueue: deps.taskQueue,
    workflowId: opts.workflowId,
    args: [opts.input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    typedSearchAttributes: [
      { key: SearchAttr.procedureType, value: type },
      { key: SearchAttr.units, value: [...new Set(opts.units)].sort() },
      { key: SearchAttr.stage, value: opts.stage },
    ],
  });
  return { status: 201, body: { workflowId: opts.workflowId, runId: handle.firstExecutionRunId, type, items: opts.items ?? [] } };
}

/**
 * A procedure's type, or null if there is none. Right after a start its projection may not be
 * written yet, so Temporal is asked when PostgreSQL does not know the id.
 */
export async function procedureTypeOf(em: EntityManager, client: Client, workflowId: string): Promise<string | null> {
  const row = await em.findOne(ProcedureSchema, { workflowId });
  if (row) return row.type;
  return client.workflow
    .getHandle(workflowId)
    .describe()
    .then(
      (d) => d.type,
      () => null,
    );
}

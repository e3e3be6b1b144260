/**
 * How the API talks to Temporal: a start is opened by the API itself where its module says how
 * (startOpened), else it is an update-with-start whose answer carries the first tasks; an action is one
 * Workflow Update. In every case the first tasks and the transitions are in PostgreSQL before the API
 * answers (read-your-writes).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { applyTransitions } from '../activities/projection';
import { sql } from '../activities/sql';
import { annotateLog, contextFields, log, withLogFields } from '../platform/log';
import type { StartPlan } from '../procedures/descriptor';
import { openedUpdate, SearchAttr, startChildUpdate, type ActResult, type Transition } from '../procedures/kernel/messages';
import { openingOf, type OpeningOptions, type PreOpened } from '../procedures/kernel/procedure';
import { crashPoint } from './crash-points';
import { ApiError, Conflict, fromTemporal, NotFound, Unavailable } from './errors';
import type { UpdateOutcome } from './metrics';
import { assertWorkerPolling } from './readiness';
import { startUpdateId } from './idempotency';
import type { ApiDeps } from './routes/context';

const UPDATE_DEADLINE_MS = 30_000;

function unavailable(): Unavailable {
  return new Unavailable(
    'worker_unavailable',
    `no worker answered within ${UPDATE_DEADLINE_MS / 1000} s; repeat the request with the same Idempotency-Key to get its outcome`,
  );
}

/**
 * Commits what the workflow answered. The action itself has been taken, so a failure here is not the
 * client's: 503, and the same request with the same Idempotency-Key gets the same answer and writes again.
 */
async function project(em: EntityManager, transitions: Transition[]): Promise<void> {
  try {
    await applyTransitions(em.fork(), transitions);
  } catch (err) {
    log().error({ err }, 'projecting an answered action failed');
    throw new Unavailable('projection_unavailable', 'the action was taken, but the database could not record it now; repeat the request with the same Idempotency-Key');
  }
}

/**
 * Procedure types by workflow id, for the Update histogram's label: the answer to an action carries no type
 * (its transitions are written by the workflow before it answers), and reading the row on every action would
 * put a statement on the action's path. A start records its type here; other ids are read once. Bounded: the
 * oldest entry goes first.
 */
const typeOfWorkflow = new Map<string, string>();
const TYPES_KEPT = 20_000;
function rememberType(workflowId: string, type: string): void {
  if (typeOfWorkflow.size >= TYPES_KEPT) typeOfWorkflow.delete(typeOfWorkflow.keys().next().value as string);
  typeOfWorkflow.set(workflowId, type);
}

/**
 * The type of a procedure from its projection row; null for an id that names none, or when the database
 * does not answer within half a second (a metric's label is not worth holding a refusal back longer).
 */
async function procedureTypeOf(em: EntityManager, workflowId: string): Promise<string | null> {
  const known = typeOfWorkflow.get(workflowId);
  if (known) return known;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 500)));
  const read = em
    .fork()
    .getConnection()
    .execute<{ type: string }[]>('select type from procedure where workflow_id = ?', [workflowId])
    .then(
      (rows) => {
        const type = rows[0]?.type ?? null;
        if (type) rememberType(workflowId, type);
        return type;
      },
      () => null,
    );
  try {
    return await Promise.race([read, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Times one Update for /metrics (tingjin_update_duration_seconds). The type comes from the answer's own
 * transition (an answered action always has one) or, for a refused or failed one, from the projection.
 */
async function timedUpdate<R extends Partial<Pick<ActResult, 'transitions'>>>(
  deps: Pick<ApiDeps, 'observeUpdate'>,
  em: EntityManager,
  at: { workflowId: string; update: string; type?: string },
  send: () => Promise<R>,
): Promise<R> {
  const observe = deps.observeUpdate;
  if (!observe) return send();
  const started = performance.now();
  const record = async (outcome: UpdateOutcome, result?: R): Promise<void> => {
    const seconds = (performance.now() - started) / 1000;
    if (at.type) rememberType(at.workflowId, at.type);
    const type = at.type ?? result?.transitions?.find((t) => t.workflowId === at.workflowId)?.procedure.type ?? (await procedureTypeOf(em, at.workflowId));
    observe({ type: type ?? 'unknown', update: at.update, outcome, seconds });
  };
  let result: R;
  try {
    result = await send();
  } catch (err) {
    const mapped = err instanceof ApiError ? err : fromTemporal(err);
    await record(mapped && mapped.status < 500 ? 'refused' : 'failed');
    throw err;
  }
  await record('ok', result);
  return result;
}

/**
 * Sends one action as a Workflow Update and projects what it changed. The update id is the user's
 * Idempotency-Key: Temporal deduplicates Updates by id within a run, so a repeat gets the first
 * outcome, and projecting it again writes nothing.
 */
export async function sendUpdate<Arg>(
  deps: Pick<ApiDeps, 'client' | 'taskQueue' | 'observeUpdate'>,
  em: EntityManager,
  workflowId: string,
  update: UpdateDefinition<ActResult, [Arg]>,
  arg: Arg,
  updateId: string,
  /** Set on the one repeat to a procedure's next run (see the 404 path below). */
  followedRun = false,
): Promise<Omit<ActResult, 'transitions'>> {
  // A request on one task is about that task's procedure: its closing log line names it too. A request
  // over many (a bulk urge) keeps its own line free of any one of them; each Update's lines name theirs.
  const here = contextFields();
  if (here.taskId && !here.workflowId) annotateLog({ workflowId });
  return withLogFields({ workflowId }, () => sendUpdateIn(deps, em, workflowId, update, arg, updateId, followedRun));
}

async function sendUpdateIn<Arg>(
  deps: Pick<ApiDeps, 'client' | 'taskQueue' | 'observeUpdate'>,
  em: EntityManager,
  workflowId: string,
  update: UpdateDefinition<ActResult, [Arg]>,
  arg: Arg,
  updateId: string,
  followedRun: boolean,
): Promise<Omit<ActResult, 'transitions'>> {
  // Without a worker the Update would wait its whole deadline; cached, so this costs no call per action.
  await assertWorkerPolling(deps);
  let result: ActResult;
  try {
    result = await timedUpdate(deps, em, { workflowId, update: update.name }, () =>
      deps.client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () => deps.client.workflow.getHandle(workflowId).executeUpdate(update, { args: [arg], updateId })),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw unavailable();
    const mapped = fromTemporal(err);
    if (mapped?.status === 404) {
      // Only on this error path is the procedure looked up: ended (409) or never existed (404).
      const status = await deps.client.workflow
        .getHandle(workflowId)
        .describe()
        .then(
          (d) => d.status.name,
          () => null,
        );
      // The run ended under the Update because it continued as new, and the procedure's latest run is
      // running: that run takes it, once, with the same update id. The old run finished every Update it
      // accepted before it continued, so one it did not take is not taken twice.
      if (status === 'RUNNING' && !followedRun) return sendUpdate(deps, em, workflowId, update, arg, updateId, true);
      // Not started yet: a fan-out's child whose first task its parent projected ahead of it. The parent
      // starts it now, and it takes the Update.
      if (!status && !followedRun && (await startedByParent(deps, em, workflowId))) return sendUpdate(deps, em, workflowId, update, arg, updateId, true);
      throw status ? new Conflict('procedure_ended', 'the procedure has ended') : new NotFound('procedure_not_found', 'no such procedure');
    }
    throw mapped ?? err;
  }
  const { transitions, ...answer } = result;
  await project(em, transitions);
  return answer;
}

/**
 * Asks the parent of a projected but not yet started procedure to start it (kernel/fanout.ts `open`); false
 * when the procedure is not such a child, or the parent has no such child waiting.
 */
export async function startedByParent(deps: Pick<ApiDeps, 'client'>, em: EntityManager, workflowId: string): Promise<boolean> {
  const [row] = await sql<{ parent_workflow_id: string | null }>(em, `select parent_workflow_id from procedure where workflow_id = $1 and status = 'open'`, [workflowId]);
  if (!row?.parent_workflow_id) return false;
  try {
    await deps.client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
      deps.client.workflow.getHandle(row.parent_workflow_id as string).executeUpdate(startChildUpdate, { args: [workflowId] }),
    );
    return true;
  } catch (err) {
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw unavailable();
    log().warn({ err, workflowId }, 'the parent did not start its child');
    return false;
  }
}

/** Whether a procedure's units fit in one search attribute value (the server's default limit is 2,048 bytes). */
function unitsFit(units: readonly string[]): boolean {
  return Buffer.byteLength(JSON.stringify([...new Set(units)])) <= 1800;
}

export interface StartAnswer {
  workflowId: string;
  runId: string;
  type: string;
  items: string[];
  status: string;
  stage: string;
  openTasks: ActResult['openTasks'];
}

/** How every procedure is started: under its business id, once, found by its type, units and stage. */
function startOptions(deps: Pick<ApiDeps, 'taskQueue'>, type: string, opts: Pick<StartPlan<unknown>, 'workflowId' | 'units' | 'stage'>) {
  return {
    taskQueue: deps.taskQueue,
    workflowId: opts.workflowId,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    typedSearchAttributes: [
      { key: SearchAttr.procedureType, value: type },
      // The server caps a search attribute value at 2 KB; a procedure over many units (a full-coverage
      // batch) is found by its units in PostgreSQL instead.
      ...(unitsFit(opts.units) ? [{ key: SearchAttr.units, value: [...new Set(opts.units)].sort() }] : []),
      { key: SearchAttr.stage, value: opts.stage },
    ],
  };
}

/** The memo field of a start the API opened: the request's user and Idempotency-Key (startUpdateId). */
const START_KEY = 'startKey';

/**
 * Starts a procedure whose first step the API can open itself (StartPlan.opening): it computes the opening
 * as the run will (openingOf), starts the run with it, writes it, and answers. So the 201 waits for the
 * server to accept the start and one statement, not for a worker to run the first workflow task. The run
 * writes the same opening again (PreOpened.rewrite), which changes nothing once the API has, and is there
 * should the API die between the start and its write.
 *
 * A retry whose first attempt's answer was lost (the API died after the server accepted the start) finds
 * that run by the memo's start key, and answers with the opening recomputed from that run's own input.
 */
async function startOpened<I>(
  deps: ApiDeps,
  em: EntityManager,
  type: string,
  opts: StartPlan<I> & { opening: NonNullable<StartPlan<I>['opening']> },
  /** opts.opening of opts.input, as startProcedure computed it. */
  options: OpeningOptions<string>,
): Promise<{ status: 201; body: StartAnswer }> {
  const key = startUpdateId();
  annotateLog({ workflowId: opts.workflowId });
  // Without a worker the start would be accepted and never run.
  await assertWorkerPolling(deps);
  const open = (o: OpeningOptions<string>, at: string) => openingOf(o, { workflowId: opts.workflowId, parentWorkflowId: null, at });
  const ours = open(options, new Date().toISOString());
  const args = { ...opts.input, opened: { ...ours.opened, rewrite: true } };
  const started = await timedUpdate(deps, em, { workflowId: opts.workflowId, update: openedUpdate.name, type }, async () => {
    try {
      const handle = await deps.client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
        deps.client.workflow.start(type, { ...startOptions(deps, type, opts), args: [args], ...(key ? { memo: { [START_KEY]: key } } : {}) }),
      );
      return { runId: handle.firstExecutionRunId, ...ours };
    } catch (err) {
      const first = err instanceof WorkflowExecutionAlreadyStartedError && key ? await openedBy(deps, opts.workflowId, key) : null;
      if (!first) throw fromTemporal(err) ?? err;
      // The first attempt's opening, from the input the server recorded (its assignees, its instant).
      return { runId: first.runId, ...open(opts.opening(first.input as I), first.input.opened.startedAt) };
    }
  });
  crashPoint('before-opening-written');
  await project(em, started.transitions);
  const openTasks = started.opened.step.slots.flatMap((s) => (s.state === 'pending' && s.task ? [s.task] : []));
  return {
    status: 201,
    body: { workflowId: opts.workflowId, runId: started.runId, type, items: opts.items ?? [], status: 'open', stage: started.opened.step.key, openTasks },
  };
}

/**
 * The run a start with this key opened, with its input as the server recorded it; null when another request
 * started the procedure (then the start is a conflict, procedure_exists).
 */
async function openedBy(deps: Pick<ApiDeps, 'client'>, workflowId: string, key: string): Promise<{ runId: string; input: { opened: PreOpened } } | null> {
  try {
    const handle = deps.client.workflow.getHandle(workflowId);
    const described = await handle.describe();
    if (described.memo?.[START_KEY] !== key) return null;
    const runId = described.raw.workflowExecutionInfo?.firstRunId || described.runId;
    const { history } = await deps.client.workflowService.getWorkflowExecutionHistory({
      namespace: deps.client.options.namespace,
      execution: { workflowId, runId },
      maximumPageSize: 1,
    });
    const payloads = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
    // Through the client's codec: the recorded input is encrypted (platform/payload-codec.ts).
    const input = payloads?.length
      ? await decodeFromPayloadsAtIndex<{ opened?: PreOpened }>(deps.client.workflow.options.loadedDataConverter, 0, payloads)
      : undefined;
    return input?.opened ? { runId, input: input as { opened: PreOpened } } : null;
  } catch (err) {
    log().warn({ err, workflowId }, 'the first start of a repeated request could not be read');
    return null;
  }
}

/**
 * The outcome of the start that this Update id made on the workflow, or null when the workflow was
 * started by another request (then the start is a conflict, procedure_exists).
 */
async function startOutcome(deps: Pick<ApiDeps, 'client'>, workflowId: string, updateId: string): Promise<ActResult | null> {
  try {
    return await deps.client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
      deps.client.workflow.getHandle(workflowId).getUpdateHandle<ActResult>(updateId).result(),
    );
  } catch {
    return null;
  }
}

/**
 * Starts a procedure under its business workflow id with update-with-start: the start and the first
 * answer come in one call, and the 201 lists the first tasks, already in their assignees' inboxes. A
 * second start is a conflict (procedure_exists), not a second run.
 */
export async function startProcedure<I>(deps: ApiDeps, em: EntityManager, type: string, opts: StartPlan<I>): Promise<{ status: 201; body: StartAnswer }> {
  const options = opts.opening?.(opts.input);
  // A vote step's ballot box belongs to the run: such a procedure opens in its run.
  if (opts.opening && options && options.steps[0]?.mode !== 'vote') return startOpened(deps, em, type, { ...opts, opening: opts.opening }, options);
  const start = new WithStartWorkflowOperation(type, { ...startOptions(deps, type, opts), args: [opts.input] });
  // Keyed by the request's Idempotency-Key, so a retry whose first attempt's answer was lost (the API
  // process died after Temporal accepted the start) gets that start's outcome: the server answers a
  // repeated update-with-start with the same Update id from the first (seen on server 1.29); should it
  // refuse the start instead (the workflow has closed, say), the outcome is read from that Update.
  const updateId = startUpdateId();
  annotateLog({ workflowId: opts.workflowId });
  // Without a worker the start would be accepted and never run.
  await assertWorkerPolling(deps);
  let result: ActResult;
  try {
    result = await timedUpdate(deps, em, { workflowId: opts.workflowId, update: openedUpdate.name, type }, () =>
      deps.client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
        deps.client.workflow.executeUpdateWithStart(openedUpdate, { args: [], startWorkflowOperation: start, ...(updateId ? { updateId } : {}) }),
      ),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw unavailable();
    const first = err instanceof WorkflowExecutionAlreadyStartedError && updateId ? await startOutcome(deps, opts.workflowId, updateId) : null;
    if (!first) throw fromTemporal(err) ?? err;
    result = first;
  }
  await project(em, result.transitions);
  return {
    status: 201,
    body: {
      workflowId: opts.workflowId,
      runId: result.runId ?? '',
      type,
      items: opts.items ?? [],
      status: result.status,
      stage: result.stage,
      openTasks: result.openTasks,
    },
  };
}

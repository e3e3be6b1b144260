/**
 * The frame of a procedure built on the approval block: its projection (start transition, seq 0), its
 * action log, the `opened`, `act` and `manage` Updates, the step loop with returns, and the close. A
 * procedure module supplies its steps and rules; the workflow file only wires them.
 */
import { setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { registerActHandler, type ActContext } from './act';
import { createApprovalFlow, type StepDef, type StepOutcome } from './approval';
import { resolverFor } from './assignees';
import { registerManageHandler, type ManageCapabilities } from './manage';
import { SearchAttr, stateQuery, type ActionRecord, type ResolvedAssignees } from './messages';
import { registerOpened } from './opened';
import { createProjector, openingRow } from './projector';

export interface KernelOptions<K extends string> {
  type: string;
  /** What the procedure is called in messages: item, request, … */
  noun: string;
  title: string;
  initiatorId: string;
  unitIds: string[];
  steps: readonly StepDef<K>[];
  assignees: ResolvedAssignees;
  can: ManageCapabilities;
  /** What the start records (the action log's seq 0). */
  startData: unknown;
  dueAt?: string | null;
  /** The procedure's own state, merged into the state query's answer. */
  view: () => Record<string, unknown>;
  /** Whether it is overdue now (see ManageContext.overdue). */
  overdue?: () => boolean;
}

export interface KernelState {
  status: string;
  stage: string;
  round: number;
  actions: ActionRecord[];
}

export function createKernel<K extends string>(o: KernelOptions<K>) {
  const info = workflowInfo();
  const workflowId = info.workflowId;
  const first = o.steps[0]?.key ?? '';
  const state: KernelState = { status: 'open', stage: first, round: 1, actions: [] };
  const projector = createProjector({ procedure: openingRow({ type: o.type, title: o.title, unitIds: o.unitIds, stage: first, startedBy: o.initiatorId, dueAt: o.dueAt ?? null }) });
  const flow = createApprovalFlow<K>({ workflowId, steps: o.steps, resolve: resolverFor(o.assignees), projector, dueAt: () => projector.row.dueAt });
  const record = (r: ActionRecord): void => {
    state.actions.push(r);
  };
  record(projector.start(o.initiatorId, o.startData));

  let withdrawn = false;
  const base = { flow, projector, status: () => state.status, stage: () => state.stage };
  setHandler(stateQuery, () => {
    const open = flow.openTasks();
    return { ...o.view(), ...state, workflowId, currentStep: flow.view(), openTasks: open, currentTask: open[0] ?? null };
  });
  registerOpened(base);
  registerManageHandler({
    ...base,
    initiatorId: o.initiatorId,
    title: o.title,
    noun: o.noun,
    can: o.can,
    actors: () => state.actions.map((a) => a.actorId),
    record,
    onWithdraw: () => {
      withdrawn = true;
    },
    ...(o.overdue ? { overdue: o.overdue } : {}),
  });

  // The stage is in the projection row and the state; the search attribute is set at the start and at
  // the close only, since each upsert is a visibility write on the server.
  const setStage = (stage: string): void => {
    state.stage = stage;
    projector.row.stage = stage;
  };

  return {
    workflowId,
    parentWorkflowId: projector.row.parentWorkflowId,
    state,
    flow,
    projector,
    record,
    setStage,
    withdrawn: (): boolean => withdrawn,
    registerAct(ctx: Pick<ActContext, 'validate' | 'before' | 'data'>): void {
      registerActHandler({ ...base, ...ctx, noun: o.noun, record });
    },
    /** Runs the steps in order; a return goes back to the step it names. */
    async runSteps(onOutcome?: (step: K, outcome: StepOutcome<K>) => void): Promise<'done' | 'withdrawn'> {
      for (let i = 0; i < o.steps.length && !withdrawn; ) {
        const step = o.steps[i] as StepDef<K>;
        setStage(step.key);
        const outcome = await flow.runStep(step.key, state.round);
        if (outcome.kind === 'withdrawn') break;
        onOutcome?.(step.key, outcome);
        if (outcome.kind === 'returned') {
          state.round += 1;
          i = flow.stepIndex(outcome.to);
          continue;
        }
        i += 1;
      }
      return withdrawn ? 'withdrawn' : 'done';
    },
    /**
     * Ends the procedure: status and result in one transition, emitted before anything awaits so the
     * action that ended it answers with it; then every handler and projection finishes.
     */
    async close(status: string, result: unknown): Promise<void> {
      state.status = status;
      setStage(status);
      upsertSearchAttributes([{ key: SearchAttr.stage, value: status }]);
      projector.close(status, status, result);
      await projector.finish();
    },
  };
}

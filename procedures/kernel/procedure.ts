/**
 * The frame of a procedure built on the approval block: its projection (start transition, seq 0), its
 * action log, the `opened`, `act` and `manage` Updates, the step loop with returns, and the close. A
 * procedure module supplies its steps and rules; the workflow file only wires them.
 */
import { setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { registerActHandler, type ActContext } from './act';
import { createApprovalFlow, firstStepOpening, type StepDef, type StepOutcome, type SuspendedStep } from './approval';
import { resolverFor } from './assignees';
import { registerManageHandler, type ManageCapabilities } from './manage';
import { SearchAttr, stateQuery, type ActionRecord, type ResolvedAssignees, type Transition } from './messages';
import { registerOpened } from './opened';
import { createProjector, openingRow, procedureRow, startAction, transitionOf } from './projector';

/**
 * A procedure whose start and first step its parent projected before starting it (kernel/fanout.ts
 * `open`): the run takes them as given, writes neither again, and resumes the step with the same tasks.
 */
export interface PreOpened {
  startedAt: string;
  step: SuspendedStep;
  /**
   * The API opened it (api/temporal.ts startOpened): the API writes the opening after the server has
   * accepted the start, and may die before it does, so the run writes the same transitions too. The first
   * write of a seq wins and the second changes nothing (the projection is keyed by workflow id and seq).
   */
  rewrite?: true;
}

/** What a procedure's opening depends on: the same options the run is created with. */
export type OpeningOptions<K extends string> = Pick<KernelOptions<K>, 'type' | 'title' | 'initiatorId' | 'unitIds' | 'steps' | 'assignees' | 'startData' | 'dueAt'>;

/**
 * A procedure's opening computed outside its run, as createKernel and its first step produce it: the start
 * (seq 0) and the first step's tasks (seq 1) as transitions for the projection, and the same as the run's
 * `opened` option. A parent fan-out writes thousands of these in a few statements, so every child's first
 * task is in its inbox long before the children have all started.
 */
export function openingOf<K extends string>(o: OpeningOptions<K>, run: { workflowId: string; parentWorkflowId: string | null; at: string }): { transitions: Transition[]; opened: PreOpened } {
  const def = o.steps[0] as StepDef<K>;
  const row = procedureRow(
    { type: o.type, title: o.title, unitIds: o.unitIds, stage: def.key, startedBy: o.initiatorId, dueAt: o.dueAt ?? null },
    { workflowId: run.workflowId, parentWorkflowId: run.parentWorkflowId, startedAt: run.at },
  );
  const { step, opened } = firstStepOpening(def, resolverFor(o.assignees)(def.assignees), run.workflowId, run.at, row.dueAt);
  return {
    transitions: [transitionOf(row, 0, run.at, { action: startAction(o.initiatorId, o.startData) }), transitionOf(row, 1, run.at, { opened })],
    opened: { startedAt: run.at, step },
  };
}

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
  /** Its start and first step, already projected by its parent (openingOf). */
  opened?: PreOpened;
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
  const projector = createProjector({
    procedure: openingRow({ type: o.type, title: o.title, unitIds: o.unitIds, stage: first, startedBy: o.initiatorId, dueAt: o.dueAt ?? null, ...(o.opened ? { startedAt: o.opened.startedAt } : {}) }),
    // Seqs 0 and 1 (the start and the first step) are written: the run numbers on from them.
    ...(o.opened ? { fromSeq: 1 } : {}),
  });
  const flow = createApprovalFlow<K>({ workflowId, steps: o.steps, resolve: resolverFor(o.assignees), projector, dueAt: () => projector.row.dueAt });
  const record = (r: ActionRecord): void => {
    state.actions.push(r);
  };
  record(projector.start(o.initiatorId, o.startData, o.opened !== undefined));
  // No patch: only runs started with `rewrite` in their input take this path, and no earlier run has it.
  if (o.opened?.rewrite) for (const t of openingOf(o, { workflowId, parentWorkflowId: projector.row.parentWorkflowId, at: o.opened.startedAt }).transitions) projector.adopt(t);
  // Before any handler is set: an Update in the run's first task must find the step's tasks open.
  if (o.opened) flow.restore(o.opened.step);

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
      let resume = o.opened?.step;
      for (let i = 0; i < o.steps.length && !withdrawn; ) {
        const step = o.steps[i] as StepDef<K>;
        setStage(step.key);
        const outcome = await flow.runStep(step.key, state.round, resume);
        resume = undefined;
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

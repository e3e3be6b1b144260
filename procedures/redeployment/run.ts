/**
 * What one run of a challenge list holds while it lives: its state (the query's answer), the approval flow
 * of its three steps (the draft, the list's approval, the meeting's vote), its projector, the history
 * bound's marks, and the few facts its phases pass to each other. The workflow (redeployment.workflow.ts)
 * creates it once and hands it to each phase; deterministic like the workflow. A run continued as new is
 * created from what the run before carried (ListCarry).
 */
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { chinaDateOf } from '../../domain/dates';
import { createApprovalFlow, type ApprovalFlow, type StepDef } from '../kernel/approval';
import { resolverFor } from '../kernel/assignees';
import { SearchAttr, type ActionRecord, type ResolvedAssignees } from '../kernel/messages';
import { createProjector, openingRow, type Projector } from '../kernel/projector';
import { DEFAULT_VOTE_RULE } from '../kernel/vote';
import { pairCandidate, REDEPLOYMENT, type ChallengeTask, type Dispatch, type ListCarry, type ListFigures, type RedeploymentInput, type RedeploymentStage, type RedeploymentState, type TermTally } from './messages';
import { REDEPLOYMENT_LENGTH_ON_ACCEPT } from './patches';
import { DEFAULT_LIST_HISTORY_EVENTS, emptyTermTally, figuresOf, snapshotOf } from './rules';

export type FlowStep = 'draft' | 'listApproval' | 'meeting';

/** The stages in order: a run continued as new picks up at its carried stage and skips those before. */
const ORDER: readonly RedeploymentStage[] = ['draft', 'listApproval', 'approved', 'published', 'checks', 'ranking', 'proposal', 'meeting', 'dispatch', 'terms', 'closed'];

export interface ListRun {
  readonly input: RedeploymentInput;
  readonly workflowId: string;
  /** The department's unit, which drafts, approves and matches. */
  readonly dept: string;
  /** What the run before carried, when this run continued as new. */
  readonly carried: ListCarry | undefined;
  readonly state: RedeploymentState;
  /** Host units' assignees resolved for tasks added or moved after the start (the API resolves them). */
  readonly assignees: ResolvedAssignees;
  readonly projector: Projector;
  readonly flow: ApprovalFlow<FlowStep>;
  /** The meeting's vote step; its candidates are the proposal's pairs. */
  readonly meetingStep: StepDef<FlowStep>;
  /** What the kernel's handlers (act, manage, opened) and answers read of the run. */
  readonly base: { flow: ApprovalFlow<FlowStep>; projector: Projector; status: () => string; stage: () => string };
  readonly today: () => string;
  readonly record: (r: ActionRecord) => void;
  readonly hostUnits: () => string[];
  readonly setStage: (stage: RedeploymentStage) => void;
  readonly task: (id: string) => ChallengeTask;
  /** The cadres who applied for or were nominated to a task: told of its change. */
  readonly applicantUsers: (taskId: string) => string[];
  /** Whether a stage was passed by an earlier run of the list (a continued run resumes at its stage). */
  readonly behind: (s: RedeploymentStage) => boolean;
  /** Whether the history has reached the list's bound now. */
  readonly tooLong: () => boolean;
  /** Whether a waiting stage continues as new: as an accepted action last found the history (see REDEPLOYMENT_LENGTH_ON_ACCEPT). */
  readonly overBound: () => boolean;
  /** The figures while the list runs. */
  readonly liveFigures: () => ListFigures;
  /** Set by an accepted action (record) once the history has passed the bound. */
  longSeen: boolean;
  /** The approval flow's task numbering, carried so the meeting's task never reuses the list approval's id. */
  taskSeq: number;
  /** The proposal was submitted to the meeting. */
  submitted: boolean;
  /** The cadres dispatched, once their letters are acknowledged. */
  dispatches: Dispatch[];
  /** The terms' outcomes folded so far, once the terms run. */
  tally: TermTally | null;
}

/** A carried state as this code keeps it: a run from before kept every action; only who acted is kept now. */
function carriedState(c: ListCarry): RedeploymentState {
  const { actions, ...rest } = c.state;
  return { ...rest, actors: rest.actors ?? [...new Set((actions ?? []).map((a) => a.actorId))] };
}

export function createListRun(input: RedeploymentInput): ListRun {
  const info = workflowInfo();
  const workflowId = info.workflowId;
  const dept = input.departmentUnitId;
  const today = (): string => chinaDateOf(new Date());
  const carried: ListCarry | undefined = input.continued;
  const maxEvents = input.rules.maxHistoryEvents ?? DEFAULT_LIST_HISTORY_EVENTS;
  const lengthOnAccept = patched(REDEPLOYMENT_LENGTH_ON_ACCEPT);

  const state: RedeploymentState = carried ? carriedState(carried) : {
    type: REDEPLOYMENT,
    workflowId,
    listId: input.listId,
    title: input.title,
    initiatorId: input.initiatorId,
    departmentUnitId: dept,
    status: 'open',
    stage: 'listApproval',
    round: 1,
    rules: input.rules,
    tasks: input.tasks.map((t) => ({ ...t, status: 'open', version: 1, changes: [] })),
    closeDate: null,
    closedEarly: null,
    applications: [],
    checks: [],
    health: {},
    rankings: {},
    proposal: null,
    decision: null,
    approvedPairs: [],
    letters: [],
    terms: { total: 0, started: 0, done: 0, failed: 0, workflowIds: [] },
    figures: null,
    actors: [],
    currentTask: null,
    openTasks: [],
  };
  const assignees: ResolvedAssignees = { ...input.assignees };
  const hostUnits = (): string[] => [...new Set(state.tasks.map((t) => t.hostUnitId))].sort();
  // A continued run keeps the row and numbers its transitions on from the last run's (PostgreSQL dedupes
  // by workflow id and seq): the start was recorded once, by the first run.
  const projector = carried
    ? createProjector({ procedure: carried.row, fromSeq: carried.seq })
    : createProjector({
        procedure: openingRow({ type: REDEPLOYMENT, title: input.title, unitIds: [...new Set([dept, ...hostUnits()])].sort(), stage: 'listApproval', startedBy: input.initiatorId }),
      });
  const tooLong = (): boolean => workflowInfo().historyLength >= maxEvents || workflowInfo().continueAsNewSuggested;
  // Only who acted stays in the state (copy's rule needs it); the actions are projected to action_log.
  const actorSet = new Set(state.actors);
  const record = (r: ActionRecord): void => {
    if (lengthOnAccept && tooLong()) run.longSeen = true;
    if (actorSet.has(r.actorId)) return;
    actorSet.add(r.actorId);
    state.actors.push(r.actorId);
  };

  const meetingStep: StepDef<FlowStep> = {
    key: 'meeting',
    mode: 'vote',
    assignees: input.meeting,
    approveActions: ['vote'],
    canReturn: false,
    candidates: [],
    voteRule: input.meetingRule ?? DEFAULT_VOTE_RULE,
  };
  const flow = createApprovalFlow<FlowStep>({
    workflowId,
    steps: [
      { key: 'draft', mode: 'any', assignees: { kind: 'role', role: 'staff', unitId: dept }, approveActions: ['submitList'], canReturn: false },
      { key: 'listApproval', mode: 'sequential', assignees: { kind: 'unitHead', unitId: dept }, approveActions: ['approve'], canReturn: true },
      meetingStep,
    ],
    resolve: resolverFor(assignees),
    projector,
    dueAt: () => null,
    nextTaskSeq: () => ++run.taskSeq,
  });

  const setStage = (stage: RedeploymentStage): void => {
    if (stage === state.stage) return;
    state.stage = stage;
    projector.row.stage = stage;
    // The search attribute follows the stage at the close only (kernel/procedure.ts says why); a stage
    // without tasks of its own is projected at once.
    if (stage === 'closed') upsertSearchAttributes([{ key: SearchAttr.stage, value: stage }]);
    else projector.emit();
  };

  const run: ListRun = {
    input,
    workflowId,
    dept,
    carried,
    state,
    assignees,
    projector,
    flow,
    meetingStep,
    base: { flow, projector, status: () => state.status, stage: () => state.stage },
    today,
    record,
    hostUnits,
    setStage,
    task: (id) => state.tasks.find((t) => t.taskId === id) as ChallengeTask,
    applicantUsers: (taskId) => [...new Set(state.applications.filter((a) => a.taskIds.includes(taskId)).map((a) => a.cadreUserId))],
    behind: (s) => carried !== undefined && ORDER.indexOf(carried.state.stage) > ORDER.indexOf(s),
    tooLong,
    overBound: () => (lengthOnAccept ? run.longSeen : tooLong()),
    liveFigures: () => figuresOf(input.listId, snapshotOf(state, run.dispatches), run.tally ?? emptyTermTally(), null),
    longSeen: false,
    taskSeq: carried?.taskSeq ?? 0,
    submitted: carried?.submitted ?? false,
    dispatches: [],
    tally: null,
  };
  // The start is recorded once, by the first run (the flow above is only built, nothing issued yet).
  if (!carried) record(projector.start(input.initiatorId, { listId: input.listId, tasks: input.tasks.map((t) => t.taskId), rules: input.rules }));

  // A run continued in the middle of a step has its tasks open before any handler is set: an Update
  // buffered in this run's first workflow task is validated as its handler is registered (approval.ts).
  if (carried?.step) {
    if (carried.state.stage === 'meeting') meetingStep.candidates = (state.proposal?.pairs ?? []).map(pairCandidate);
    flow.restore(carried.step);
  }
  return run;
}

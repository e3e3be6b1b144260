/**
 * 揭榜出征 (`redeployment`, DOMAIN.md §3): the challenge list (榜单) drafted by staff and approved by the
 * department → published with a close date, its tasks added, withdrawn or changed until then, each
 * change recorded and its applicants notified → applications (揭榜) and staff nominations → eligibility
 * and health checks → host units rank their applicants → the department's stable matching (双向选择) as a
 * proposal, adjusted with reasons → the department meeting votes on the matched pairs (票决) → a task
 * letter (任务书) per cadre, acknowledged by cadre and host unit → one term child per cadre through the
 * kernel fan-out → the list closes with its figures when every term has ended. Every command's rules are
 * one pure function (rules.ts) the Update validator applies, so a refused command leaves nothing.
 */
import { allHandlersFinished, condition, continueAsNew, patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { addDays, chinaDateOf, startOfChinaDay } from '../../domain/dates';
import { answer, registerActHandler } from '../kernel/act';
import { acts } from '../kernel/activities';
import { createApprovalFlow, type StepDef, type StepOutcome, type SuspendedStep, type TaskChanges } from '../kernel/approval';
import { resolverFor } from '../kernel/assignees';
import { createFanOut, type ChildSpec, type FanOutProgress } from '../kernel/fanout';
import { registerManageHandler } from '../kernel/manage';
import { KernelRefusal, openedUpdate, ruleKey, SearchAttr, stateQuery, type ActionRecord, type BallotInput, type NotificationData, type ResolvedAssignees } from '../kernel/messages';
import { registerOpened } from '../kernel/opened';
import { createProjector, openingRow } from '../kernel/projector';
import { assertCleanText, refuse } from '../kernel/refuse';
import { waitUntil } from '../kernel/time';
import { DEFAULT_VOTE_RULE, slateBallots, voteRecord } from '../kernel/vote';
import {
  pairCandidate,
  REDEPLOYMENT,
  redeploymentUpdate,
  taskLetterId,
  type Application,
  type ChallengeTask,
  type Dispatch,
  type ListCarry,
  type ListFigures,
  type ListSnapshot,
  type Pair,
  type RedeploymentAck,
  type RedeploymentCommandInput,
  type RedeploymentInput,
  type RedeploymentStage,
  type RedeploymentState,
  type TermTally,
} from './messages';
import { adjusted, changedTask, checkEligibility, commandProblem, commandsAt, keptCheck, DEFAULT_LIST_HISTORY_EVENTS, emptyTermTally, figuresOf, foldTerm, listProblem, matchingInputOf, snapshotOf, stableMatch, uncheckedApplicants } from './rules';
import { REDEPLOYMENT_TERM, redeploymentTermWorkflowId, type RedeploymentTermInput, type RedeploymentTermResult } from './term-messages';

type FlowStep = 'draft' | 'listApproval' | 'meeting';

/** How many terms the state query lists; GET /procedures?parent=<list> pages through all of them. */
const STATE_TERMS = 200;

/** The assignees a term names (term-messages.ts): the host unit's head and staff, the department's staff and approvers. */
function termAssignees(all: ResolvedAssignees, hostUnitId: string, dept: string): ResolvedAssignees {
  const keys = [
    ruleKey({ kind: 'unitHead', unitId: hostUnitId }),
    ruleKey({ kind: 'role', role: 'staff', unitId: hostUnitId }),
    ruleKey({ kind: 'role', role: 'staff', unitId: dept }),
    ruleKey({ kind: 'role', role: 'approver', unitId: dept }),
  ];
  return Object.fromEntries(keys.filter((k) => all[k]).map((k) => [k, all[k] as string[]]));
}

/** A carried state as this code keeps it: a run from before kept every action; only who acted is kept now. */
function carriedState(c: ListCarry): RedeploymentState {
  const { actions, ...rest } = c.state;
  return { ...rest, actors: rest.actors ?? [...new Set((actions ?? []).map((a) => a.actorId))] };
}

/** The stages in order: a run continued as new picks up at its carried stage and skips those before. */
/**
 * Patch: the meeting's vote belongs to a recorded meeting (《条例》 art. 28, kernel/vote.ts MeetingRecord): the ballot
 * tasks open when staff open it with its date and attendance, for the members present, and the vote ends once the
 * minutes are attached. Lists from before it vote with no meeting recorded.
 */
export const REDEPLOYMENT_MEETING = 'redeployment-meeting';

const ORDER: readonly RedeploymentStage[] = ['draft', 'listApproval', 'approved', 'published', 'checks', 'ranking', 'proposal', 'meeting', 'dispatch', 'terms', 'closed'];

export async function redeployment(input: RedeploymentInput): Promise<ListFigures> {
  if (input.resume) return runTerms(input, input.resume.snapshot, input.resume.progress);
  const info = workflowInfo();
  const workflowId = info.workflowId;
  const dept = input.departmentUnitId;
  const today = (): string => chinaDateOf(new Date());
  const carried: ListCarry | undefined = input.continued;
  const maxEvents = input.rules.maxHistoryEvents ?? DEFAULT_LIST_HISTORY_EVENTS;
  /**
   * Patch: the history's length is read when an action is accepted, not whenever a waiting condition is
   * checked. A refused Update's workflow task re-checks every condition with a longer history but leaves
   * no event, so a replay never sees that check: a continue-as-new decided there (its timer cancelled)
   * failed to replay. An accepted action is in history, and so is its reading. Read once, at the start.
   */
  const lengthOnAccept = patched('redeployment-length-on-accept');
  /** Set by an accepted action (record) once the history has passed the bound. */
  let longSeen = false;

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
  /** Host units' assignees resolved for tasks added or moved after the start (the API resolves them). */
  const assignees: ResolvedAssignees = { ...input.assignees };
  const hostUnits = (): string[] => [...new Set(state.tasks.map((t) => t.hostUnitId))].sort();
  // A continued run keeps the row and numbers its transitions on from the last run's (PostgreSQL dedupes
  // by workflow id and seq): the start was recorded once, by the first run.
  const projector = carried
    ? createProjector({ procedure: carried.row, fromSeq: carried.seq })
    : createProjector({
        procedure: openingRow({ type: REDEPLOYMENT, title: input.title, unitIds: [...new Set([dept, ...hostUnits()])].sort(), stage: 'listApproval', startedBy: input.initiatorId }),
      });
  // Only who acted stays in the state (copy's rule needs it); the actions are projected to action_log.
  const actorSet = new Set(state.actors);
  const record = (r: ActionRecord): void => {
    if (lengthOnAccept && tooLong()) longSeen = true;
    if (actorSet.has(r.actorId)) return;
    actorSet.add(r.actorId);
    state.actors.push(r.actorId);
  };
  if (!carried) record(projector.start(input.initiatorId, { listId: input.listId, tasks: input.tasks.map((t) => t.taskId), rules: input.rules }));
  /** The approval flow's task numbering, carried so the meeting's task never reuses the list approval's id. */
  let taskSeq = carried?.taskSeq ?? 0;

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
    nextTaskSeq: () => ++taskSeq,
  });

  // A run continued in the middle of a step has its tasks open before any handler is set: an Update
  // buffered in this run's first workflow task is validated as its handler is registered (approval.ts).
  if (carried?.step) {
    if (carried.state.stage === 'meeting') meetingStep.candidates = (state.proposal?.pairs ?? []).map(pairCandidate);
    flow.restore(carried.step);
  }

  const setStage = (stage: RedeploymentStage): void => {
    if (stage === state.stage) return;
    state.stage = stage;
    projector.row.stage = stage;
    // The search attribute follows the stage at the close only (kernel/procedure.ts says why); a stage
    // without tasks of its own is projected at once.
    if (stage === 'closed') upsertSearchAttributes([{ key: SearchAttr.stage, value: stage }]);
    else projector.emit();
  };
  let dispatches: Dispatch[] = [];
  let tally: TermTally | null = null;
  const liveFigures = (): ListFigures => figuresOf(input.listId, snapshotOf(state, dispatches), tally ?? emptyTermTally(), null);

  setHandler(stateQuery, () => {
    const open = flow.openTasks();
    return { ...state, figures: state.figures ?? liveFigures(), currentStep: flow.view(), commands: state.status === 'open' ? commandsAt(state.stage) : [], openTasks: open, currentTask: open[0] ?? null };
  });

  const base = { flow, projector, status: () => state.status, stage: () => state.stage };
  // An action answers once the next tasks are open, or the loop has moved on to a stage without a step.
  const settled = (): boolean => flow.isRunning() || (flow.isIdle() && !['draft', 'listApproval', 'meeting'].includes(state.stage)) || state.status !== 'open';
  registerOpened({ ...base, settled });
  registerActHandler({
    ...base,
    noun: 'list',
    record,
    settled,
    validate: (a) => {
      if (a.action !== 'submitList') return;
      const p = listProblem(state.tasks.filter((t) => t.status === 'open'));
      if (p) throw refuse(p.code, p.message, p.details);
    },
  });
  registerManageHandler({
    ...base,
    initiatorId: input.initiatorId,
    title: input.title,
    noun: 'list',
    can: { withdraw: false, urge: true, copy: true, closeVote: true },
    actors: () => state.actors,
    record,
    onWithdraw: () => undefined,
  });

  let submitted = carried?.submitted ?? false;
  const ctx = () => ({
    stage: state.stage,
    status: state.status,
    departmentUnitId: dept,
    rules: input.rules,
    today: today(),
    tasks: state.tasks,
    closeDate: state.closeDate,
    closedEarly: state.closedEarly !== null,
    applications: state.applications,
    checks: state.checks,
    rankings: state.rankings,
    proposal: state.proposal,
    letters: state.letters,
  });
  const task = (id: string): ChallengeTask => state.tasks.find((t) => t.taskId === id) as ChallengeTask;
  /** The cadres who applied for or were nominated to a task: told of its change. */
  const applicantUsers = (taskId: string): string[] => [...new Set(state.applications.filter((a) => a.taskIds.includes(taskId)).map((a) => a.cadreUserId))];

  setHandler(
    redeploymentUpdate,
    async (c: RedeploymentCommandInput): Promise<RedeploymentAck> => {
      const seq = projector.nextSeq();
      const at = new Date().toISOString();
      const stageBefore = state.stage;
      const { actorId, actorRoles: _roles, actorUnitId: _unit, ...payload } = c;
      const notifications: NotificationData[] = [];
      let data: unknown = payload;
      let changes: Pick<TaskChanges, 'closed' | 'opened'> = { closed: [], opened: [] };
      let onTask: string | null = null;
      // State first, synchronously, so a concurrent Update's validator sees it.
      switch (c.action) {
        case 'addTask':
          Object.assign(assignees, c.hostAssignees ?? {});
          state.tasks.push({ ...c.task, status: 'open', version: 1, changes: [{ seq, kind: 'added', by: actorId, at, reason: c.reason, notified: [] }] });
          projector.row.unitIds = [...new Set([dept, ...hostUnits()])].sort();
          break;
        case 'changeTask':
        case 'withdrawTask': {
          const t = task(c.taskId);
          const notified = applicantUsers(c.taskId);
          const fields = c.action === 'changeTask' ? Object.keys(c.changes) : undefined;
          if (c.action === 'changeTask') {
            Object.assign(assignees, c.hostAssignees ?? {});
            Object.assign(t, changedTask(t, c.changes));
            t.version += 1;
          } else t.status = 'withdrawn';
          t.changes.push({ seq, kind: c.action === 'changeTask' ? 'changed' : 'withdrawn', by: actorId, at, reason: c.reason, ...(fields ? { fields } : {}), notified });
          if (notified.length) notifications.push({ kind: 'copy', userIds: notified, message: `${input.title}: task ${t.taskId} ${t.title} was ${c.action === 'changeTask' ? `changed (${(fields ?? []).join(', ')})` : 'withdrawn'}: ${c.reason}` });
          projector.row.unitIds = [...new Set([dept, ...hostUnits()])].sort();
          data = { ...payload, notified };
          break;
        }
        case 'publish':
          state.closeDate = c.closeDate;
          break;
        case 'closeApplications':
          state.closedEarly = { by: actorId, at, reason: c.reason };
          break;
        case 'apply':
        case 'nominate': {
          const app: Application = {
            personId: c.personId,
            name: c.facts.name,
            formerUnitId: c.facts.unitId,
            cadreUserId: c.cadreUserId,
            taskIds: c.action === 'apply' ? c.taskIds : [c.taskId],
            statement: c.statement,
            source: c.action === 'apply' ? 'application' : 'nomination',
            by: actorId,
            at,
          };
          state.applications.push(app);
          // The facts read from master data are recorded with the action: what the rule was applied to.
          data = { ...payload };
          break;
        }
        case 'recordCheck': {
          state.health[c.personId] = { ...c.health, by: actorId, at };
          const facts = { ...c.facts, health: [...c.facts.health, c.health] };
          const ids = [...new Set(state.applications.filter((a) => a.personId === c.personId).flatMap((a) => a.taskIds))];
          state.checks = state.checks.filter((k) => k.personId !== c.personId);
          const full = ids.map((id) => checkEligibility(facts, task(id), input.rules, today()));
          state.checks.push(...full.map(keptCheck));
          // The whole check, every predicate with its fact, goes to action_log with the action.
          data = { ...payload, checks: full };
          break;
        }
        case 'openMeeting': {
          const { meeting, ...opened } = flow.openMeeting({ date: c.date, present: c.present }, actorId, at);
          state.meeting = meeting;
          changes = opened;
          break;
        }
        case 'attachMinutes':
          state.meeting = flow.attachMinutes(c.minutesRef, actorId, at);
          break;
        case 'vote': {
          const v = slateOf(c);
          // Recorded as cast: the choice and its exceptions, not 600 ballots; nothing of it in a secret vote.
          data = voteRecord(flow.voteRule() ?? {}, { choice: c.choice, except: c.except ?? [] });
          changes = flow.apply({ taskId: v.taskId, actorId, action: 'vote', ballots: v.ballots, ...(c.comment ? { comment: c.comment } : {}) }, undefined);
          onTask = v.taskId;
          break;
        }
        case 'rank':
          state.rankings[c.taskId] = { personIds: c.personIds, by: actorId, at };
          break;
        case 'runMatching': {
          const m = stableMatch(matchingInputOf(state));
          state.proposal = { ...m, adjustments: [], computedAt: at };
          data = { pairs: m.pairs, unmatchedTasks: m.unmatchedTasks, unmatchedCadres: m.unmatchedCadres };
          break;
        }
        case 'adjust':
          if (state.proposal) state.proposal = adjusted(state.proposal, matchingInputOf(state), { action: c.change, taskId: c.taskId, personId: c.personId, reason: c.reason, by: actorId, at });
          break;
        case 'submitProposal':
          submitted = true;
          break;
        case 'acknowledge': {
          const l = state.letters.find((x) => x.letterId === c.letterId);
          if (l) l[c.as === 'cadre' ? 'acknowledgedByCadre' : 'acknowledgedByHost'] = { by: actorId, at };
          break;
        }
      }
      const comment = 'reason' in c ? c.reason : 'comment' in c ? c.comment : undefined;
      record({ seq, taskId: onTask, step: stageBefore, actorId, action: c.action, at, ...(comment ? { comment } : {}) });
      projector.emit({ seq, action: { taskId: onTask, step: stageBefore, actorId, action: c.action, ...(comment ? { comment } : {}), data }, notifications, ...changes });
      // Answer once the main loop has moved on where this command lets it.
      await condition(() => state.stage !== stageBefore || !moves(c) || state.status !== 'open');
      return { ...answer(base, null, c.action, seq), seq };
    },
    {
      validator: (c: RedeploymentCommandInput) => {
        assertCleanText(c);
        const p = commandProblem(ctx(), c);
        if (p) throw refuse(p.code, p.message, p.details);
        // The meeting's own rules are the kernel vote step's: the quorum from the attendance recorded, the minutes once.
        if (c.action === 'openMeeting') flow.validateOpenMeeting({ date: c.date, present: c.present, today: today() });
        if (c.action === 'attachMinutes') flow.validateMinutes(c.minutesRef);
        if (c.action === 'vote') {
          const v = slateOf(c);
          // The kernel vote step's own rules: a member, one ballot per pair, the principal last.
          flow.validate({ taskId: v.taskId, actorId: c.actorId, action: 'vote', ballots: v.ballots });
        }
      },
    },
  );

  /** The member's meeting task and the ballots their slate vote stands for; refuses what stands for none. */
  function slateOf(c: Extract<RedeploymentCommandInput, { action: 'vote' }>): { taskId: string; ballots: BallotInput[] } {
    // At a recorded meeting: open, and the member present (the refusal names the rule, not a missing task).
    flow.validateVoter(c.actorId);
    const view = flow.view();
    const slot = view?.key === 'meeting' ? view.slots.find((x) => x.assigneeIds.includes(c.actorId) && x.taskId) : undefined;
    if (!slot?.taskId) throw refuse(KernelRefusal.notAssignee, 'only a member of the meeting votes', { field: 'actorId' });
    const r = slateBallots(meetingStep.candidates ?? [], c);
    if (r.problem) throw refuse(KernelRefusal.invalidBallot, r.problem.message, { field: r.problem.field });
    return { taskId: slot.taskId, ballots: r.ballots };
  }

  /** Whether the command lets the list move to its next stage now. */
  function moves(c: RedeploymentCommandInput): boolean {
    switch (c.action) {
      case 'publish':
      case 'closeApplications':
      case 'runMatching':
      case 'submitProposal':
        return state.stage !== 'proposal' || c.action === 'submitProposal';
      case 'recordCheck':
        return state.stage === 'checks' && uncheckedApplicants(state).length === 0;
      case 'acknowledge':
        return state.letters.every((l) => l.acknowledgedByCadre && l.acknowledgedByHost);
      case 'vote':
      case 'attachMinutes':
        return !flow.isRunning();
      default:
        return false;
    }
  }

  /**
   * Waits in a stage where no approval step runs until `done()` holds (or `instant` passes). If the
   * history grows past the list's bound first, the run continues as new with its whole state once every
   * Update handler has finished and every transition is projected: nothing accepted is lost, and an Update
   * sent meanwhile goes to the new run (Temporal routes Updates by workflow id to the current run).
   * Until the bound is reached it waits on exactly what it did before, so no recorded command changes.
   */
  function tooLong(): boolean {
    return workflowInfo().historyLength >= maxEvents || workflowInfo().continueAsNewSuggested;
  }
  /** Whether a waiting stage continues as new: as an accepted action last found the history (see lengthOnAccept). */
  const overBound = (): boolean => (lengthOnAccept ? longSeen : tooLong());
  async function stageWait(done: () => boolean, instant?: string): Promise<void> {
    const ready = (): boolean => done() || overBound();
    if (instant !== undefined) await waitUntil(ready, instant);
    else await condition(ready);
    if (done() || !overBound()) return;
    // A moving command's handler waits for the stage to change: `done()` ends the drain too.
    await condition(() => done() || (allHandlersFinished() && projector.idle()));
    if (done()) return;
    await continueAsNew<typeof redeployment>(carryOn());
  }
  const carryOn = (step?: SuspendedStep): RedeploymentInput => {
    const carry: ListCarry = {
      state: { ...state, openTasks: [], currentTask: null },
      row: { ...projector.row, unitIds: [...projector.row.unitIds] },
      seq: projector.lastSeq(),
      taskSeq,
      submitted,
      runs: (carried?.runs ?? 0) + 1,
      ...(step ? { step } : {}),
    };
    return { ...input, tasks: [], assignees, continued: carry };
  };
  /**
   * Runs an approval step (the draft, the list's approval, the meeting) like stageWait waits: if the
   * history grows past the bound while its tasks are open, the run continues as new once every handler
   * has finished and every transition is projected, carrying the step as it stands (its tasks, ballots
   * and absentees), and the next run resumes it with the same task ids. A step decided meanwhile is taken.
   */
  async function stepWait(key: FlowStep, round: number, resume?: SuspendedStep): Promise<StepOutcome<FlowStep>> {
    let decided = false;
    const step = flow.runStep(key, round, resume).then((o) => {
      decided = true;
      return o;
    });
    // A race of promises, not a condition on the outcome: a decided step goes on within the same round of
    // microtasks, as `await flow.runStep` did, so the commands that follow keep their recorded order.
    const watch = (async (): Promise<StepOutcome<FlowStep>> => {
      await condition(() => decided || overBound());
      if (decided) return step;
      await condition(() => decided || (allHandlersFinished() && projector.idle()));
      const suspended = decided ? null : flow.suspend();
      if (suspended) await continueAsNew<typeof redeployment>(carryOn(suspended));
      return step;
    })();
    return Promise.race([step, watch]);
  }
  /** Whether a stage was passed by an earlier run of the list (a continued run resumes at its stage). */
  const behind = (s: RedeploymentStage): boolean => carried !== undefined && ORDER.indexOf(carried.state.stage) > ORDER.indexOf(s);

  // 1. The list: the department's head approves it; a return goes back to staff for a new draft.
  if (!carried || carried.state.stage === 'draft' || carried.state.stage === 'listApproval') {
    let step: 'draft' | 'listApproval' = carried?.state.stage === 'draft' ? 'draft' : 'listApproval';
    let resume = carried?.step;
    for (;;) {
      setStage(step);
      const o = await stepWait(step, state.round, resume);
      resume = undefined;
      if (step === 'draft') {
        step = 'listApproval';
        continue;
      }
      if (o.kind === 'approved') break;
      state.round += 1;
      step = 'draft';
    }
  }

  // 2. Published with a close date; applications until the end of that day, or an early close.
  if (!behind('approved')) {
    setStage('approved');
    await stageWait(() => state.closeDate !== null);
  }
  if (!behind('published')) {
    setStage('published');
    await stageWait(() => state.closedEarly !== null, startOfChinaDay(addDays(state.closeDate as string, 1)));
  }

  // 3. Eligibility and health checks of every applicant.
  if (!behind('checks')) {
    setStage('checks');
    if (state.applications.length > 0) await stageWait(() => uncheckedApplicants(state).length === 0);
  }

  // 4. Host units rank; the department matches (a proposal), staff adjust it with reasons, then submit.
  if (state.checks.some((k) => k.eligible) && !behind('meeting')) {
    if (!behind('proposal')) {
      if (!behind('ranking')) {
        setStage('ranking');
        await stageWait(() => state.proposal !== null);
      }
      setStage('proposal');
      await stageWait(() => submitted);
    }

    // 5. The department meeting votes on each matched pair (票决).
    const pairs = (state.proposal?.pairs ?? []).slice();
    meetingStep.candidates = pairs.map(pairCandidate);
    // A run continued at the meeting carries whether its vote belongs to a meeting (the suspended step).
    if (carried?.state.stage !== 'meeting' && patched(REDEPLOYMENT_MEETING)) meetingStep.meeting = {};
    setStage('meeting');
    const decision = await stepWait('meeting', 1, carried?.state.stage === 'meeting' ? carried.step : undefined);
    state.decision = decision.kind === 'approved' ? (decision.tally ?? null) : null;
    const passed = new Set((state.decision?.candidates ?? []).filter((t) => t.outcome === 'passed').map((t) => t.candidateId));
    state.approvedPairs = pairs.filter((p) => passed.has(pairCandidate(p)));
  }

  // 6. Dispatch: a task letter per cadre, kept with its hash; cadre and host unit acknowledge it.
  if (state.approvedPairs.length > 0) {
    const byPerson = new Map(state.applications.map((a) => [a.personId, a] as const));
    // A run continued at the dispatch has its letters: they were issued once, by the run before.
    if (!(carried && carried.state.stage === 'dispatch')) await issueLetters(byPerson);
    await stageWait(() => state.letters.every((l) => l.acknowledgedByCadre && l.acknowledgedByHost));
    dispatches = state.approvedPairs.map((p) => ({ taskId: p.taskId, personId: p.personId, hostUnitId: task(p.taskId).hostUnitId, formerUnitId: byPerson.get(p.personId)?.formerUnitId ?? null, cadreUserId: byPerson.get(p.personId)?.cadreUserId ?? '' }));
  }

  async function issueLetters(byPerson: Map<string, Application>): Promise<void> {
    const issuedOn = today();
    const issued = await acts.issueTaskLetters({
      workflowId,
      letters: state.approvedPairs.map((p: Pair) => {
        const t = task(p.taskId);
        return {
          letterId: taskLetterId(input.listId, p.taskId, p.personId),
          listId: input.listId,
          listTitle: input.title,
          taskId: t.taskId,
          taskTitle: t.title,
          description: t.description,
          goals: t.goals ?? [],
          hostUnitId: t.hostUnitId,
          personId: p.personId,
          ...(byPerson.get(p.personId)?.cadreUserId ? { cadreUserId: byPerson.get(p.personId)?.cadreUserId } : {}),
          term: t.term,
          reportEveryMonths: input.rules.reportEveryMonths,
          reportWorkingDays: input.rules.reportWorkingDays,
          issuedOn,
          decision: `${input.title} 部务会票决通过`,
        };
      }),
    });
    const at = new Date().toISOString();
    for (const l of issued) {
      const p = state.approvedPairs.find((x) => taskLetterId(input.listId, x.taskId, x.personId) === l.letterId) as Pair;
      state.letters.push({ letterId: l.letterId, taskId: p.taskId, personId: p.personId, cadreUserId: byPerson.get(p.personId)?.cadreUserId ?? '', hostUnitId: task(p.taskId).hostUnitId, sha256: l.sha256, bytes: l.bytes, mediaType: l.mediaType, issuedAt: at, acknowledgedByCadre: null, acknowledgedByHost: null });
    }
    projector.emit({
      audit: issued.map((l) => ({ key: `letter:${workflowId}:${l.letterId}`, kind: 'letter:issued', actorId: 'system', payload: { letterId: l.letterId, sha256: l.sha256, bytes: l.bytes, mediaType: l.mediaType } })),
      notifications: state.letters.map((l) => ({ kind: 'copy' as const, userIds: [l.cadreUserId, ...(assignees[ruleKey({ kind: 'unitHead', unitId: l.hostUnitId })] ?? [])], message: `${input.title}: task letter (任务书) ${l.letterId} issued; please acknowledge it` })),
    });
    setStage('dispatch');
  }

  // 7. One term child per dispatched cadre (kernel fan-out), then the close with the figures.
  const snapshot = snapshotOf(state, dispatches);
  if (dispatches.length === 0) {
    state.figures = figuresOf(input.listId, snapshot, emptyTermTally(), new Date().toISOString());
    state.status = 'closed';
    setStage('closed');
    projector.close('closed', 'closed', state.figures);
    await projector.finish();
    return state.figures;
  }
  setStage('terms');
  // The fan-out may continue as new at once (a long history): the last acknowledgement's answer and the
  // stage's transition must be out first, or the next run would not know them.
  if (tooLong()) await condition(() => allHandlersFinished() && projector.idle());
  // The list's own projection ends here; a run continued as new projects only its close.
  return runTerms({ ...input, assignees }, snapshot, undefined, { state, projector, setTally: (t) => (tally = t) });
}

/**
 * The terms stage: one redeploymentTerm child per dispatched cadre, started in batches, each reporting
 * its end (reportToParent); their outcomes are folded into the figures as they come (tally), and only the
 * first few are kept, so a continue-as-new carries counts, not 600 results.
 */
async function runTerms(
  input: RedeploymentInput,
  snapshot: ListSnapshot,
  progress: FanOutProgress<TermTally> | undefined,
  live?: { state: RedeploymentState; projector: ReturnType<typeof createProjector>; setTally: (t: TermTally) => void },
): Promise<ListFigures> {
  const info = workflowInfo();
  const workflowId = info.workflowId;
  const dept = input.departmentUnitId;
  const ds = snapshot.dispatches;
  const child = (i: number): ChildSpec => {
    const d = ds[i] as Dispatch;
    const args: RedeploymentTermInput = {
      listWorkflowId: workflowId,
      listId: input.listId,
      taskId: d.taskId,
      taskTitle: snapshot.titles[d.taskId] ?? d.taskId,
      hostUnitId: d.hostUnitId,
      personId: d.personId,
      cadreUserId: d.cadreUserId,
      departmentUnitId: dept,
      term: snapshot.term[d.taskId] as { start: string; end: string },
      reportEveryMonths: input.rules.reportEveryMonths,
      reportWorkingDays: input.rules.reportWorkingDays,
      assignees: termAssignees(input.assignees, d.hostUnitId, dept),
      initiatorId: input.initiatorId,
    };
    return {
      workflowId: redeploymentTermWorkflowId(input.listId, d.taskId, d.personId),
      args: [args],
      searchAttributes: [
        { key: SearchAttr.procedureType, value: REDEPLOYMENT_TERM },
        { key: SearchAttr.units, value: [d.hostUnitId] },
        { key: SearchAttr.stage, value: 'reports' },
      ],
    };
  };
  const fan = createFanOut<TermTally>({
    workflowType: REDEPLOYMENT_TERM,
    tally: { initial: emptyTermTally, fold: (t, i, o) => foldTerm(t, ds[i] as Dispatch, o.ok ? (o.result as RedeploymentTermResult) : null) },
    keep: (i) => i < STATE_TERMS,
    childId: (i) => redeploymentTermWorkflowId(input.listId, (ds[i] as Dispatch).taskId, (ds[i] as Dispatch).personId),
    children: child,
    total: ds.length,
    ...(progress ? { progress } : {}),
    // Without the state a run continued before the terms carried: the terms need only the snapshot.
    continueWith: (p) => {
      const { continued: _carried, ...rest } = input;
      return [{ ...rest, tasks: [], resume: { snapshot, progress: p, seq: projector.lastSeq() } } satisfies RedeploymentInput];
    },
  });
  const seq = input.resume?.seq;
  const projector =
    live?.projector ??
    createProjector({ procedure: openingRow({ type: REDEPLOYMENT, title: input.title, unitIds: [...new Set([dept, ...ds.map((d) => d.hostUnitId)])].sort(), stage: 'terms', startedBy: input.initiatorId }), ...(seq !== undefined ? { fromSeq: seq } : {}) });
  let figures: ListFigures | null = null;
  const termsView = () => ({
    total: fan.progress.total,
    started: fan.progress.started,
    done: fan.progress.done,
    failed: fan.progress.failed,
    workflowIds: ds.slice(0, STATE_TERMS).map((d) => redeploymentTermWorkflowId(input.listId, d.taskId, d.personId)),
  });
  const current = (): ListFigures => figures ?? figuresOf(input.listId, snapshot, fan.progress.tally ?? emptyTermTally(), null);
  if (live) {
    live.setTally(fan.progress.tally ?? emptyTermTally());
    setHandler(stateQuery, () => ({ ...live.state, terms: termsView(), figures: current(), openTasks: [], currentTask: null }));
  } else {
    // A run continued as new: the list's applications and actions stay in the first run's history.
    setHandler(stateQuery, () => ({ type: REDEPLOYMENT, workflowId, listId: input.listId, title: input.title, status: figures ? 'closed' : 'open', stage: figures ? 'closed' : 'terms', terms: termsView(), figures: current(), openTasks: [], currentTask: null }));
    setHandler(openedUpdate, () => ({ taskId: null, action: 'start', status: 'open', stage: 'terms', nextTask: null, openTasks: [], transitions: [], runId: info.runId }));
  }
  const done = await fan.run();
  figures = figuresOf(input.listId, snapshot, done.tally ?? emptyTermTally(), new Date().toISOString());
  if (live) {
    live.state.figures = figures;
    live.state.status = 'closed';
    live.state.stage = 'closed';
  }
  upsertSearchAttributes([{ key: SearchAttr.stage, value: 'closed' }]);
  // A run continued as new numbers on from the seq it carried; one continued before the seq was carried
  // counts from 1 again, so its close takes a seq no run reaches (a list's actions stay far below it).
  projector.close('closed', 'closed', figures, live || seq !== undefined ? undefined : 1_000_000);
  await projector.finish();
  return figures;
}

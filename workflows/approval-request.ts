/**
 * A generic approval request (通用审批): a request routed through steps defined when it starts, each
 * in one of the four modes of the approval block (lib/approval.ts): sequential (依次), all (会签),
 * any (或签) or vote (票决). Every step but the first may return to any earlier one; vote steps
 * record their tally, which the request's result lists.
 */
import { allHandlersFinished, ApplicationFailure, condition, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  closeVoteUpdate,
  Refusal,
  SearchAttr,
  stateQuery,
  type ActionRecord,
  type ApprovalRequestInput,
  type ApprovalRequestResult,
  type ApprovalRequestState,
  type CloseVoteInput,
  type ManageResult,
  type VoteDecision,
} from './definitions';
import { acts } from './lib/activities';
import { createApprovalFlow, type StepDef } from './lib/approval';
import { registerActHandler } from './lib/act';
import { registerManageHandler } from './lib/manage';
import { refuse } from './lib/refuse';
import { voteRuleProblem } from './lib/vote';

const MAX_STEPS = 10;

/** Why the input cannot run, or null. The API checks the same, so this guards direct starts. */
export function approvalInputProblem(input: ApprovalRequestInput): string | null {
  if (input.steps.length < 1 || input.steps.length > MAX_STEPS) return `steps: needs 1 to ${MAX_STEPS} steps, got ${input.steps.length}`;
  const keys = new Set<string>();
  for (const [i, s] of input.steps.entries()) {
    if (keys.has(s.key)) return `steps[${i}].key: ${s.key} appears twice`;
    keys.add(s.key);
    if (s.mode === 'vote') {
      if (!s.candidates?.length) return `steps[${i}].candidates: a vote step needs at least one candidate`;
      if (new Set(s.candidates).size !== s.candidates.length) return `steps[${i}].candidates: a candidate appears twice`;
      const rule = s.voteRule && voteRuleProblem(s.voteRule);
      if (rule) return `steps[${i}].voteRule: ${rule}`;
    } else if (s.candidates !== undefined || s.voteRule !== undefined) {
      return `steps[${i}]: candidates and voteRule belong to vote steps only`;
    }
  }
  return null;
}

function requestSteps(input: ApprovalRequestInput): StepDef[] {
  return input.steps.map((s, i) => ({
    key: s.key,
    mode: s.mode,
    assignees: s.assignees,
    approveActions: s.mode === 'vote' ? ['vote'] : ['approve'],
    canReturn: i > 0,
    ...(s.mode === 'vote' ? { candidates: s.candidates ?? [], ...(s.voteRule ? { voteRule: s.voteRule } : {}) } : {}),
  }));
}

export async function approvalRequest(input: ApprovalRequestInput): Promise<ApprovalRequestResult> {
  const info = workflowInfo();
  const workflowId = info.workflowId;
  const problem = approvalInputProblem(input);
  if (problem) throw ApplicationFailure.nonRetryable(problem, 'invalid_input');
  const steps = requestSteps(input);
  const nameOf = new Map(input.steps.map((s) => [s.key, s.name]));

  const state: ApprovalRequestState = {
    type: 'approvalRequest',
    workflowId,
    requestId: input.requestId,
    title: input.title,
    initiatorId: input.initiatorId,
    status: 'open',
    stage: steps[0]?.key ?? '',
    round: 1,
    currentStep: null,
    currentTask: null,
    openTasks: [],
    actions: [],
    decisions: [],
  };
  let actionSeq = 0;
  const nextSeq = (): number => ++actionSeq;
  const flow = createApprovalFlow<string>({ workflowId, procedureType: 'approvalRequest', steps, acts, dueAt: () => null });
  const record = (r: ActionRecord): void => {
    state.actions.push(r);
  };

  setHandler(stateQuery, () => {
    const open = flow.openTasks();
    const v = flow.view();
    return {
      ...state,
      currentStep: v && { ...v, name: nameOf.get(v.key) ?? v.key },
      openTasks: open,
      currentTask: open[0] ?? null,
    };
  });

  /** Answer an Update once the next tasks are all open (or the request closed), so the inboxes are current. */
  const settled = (): boolean => flow.isSettled() || state.status !== 'open';

  registerActHandler({
    flow,
    noun: 'request',
    status: () => state.status,
    stage: () => state.stage,
    record,
    nextSeq,
    settled,
    resultStatus: () => state.status,
  });

  let withdrawn = false;
  registerManageHandler({
    workflowId,
    initiatorId: input.initiatorId,
    title: input.title,
    noun: 'request',
    flow,
    status: () => state.status,
    actors: () => state.actions.map((a) => a.actorId),
    record,
    nextSeq,
    onWithdraw: () => {
      withdrawn = true;
    },
  });

  const validateCloseVote = (c: CloseVoteInput): void => {
    if (state.status !== 'open') throw refuse(Refusal.notAllowed, `the request is ${state.status}`);
    if (c.actorId !== input.initiatorId) throw refuse(Refusal.notAllowed, 'only the initiator, who organizes the vote, can close it');
    flow.validateCloseVote();
  };

  setHandler(
    closeVoteUpdate,
    async (c: CloseVoteInput): Promise<ManageResult> => {
      const seq = nextSeq();
      const at = new Date().toISOString();
      const step = flow.view()?.key ?? null;
      record({ seq, taskId: null, step, actorId: c.actorId, action: 'closeVote', at, ...(c.comment ? { comment: c.comment } : {}) });
      // closeVote decides before its first await, so a concurrent ballot's validator already sees the vote closed.
      const absent = await flow.closeVote(c.actorId, at);
      await acts.recordAction({ workflowId, seq, taskId: null, step, actorId: c.actorId, action: 'closeVote', comment: c.comment, data: { absent }, at });
      await condition(settled);
      return { action: 'closeVote', status: state.status, notified: [] };
    },
    { validator: validateCloseVote },
  );

  const unitIds = [...new Set(input.steps.flatMap((s) => ('unitId' in s.assignees ? [s.assignees.unitId] : [])))].sort();
  await acts.projectProcedure({
    workflowId,
    type: 'approvalRequest',
    parentWorkflowId: null,
    title: input.title,
    unitIds,
    stage: state.stage,
    startedBy: input.initiatorId,
    startedAt: new Date(info.startTime).toISOString(),
    data: { requestId: input.requestId, steps: input.steps },
  });

  for (let i = 0; i < steps.length && !withdrawn; ) {
    const step = steps[i] as StepDef;
    state.stage = step.key;
    upsertSearchAttributes([{ key: SearchAttr.stage, value: step.key }]);
    const outcome = await flow.runStep(step.key, state.round);
    if (outcome.kind === 'withdrawn') break;
    if (outcome.kind === 'returned') {
      state.round += 1;
      i = flow.stepIndex(outcome.to);
      continue;
    }
    if (outcome.tally) {
      const decision: VoteDecision = { step: step.key, round: state.round, tally: outcome.tally };
      state.decisions = [...state.decisions.filter((d) => d.step !== step.key), decision];
    }
    i += 1;
  }

  const closedAt = new Date().toISOString();
  const status = withdrawn ? 'withdrawn' : 'approved';
  state.status = status;
  state.stage = status;
  upsertSearchAttributes([{ key: SearchAttr.stage, value: status }]);
  const result: ApprovalRequestResult = { status, decisions: state.decisions };
  await condition(allHandlersFinished);
  await acts.closeProcedure({ workflowId, status, stage: status, closedAt, result });
  return result;
}

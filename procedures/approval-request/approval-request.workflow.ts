/**
 * A generic approval request (通用审批): a request routed through steps defined when it starts, each
 * in one of the four modes of the approval block: sequential (依次), all (会签), any (或签) or vote
 * (票决). Every step but the first may return to any earlier one; vote steps record their tally.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { createKernel } from '../kernel/procedure';
import { APPROVAL_REQUEST, type ApprovalRequestInput, type ApprovalRequestResult, type VoteDecision } from './messages';
import { approvalInputProblem, requestOpening, stepMembers } from './rules';

export async function approvalRequest(input: ApprovalRequestInput): Promise<ApprovalRequestResult> {
  const problem = approvalInputProblem(input.steps, stepMembers(input));
  if (problem) throw ApplicationFailure.nonRetryable(`${problem.field}: ${problem.message}`, 'invalid_input');
  const decisions: VoteDecision[] = [];
  const k = createKernel({
    ...requestOpening(input),
    noun: 'request',
    can: { withdraw: true, urge: true, copy: true, closeVote: true },
    ...(input.opened ? { opened: input.opened } : {}),
    view: () => ({ type: APPROVAL_REQUEST, requestId: input.requestId, title: input.title, initiatorId: input.initiatorId, decisions }),
  });
  k.registerAct({});

  const end = await k.runSteps((step, outcome) => {
    if (outcome.kind !== 'approved' || !outcome.tally) return;
    const i = decisions.findIndex((d) => d.step === step);
    if (i >= 0) decisions.splice(i, 1);
    decisions.push({ step, round: k.state.round, tally: outcome.tally });
  });
  const status = end === 'withdrawn' ? 'withdrawn' : 'approved';
  const result: ApprovalRequestResult = { status, decisions };
  await k.close(status, result);
  return result;
}

/**
 * Rules of an approval request's input, once: the API's start schema and the workflow both call
 * approvalInputProblem. Pure.
 */
import type { StepDef } from '../kernel/approval';
import { resolverFor } from '../kernel/assignees';
import type { OpeningOptions } from '../kernel/procedure';
import { unitsOf } from '../kernel/rules';
import { completeVoteRule } from '../kernel/vote';
import { APPROVAL_REQUEST, type ApprovalRequestInput, type ApprovalStepInput } from './messages';

export const MAX_STEPS = 10;

export interface InputProblem {
  field: string;
  message: string;
}

/**
 * Why the steps cannot run, or null. `members(i)` gives who step i resolves to, when known (the API
 * passes them; the workflow resolves them from its input), to check the principal is a member.
 */
export function approvalInputProblem(steps: readonly ApprovalStepInput[], members?: (i: number) => readonly string[]): InputProblem | null {
  if (steps.length < 1 || steps.length > MAX_STEPS) return { field: 'steps', message: `needs 1 to ${MAX_STEPS} steps, got ${steps.length}` };
  const keys = new Set<string>();
  for (const [i, s] of steps.entries()) {
    if (keys.has(s.key)) return { field: `steps[${i}].key`, message: 'the key appears twice' };
    keys.add(s.key);
    if (s.mode === 'vote') {
      if (!s.candidates?.length) return { field: `steps[${i}].candidates`, message: 'a vote step needs at least one candidate' };
      if (new Set(s.candidates).size !== s.candidates.length) return { field: `steps[${i}].candidates`, message: 'a candidate appears twice' };
      if (members) {
        const { problem } = completeVoteRule(s.voteRule, members(i));
        if (problem) return { field: `steps[${i}].${problem.field}`, message: problem.message };
      }
    } else if (s.candidates !== undefined || s.voteRule !== undefined) {
      return { field: `steps[${i}]`, message: 'candidates and voteRule belong to vote steps only' };
    }
  }
  return null;
}

/** The request's route as approval steps; every step but the first may return to an earlier one. */
export function requestSteps(input: Pick<ApprovalRequestInput, 'steps'>, members: (i: number) => readonly string[]): StepDef[] {
  return input.steps.map((s, i) => ({
    key: s.key,
    mode: s.mode,
    assignees: s.assignees,
    approveActions: s.mode === 'vote' ? ['vote'] : ['approve'],
    canReturn: i > 0,
    ...(s.mode === 'vote' ? { candidates: s.candidates ?? [], voteRule: completeVoteRule(s.voteRule, members(i)).rule } : {}),
  }));
}

/** Who step i resolves to, from the assignees resolved at the start. */
export function stepMembers(input: Pick<ApprovalRequestInput, 'steps' | 'assignees'>): (i: number) => string[] {
  const resolve = resolverFor(input.assignees);
  return (i) => {
    const s = input.steps[i];
    return s ? resolve(s.assignees) : [];
  };
}

/**
 * The request's opening (kernel/procedure.ts openingOf): the options its run is created with, so the API
 * can open its first step before the run exists (api/temporal.ts startOpened) with the same tasks.
 */
export function requestOpening(input: Omit<ApprovalRequestInput, 'opened'>): OpeningOptions<string> {
  const members = stepMembers(input);
  return {
    type: APPROVAL_REQUEST,
    title: input.title,
    initiatorId: input.initiatorId,
    unitIds: unitsOf(input.steps.map((s) => s.assignees)),
    steps: requestSteps(input, members),
    assignees: input.assignees,
    startData: { requestId: input.requestId, steps: input.steps },
  };
}

import { ApplicationFailure } from '@temporalio/workflow';
import { ruleKey, type AssigneeRule, type ResolvedAssignees } from './messages';

/** Who a rule names, given the resolution made at the start; the API's checks and the workflow both ask this. */
export function membersOf(resolved: ResolvedAssignees, rule: AssigneeRule): string[] {
  return rule.kind === 'user' ? [rule.userId] : (resolved[ruleKey(rule)] ?? []);
}

/**
 * Who a rule names, from the assignees resolved at the start. A rule missing there is a programming
 * error in the start path, so it fails the procedure rather than retrying for ever.
 */
export function resolverFor(resolved: ResolvedAssignees): (rule: AssigneeRule) => string[] {
  return (rule) => {
    const ids = membersOf(resolved, rule);
    if (!ids.length) throw ApplicationFailure.nonRetryable(`nobody was resolved for assignee rule ${ruleKey(rule)}`, 'no_assignee');
    return ids;
  };
}

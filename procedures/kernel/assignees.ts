import { ApplicationFailure } from '@temporalio/workflow';
import { ruleKey, type AssigneeRule, type ResolvedAssignees } from './messages';

/**
 * Who a rule names, from the assignees resolved at the start. A rule missing there is a programming
 * error in the start path, so it fails the procedure rather than retrying for ever.
 */
export function resolverFor(resolved: ResolvedAssignees): (rule: AssigneeRule) => string[] {
  return (rule) => {
    if (rule.kind === 'user') return [rule.userId];
    const ids = resolved[ruleKey(rule)];
    if (!ids?.length) throw ApplicationFailure.nonRetryable(`nobody was resolved for assignee rule ${ruleKey(rule)}`, 'no_assignee');
    return ids;
  };
}

/**
 * Resolves assignee rules against master data, once, when a procedure starts: the only place rules
 * become people (the workflow reads the result from its input, procedures/kernel/assignees.ts). A rule
 * that names nobody is refused now, since its step would wait for master data that may never come.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { ruleKey, type AssigneeRule, type ResolvedAssignees } from '../procedures/kernel/messages';

export { membersOf } from '../procedures/kernel/assignees';
import { AppUserSchema, UnitSchema } from '../platform/entities';
import { Unprocessable } from './errors';

export interface NamedRule {
  rule: AssigneeRule;
  /** The request field it came from, for the error message. */
  field: string;
}

/** Resolves every rule with three queries, whatever their number. Users are ordered by id. */
export async function resolveAssignees(em: EntityManager, rules: readonly NamedRule[]): Promise<ResolvedAssignees> {
  const userIds = [...new Set(rules.flatMap((r) => (r.rule.kind === 'user' ? [r.rule.userId] : [])))];
  const unitIds = [...new Set(rules.flatMap((r) => (r.rule.kind === 'user' ? [] : [r.rule.unitId])))];
  const [users, units, members] = await Promise.all([
    userIds.length ? em.fork().find(AppUserSchema, { id: { $in: userIds } }, { fields: ['id'] }) : [],
    unitIds.length ? em.fork().find(UnitSchema, { id: { $in: unitIds } }) : [],
    unitIds.length ? em.fork().find(AppUserSchema, { unitId: { $in: unitIds } }, { orderBy: { id: 'asc' }, fields: ['id', 'unitId', 'roles'] }) : [],
  ]);
  const knownUsers = new Set(users.map((u) => u.id));
  const unitById = new Map(units.map((u) => [u.id, u]));
  const resolved: ResolvedAssignees = {};
  for (const { rule, field } of rules) {
    if (rule.kind === 'user') {
      if (!knownUsers.has(rule.userId)) throw new Unprocessable('unknown_user', `${field}.userId: the user does not exist`, { field: `${field}.userId` });
      continue;
    }
    const unit = unitById.get(rule.unitId);
    if (!unit) throw new Unprocessable('unknown_unit', `${field}.unitId: the unit does not exist`, { field: `${field}.unitId` });
    const ids =
      rule.kind === 'unitHead'
        ? unit.headUserId
          ? [unit.headUserId]
          : []
        : members.filter((u) => u.unitId === rule.unitId && u.roles.includes(rule.role)).map((u) => u.id);
    if (ids.length === 0) throw new Unprocessable('no_assignee', `${field}: nobody in master data holds this assignment`, { field });
    resolved[ruleKey(rule)] = ids;
  }
  return resolved;
}

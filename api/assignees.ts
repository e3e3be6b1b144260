/**
 * Resolves assignee rules against master data, once, when a procedure starts: the only place rules
 * become people (the workflow reads the result from its input, procedures/kernel/assignees.ts). A rule
 * that names nobody is refused now, since its step would wait for master data that may never come.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { pgTextArray, sql } from '../activities/sql';
import { ruleKey, type AssigneeRule, type ResolvedAssignees } from '../procedures/kernel/messages';
import { Unprocessable } from './errors';

export { membersOf } from '../procedures/kernel/assignees';

export interface NamedRule {
  rule: AssigneeRule;
  /** The request field it came from, for the error message. */
  field: string;
}

/**
 * Resolves every rule with one statement, whatever their number: the named users that exist, the named
 * units with their heads, and the members of those units with their roles. Every start
 * runs it, so it goes straight to pg (activities/sql.ts).
 */
export async function resolveAssignees(em: EntityManager, rules: readonly NamedRule[]): Promise<ResolvedAssignees> {
  const userIds = [...new Set(rules.flatMap((r) => (r.rule.kind === 'user' ? [r.rule.userId] : [])))];
  const unitIds = [...new Set(rules.flatMap((r) => (r.rule.kind === 'user' ? [] : [r.rule.unitId])))];
  const rows = await sql<{ k: 'user' | 'unit' | 'member'; id: string; unit_id: string | null; head: string | null; roles: string[] | null }>(
    em,
    `select 'user' as k, id, null as unit_id, null as head, null::text[] as roles from app_user where id = any($1::text[])
     union all
     select 'unit', id, null, head_user_id, null from unit where id = any($2::text[])
     union all
     select 'member', id, unit_id, null, roles from app_user where unit_id = any($2::text[])`,
    [pgTextArray(userIds), pgTextArray(unitIds)],
  );
  const knownUsers = new Set(rows.filter((r) => r.k === 'user').map((r) => r.id));
  const unitById = new Map(rows.filter((r) => r.k === 'unit').map((r) => [r.id, { headUserId: r.head }]));
  // By id in code-unit order, whatever the database's collation: the order goes into the workflow's input.
  const members = rows
    .filter((r) => r.k === 'member')
    .map((r) => ({ id: r.id, unitId: r.unit_id, roles: r.roles ?? [] }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
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

/**
 * Who may do what (issue 10 §3), in one place. Every route declares an Access rule (RouteDef.access, or
 * for a route whose file does not declare one yet, ROUTE_ACCESS below), and defineRoute enforces it
 * before the handler runs. The authorization matrix test (test/api/authz-matrix.api.test.ts) walks the
 * OpenAPI document and fails for an operation without a rule.
 *
 * Scope: a user sees what belongs to the units of their scope, computed in SQL by user_scope_units
 * (Migration20261204000000_units_scopes): their own unit, the subtrees of their explicit scopes, and for
 * a user of an organization department (组织部, unit kind department) the subtree of the city or county
 * that department belongs to. Roles (procedures/kernel/messages.ts ROLES) say what they may do there:
 *   staff          经办人: starts procedures for units in scope, and reads the personnel data (干部) of
 *                  those units (组织部 staff: the city's or county's; a unit's staff: their unit's);
 *   approver, reviewer   act on the tasks assigned to them;
 *   supervisor     督查: the overdue list and board, urging and withdrawing, within their scope;
 *   calendarAdmin  日历管理员: loads the working-day calendar;
 *   admin          系统管理员: users, units, roles and scopes (/admin/…); sees no procedure or cadre by it.
 *
 * A procedure is visible to a user who takes part in it (started it, is or was assigned one of its tasks,
 * acted on it, or was copied), or when one of its units is in the user's scope. An invisible procedure or
 * person answers 404, exactly like an unknown one: workflow ids are business ids (approval-…,
 * rectification-<feedbackId>) and personnel numbers are guessable, so a 403 would confirm that they exist.
 * A write outside one's scope on something one may see, or may name (a start for another unit, an import
 * of another unit's cadre), answers 403 out_of_scope.
 */
import { raw, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { pgTextArray, sql } from '../activities/sql';
import type { Procedure } from '../platform/entities';
import { workflowIdOfTask, type Role } from '../procedures/kernel/messages';
import type { PersonnelData } from '../procedures/descriptor';
import { requireRole, type AuthUser } from './auth';
import { Forbidden, NotFound } from './errors';

/** What a route needs, checked by defineRoute (api/http.ts) before its handler runs. */
export type Access =
  /** No token: login, health. */
  | { kind: 'public'; why: string }
  /** Any logged-in user; `why` says why that is safe (their own data, or reference data without personal data). */
  | { kind: 'user'; why: string }
  /** One of the roles, anywhere in the user's scope; others get 403 forbidden. */
  | { kind: 'roles'; roles: readonly Role[]; why?: string }
  /**
   * A procedure named by a path parameter: visible to the user (else 404 procedure_not_found). With
   * `roles`, also one of those roles (403). With `act: 'initiatorOrDepartment'`, a write that only its
   * initiator or the organization department's staff with the procedure's units in scope may send (403).
   */
  | { kind: 'procedure'; param: string; roles?: readonly Role[]; act?: 'initiatorOrDepartment' }
  /** A task named by a path parameter (its id names its procedure): the procedure must be visible (else 404 task_not_found). */
  | { kind: 'task'; param: string }
  /**
   * One person's (干部) record named by a path parameter: visible (else 404 person_not_found), and the read
   * is logged (person_read). `personnel`: personnel data, read by staff in scope and by the person
   * themselves; otherwise the person's unit must be in scope and the route adds its own role rule.
   */
  | { kind: 'person'; param: string; personnel: boolean }
  /** A unit named by a path parameter: in the user's scope (else 404 unit_not_found). */
  | { kind: 'unit'; param: string }
  /** The route checks it itself, in `how` (e.g. a file download served outside defineRoute). */
  | { kind: 'handler'; roles?: readonly Role[]; how: string };

export const access = {
  public: (why: string): Access => ({ kind: 'public', why }),
  user: (why: string): Access => ({ kind: 'user', why }),
  roles: (...roles: Role[]): Access => ({ kind: 'roles', roles }),
  procedure: (param = 'workflowId', more: { roles?: readonly Role[]; act?: 'initiatorOrDepartment' } = {}): Access => ({ kind: 'procedure', param, ...more }),
  task: (param = 'taskId'): Access => ({ kind: 'task', param }),
  person: (param = 'id', personnel = true): Access => ({ kind: 'person', param, personnel }),
  unit: (param = 'id'): Access => ({ kind: 'unit', param }),
  handler: (how: string, roles?: readonly Role[]): Access => ({ kind: 'handler', how, ...(roles ? { roles } : {}) }),
};

/**
 * Rules of routes declared in files that do not carry theirs on the route yet (procedure modules, the
 * task, inbox, supervision and auth routes, and routes served outside defineRoute). Keyed by
 * `METHOD /path` as Express writes it. A rule on the route wins; moving one there means deleting it here.
 */
export const ROUTE_ACCESS: Record<string, Access> = {
  'GET /health': access.public('liveness, no data'),
  'GET /ready': access.public('readiness, names only the services that are missing'),
  'POST /auth/login': access.public('logs in'),
  'POST /auth/logout': access.user('ends the caller’s own session'),
  'POST /auth/logout-all': access.user('ends the caller’s own sessions'),
  'GET /auth/sessions': access.user('the caller’s own sessions'),
  'GET /me': access.user('the caller’s own account'),
  'GET /inbox': access.user('the caller’s own tasks'),
  'GET /inbox/counts': access.user('the caller’s own tasks'),
  'GET /inbox/done': access.user('the caller’s own tasks'),
  'GET /inbox/started': access.user('procedures the caller started'),
  'GET /notifications': access.user('the caller’s own notifications'),
  'POST /tasks/:taskId/actions': access.task(),
  'POST /procedures/:workflowId/actions': access.procedure(),
  'GET /supervision/overdue': access.roles('supervisor'),
  'GET /supervision/board': access.roles('supervisor'),
  // 干部选拔任用: stage commands by the initiator or the organization department's staff (rules.ts repeats it in the workflow).
  'POST /procedures/:workflowId/selection': access.procedure('workflowId', { act: 'initiatorOrDepartment' }),
  'GET /procedures/:workflowId/selection/political-gate': access.procedure(),
  'POST /procedures/:workflowId/selection/political-examination': access.procedure('workflowId', { roles: ['staff'], act: 'initiatorOrDepartment' }),
  'GET /procedures/:workflowId/batch': access.procedure(),
  'POST /procedures/:workflowId/examination': access.procedure(),
  'GET /people/:id/political-file': access.person('id', false),
  'GET /units/:id/political-file': access.unit(),
  'POST /procedures/:workflowId/redeployment': access.procedure(),
  'GET /procedures/:workflowId/redeployment/proposal': access.procedure(),
  'GET /procedures/:workflowId/redeployment/figures': access.procedure(),
  'GET /redeployment/figures': access.user('sums over closed lists, no person or unit named'),
  'POST /procedures/:workflowId/term': access.procedure(),
};

/** The rule of a route: its own, else the table's. */
export function ruleOf(method: string, path: string, own: Access | undefined): Access | undefined {
  return own ?? ROUTE_ACCESS[`${method.toUpperCase()} ${path}`];
}

/** Roles the rule needs before anything is read (null: none). */
export function rolesOf(a: Access): readonly Role[] | null {
  return a.kind === 'roles' ? a.roles : 'roles' in a && a.roles ? a.roles : null;
}

export const requireRoles = requireRole;

/** SQL: the unit ids in the user's scope, as an array (one parameter: the user id). */
const SCOPE_ARRAY = 'array(select user_scope_units(?))';

/**
 * SQL condition on a procedure row aliased `alias`: the user takes part in it, or one of its units is in
 * their scope. For raw SQL (em.execute); `procedureScope` is the same for MikroORM filters.
 */
export function procedureScopeSql(user: Pick<AuthUser, 'id'>, alias = 'p'): { sql: string; params: string[] } {
  const a = alias;
  const sql = `(${a}.started_by = ?
    or ${a}.unit_ids && ${SCOPE_ARRAY}
    or exists (select 1 from task t where t.workflow_id = ${a}.workflow_id and (t.assignee_ids @> array[?]::text[] or t.completed_by = ?))
    or exists (select 1 from action_log l where l.workflow_id = ${a}.workflow_id and l.actor_id = ?)
    or exists (select 1 from notification n where n.workflow_id = ${a}.workflow_id and n.user_id = ? and n.kind = 'copy'))`;
  return { sql, params: [user.id, user.id, user.id, user.id, user.id, user.id] };
}

/**
 * A MikroORM filter on ProcedureSchema: the procedures the user may see. Combine with other conditions:
 * `em.find(ProcedureSchema, { $and: [procedureScope(user), { overdue: true }] })`.
 */
export function procedureScope(user: Pick<AuthUser, 'id'>): FilterQuery<Procedure> {
  return {
    [raw((alias: string) => {
      const { sql } = procedureScopeSql(user, alias);
      return sql;
    }, procedureScopeSql(user).params)]: [],
  };
}

/** The unit ids in the user's scope. */
export async function scopeUnits(em: EntityManager, user: Pick<AuthUser, 'id'>): Promise<Set<string>> {
  const rows = await em.execute<{ id: string }[]>('select user_scope_units(?) as id', [user.id]);
  return new Set(rows.map((r) => r.id));
}

/** Whether the user's unit is an organization department (组织部). */
export async function inDepartment(em: EntityManager, user: Pick<AuthUser, 'unitId'>): Promise<boolean> {
  const [row] = await em.execute<{ kind: string }[]>('select kind from unit where id = ?', [user.unitId]);
  return row?.kind === 'department';
}

/** The units of `unitIds` outside the user's scope, in order, each once. */
async function unitsOutsideScope(em: EntityManager, user: Pick<AuthUser, 'id'>, unitIds: readonly string[]): Promise<string[]> {
  if (unitIds.length === 0) return [];
  // Only the units outside come back: a city's scope is every unit in it, and every start asks.
  const rows = await sql<{ id: string }>(em, 'select u as id from unnest($1::text[]) u where u <> all(array(select user_scope_units($2)))', [
    pgTextArray([...new Set(unitIds)]),
    user.id,
  ]);
  return rows.map((r) => r.id);
}

/** 403 out_of_scope unless every unit is in the user's scope (a start, an import). */
export async function assertUnitsInScope(em: EntityManager, user: Pick<AuthUser, 'id'>, unitIds: readonly string[], field = 'units'): Promise<void> {
  const outside = await unitsOutsideScope(em, user, unitIds);
  if (outside.length) {
    throw new Forbidden('out_of_scope', `${field}: ${outside.length} unit(s) are outside your scope`, { field, unitIds: outside });
  }
}

/**
 * 403 out_of_scope unless every named user belongs to a unit in the user's scope. A step that names
 * users and no unit (an approval request's `{kind: "user"}`) belongs to those users' units in master
 * data, so it is held to the rule of a step naming their unit: 教育局 staff cannot start a request naming
 * only 卫健委's people, nor slip one of them in beside their own. `named`: each user id with the request
 * field it came from; the first one outside is the field named. Unknown ids are the caller's to refuse
 * first (they have no unit here).
 */
export async function assertUsersInScope(em: EntityManager, user: Pick<AuthUser, 'id'>, named: readonly { userId: string; field: string }[]): Promise<void> {
  if (named.length === 0) return;
  // One statement: only the named users whose unit is outside come back (none, on every allowed start).
  const rows = await sql<{ id: string; unit_id: string }>(
    em,
    'select id, unit_id from app_user where id = any($1::text[]) and unit_id <> all(array(select user_scope_units($2)))',
    [pgTextArray([...new Set(named.map((n) => n.userId))]), user.id],
  );
  if (rows.length === 0) return;
  const outside = [...new Set(rows.map((r) => r.unit_id))];
  const unitOf = new Map(rows.map((r) => [r.id, r.unit_id]));
  const first = named.find((n) => unitOf.has(n.userId));
  const field = first ? `${first.field}.userId` : 'units';
  throw new Forbidden('out_of_scope', `${field}: the user belongs to a unit outside your scope`, { field, unitIds: outside });
}

async function procedureVisible(em: EntityManager, user: AuthUser, workflowId: string): Promise<{ startedBy: string; unitIds: string[] } | null> {
  const { sql, params } = procedureScopeSql(user, 'p');
  const [row] = await em.execute<{ started_by: string; unit_ids: string[] }[]>(
    `select p.started_by, p.unit_ids from procedure p where p.workflow_id = ? and ${sql}`,
    [workflowId, ...params],
  );
  return row ? { startedBy: row.started_by, unitIds: row.unit_ids } : null;
}

/**
 * SQL condition on a person row aliased `alias`: personnel data the user may read. Their own record; and
 * for staff, the people of the units in their scope, plus, for 组织部 staff, people with no unit.
 */
export function personScopeSql(user: AuthUser, alias = 'x'): { sql: string; params: string[] } {
  const a = alias;
  if (!user.roles.includes('staff')) return { sql: `(${a}.user_id = ?)`, params: [user.id] };
  return {
    sql: `(${a}.user_id = ? or ${a}.unit_id = any(${SCOPE_ARRAY})
      or (${a}.unit_id is null and exists (select 1 from app_user me join unit mu on mu.id = me.unit_id where me.id = ? and mu.kind = 'department')))`,
    params: [user.id, user.id, user.id],
  };
}

/** The same as a MikroORM filter on PersonSchema. */
export function personScope(user: AuthUser): Record<string, unknown> {
  const { params } = personScopeSql(user);
  return { [raw((alias: string) => personScopeSql(user, alias).sql, params)]: [] };
}

/** Records that the user read these people's records (person_read); `route` is the route's path. */
export async function logPersonReads(em: EntityManager, user: Pick<AuthUser, 'id'>, personIds: readonly string[], route: string): Promise<void> {
  if (!personIds.length) return;
  await em.execute('insert into person_read (user_id, person_id, route) select ?, unnest(?::text[]), ?', [user.id, pgTextArray(personIds), route]);
}

/**
 * The people of `personIds` whose personnel data the user may read (personScopeSql: 组织部 staff, the
 * person's own unit's staff, the person), each logged as read through `route`, as /people's are. The
 * callers show the others' data redacted (procedures/descriptor.ts personnelData): a procedure's state
 * and its action records are personnel data as a record is, and an approver sees a check's outcome, not
 * the birth date behind it. Those who decide on the people (personnelData.deciders) see them whole.
 */
export async function readablePersonnel(em: EntityManager, user: AuthUser, personIds: readonly (string | null)[], route: string): Promise<Set<string>> {
  const ids = [...new Set(personIds.filter((id): id is string => id !== null))];
  if (ids.length === 0) return new Set();
  const { sql: visible, params } = personScopeSql(user, 'x');
  const rows = await em.execute<{ id: string }[]>(`select x.id from person x where x.id = any(?::text[]) and ${visible}`, [pgTextArray(ids), ...params]);
  const shown = new Set(rows.map((r) => r.id));
  await logPersonReads(em, user, [...shown], route);
  return shown;
}

/** A procedure's live state as this reader may see it (see readablePersonnel). */
export async function personnelShown(
  em: EntityManager,
  user: AuthUser,
  data: Pick<PersonnelData, 'people' | 'redact' | 'deciders'> | undefined,
  state: unknown,
  route: string,
): Promise<unknown> {
  const ids = data ? data.people(state) : [];
  if (!data || ids.length === 0) return state;
  // Those who decide on these people see them whole (PersonnelData.deciders), and the read is logged all the same.
  if (data.deciders?.(state).includes(user.id)) {
    await logPersonReads(em, user, [...new Set(ids)], route);
    return state;
  }
  return data.redact(state, await readablePersonnel(em, user, ids, route));
}

const param = (params: unknown, name: string): string => {
  const v = (params as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
};

/**
 * The checks of a rule that need the request's path parameters, after they are validated and before
 * the handler runs. Role checks have run before (rolesOf). Returns what to do once the handler has
 * answered successfully: log a person's read (a refused request leaves no trace, so not before).
 */
export async function authorize(em: EntityManager, user: AuthUser, a: Access, params: unknown, route: string): Promise<(() => Promise<void>) | null> {
  switch (a.kind) {
    case 'public':
    case 'user':
    case 'roles':
    case 'handler':
      return null;
    case 'procedure': {
      const id = param(params, a.param);
      const p = await procedureVisible(em, user, id);
      if (!p) throw new NotFound('procedure_not_found', `procedure ${id} not found`);
      if (a.act === 'initiatorOrDepartment' && p.startedBy !== user.id) {
        const department = user.roles.includes('staff') && (await inDepartment(em, user));
        const scope = department ? await scopeUnits(em, user) : new Set<string>();
        if (!department || !p.unitIds.every((u) => scope.has(u))) {
          throw new Forbidden('forbidden', 'only the initiator or the organization department’s staff (组织部, role staff) with its units in scope act on it');
        }
      }
      return null;
    }
    case 'task': {
      const workflowId = workflowIdOfTask(param(params, a.param));
      if (!workflowId || !(await procedureVisible(em, user, workflowId))) throw new NotFound('task_not_found', 'no such task');
      return null;
    }
    case 'person': {
      const id = param(params, a.param);
      const visible = a.personnel
        ? personScopeSql(user, 'x')
        : { sql: `(x.user_id = ? or x.unit_id = any(${SCOPE_ARRAY}) or x.unit_id is null)`, params: [user.id, user.id] };
      const [row] = await em.execute<{ id: string }[]>(`select x.id from person x where x.id = ? and ${visible.sql}`, [id, ...visible.params]);
      if (!row) throw new NotFound('person_not_found', `no person has the personnel number ${id}`);
      return () => logPersonReads(em, user, [id], route);
    }
    case 'unit': {
      const id = param(params, a.param);
      if (!(await scopeUnits(em, user)).has(id)) throw new NotFound('unit_not_found', `unit ${id} not found`);
      return null;
    }
  }
}

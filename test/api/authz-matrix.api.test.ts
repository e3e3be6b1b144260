/**
 * The authorization matrix (issue 10 §3), generated from the route registry and the OpenAPI document:
 * every operation × every demo user (one per role and kind of unit) × a target of their own unit and
 * one of another (市教育局 jyj, 卫健委 wjw), with the answer the rule predicts. The predictions come
 * from the model below (who sees which unit), written independently of the SQL that enforces it. An
 * operation without a rule fails the first test, so a new route cannot go without one.
 *
 * Then one regression test per row of the table, and a few more for the scope's edges.
 *
 * Another unit's procedure, task or person answers 404, exactly like an unknown one (not 403): ids are
 * business ids (approval-<requestId>, personnel numbers), and a 403 would confirm that one exists.
 */
import { createApp } from '../../api/app';
import { ruleOf, type Access } from '../../api/authz';
import type { RouteRule } from '../../api/http';
import { PersonSchema, ProcedureSchema, TaskSchema } from '../../platform/entities';
import { eventually, uniqueId } from '../helpers/env';
import { apiClient, newKey, useApiStack, type HttpResult } from '../helpers/api';

const stack = useApiStack();

type UnitRef = 'jyj' | 'wjw';
/** The model: each demo user's roles, whether their unit is an organization department, and the units they see. */
const USERS: Record<string, { roles: string[]; department: boolean; sees: UnitRef[] }> = {
  'zzb-staff': { roles: ['staff'], department: true, sees: ['jyj', 'wjw'] },
  'zzb-head': { roles: ['approver'], department: true, sees: ['jyj', 'wjw'] },
  'dc-supervisor': { roles: ['supervisor'], department: true, sees: ['jyj', 'wjw'] },
  'xcb-reviewer': { roles: ['reviewer'], department: false, sees: [] },
  'jyj-staff': { roles: ['staff'], department: false, sees: ['jyj'] },
  'jyj-head': { roles: ['approver'], department: false, sees: ['jyj'] },
  'wjw-staff': { roles: ['staff'], department: false, sees: ['wjw'] },
  // 青溪县委组织部: an organization department, but of a county; the city's units are not in its scope.
  'qx-zzb-staff': { roles: ['staff'], department: true, sees: [] },
  'calendar-admin': { roles: ['calendarAdmin'], department: false, sees: [] },
  admin: { roles: ['admin'], department: false, sees: [] },
};

const PEOPLE: Record<UnitRef, string> = { jyj: 'GB2005017', wjw: 'GB2003008' };
/** Approval requests: jyj's started by jyj-staff, wjw's by wjw-staff, each decided by the unit's head. */
const procs = {} as Record<UnitRef, { workflowId: string; taskId: string; starter: string }>;
let rules: RouteRule[] = [];
let openapi: { paths: Record<string, Record<string, unknown>> };

async function startApproval(user: string, unitId: string, extra: Record<string, unknown>[] = []): Promise<HttpResult> {
  const requestId = uniqueId('authz');
  return stack.h.call('POST', '/procedures/approvalRequest', {
    token: await stack.h.login(user),
    key: newKey(),
    body: {
      requestId,
      title: '权限矩阵测试',
      steps: [{ key: 'decide', name: '审批', mode: 'any', assignees: { kind: 'role', role: 'approver', unitId } }, ...extra],
    },
  });
}

beforeAll(async () => {
  const built = createApp({ orm: stack.t.orm, client: apiClient(stack.t.env), taskQueue: stack.api.taskQueue, sessionHours: 1 });
  rules = built.routes;
  openapi = built.openapi as typeof openapi;
  for (const [unit, starter] of [['jyj', 'jyj-staff'], ['wjw', 'wjw-staff']] as const) {
    const r = await startApproval(starter, unit);
    expect(r.status).toBe(201);
    const workflowId = r.body.workflowId as string;
    const taskId = await eventually(async () => (await stack.t.orm.em.fork().findOne(TaskSchema, { workflowId, status: 'pending' }))?.id, 30_000, 'the task');
    procs[unit] = { workflowId, taskId, starter };
  }
});

const expressPath = (p: string): string => p.replace(/\{(\w+)\}/g, ':$1');
const METHODS = ['get', 'post', 'put', 'delete'] as const;

interface Op {
  method: string;
  path: string;
  rule: Access | undefined;
  /** The route's own roles, checked besides the rule's. */
  roles: readonly string[] | null;
}

function operations(): Op[] {
  const ops: Op[] = [];
  for (const [path, item] of Object.entries(openapi.paths)) {
    for (const method of METHODS) {
      if (!item[method]) continue;
      const own = rules.find((r) => r.method === method && r.path === expressPath(path));
      ops.push({ method, path: expressPath(path), rule: own?.access ?? ruleOf(method, expressPath(path), undefined), roles: own?.roles ?? null });
    }
  }
  return ops;
}

test('every operation of the OpenAPI document, and every registered route, has an access rule', () => {
  const ops = operations();
  expect(ops.length).toBeGreaterThan(40);
  expect(ops.filter((o) => !o.rule).map((o) => `${o.method.toUpperCase()} ${o.path}`)).toEqual([]);
  expect(rules.filter((r) => r.declared === 'none').map((r) => `${r.method.toUpperCase()} ${r.path}`)).toEqual([]);
  // Every registered route is documented, so the matrix below reaches it.
  const documented = new Set(ops.map((o) => `${o.method} ${o.path}`));
  expect(rules.filter((r) => !documented.has(`${r.method} ${r.path}`)).map((r) => r.path)).toEqual([]);
});

type Outcome = 'unauthenticated' | 'forbidden' | 'hidden' | 'allowed';

/**
 * What the policy itself answers (api/authz.ts's messages); anything else came from the handler: a 400 for
 * the dummy body, a workflow's refusal, or a module's own 404 for a procedure of another type.
 */
function outcomeOf(r: HttpResult): Outcome {
  const b = r.body as { code?: string; message?: string };
  const m = b.message ?? '';
  if (r.status === 401) return 'unauthenticated';
  if (r.status === 403 && b.code === 'forbidden' && /^(this needs one of the roles|only the initiator or the organization department)/.test(m)) return 'forbidden';
  if (r.status === 404 && /^(procedure \S+ not found|no such task|no person has the personnel number \S+|unit \S+ not found)$/.test(m)) return 'hidden';
  return 'allowed';
}

/** The answer the model predicts for a user (null: no token) on a rule and a target unit. */
function expected(rule: Access, routeRoles: readonly string[] | null, user: string | null, target: UnitRef): Outcome {
  if (rule.kind === 'public') return 'allowed';
  if (user === null) return 'unauthenticated';
  const u = USERS[user]!;
  const roles = rule.kind === 'roles' ? rule.roles : (rule.kind === 'procedure' || rule.kind === 'handler') && rule.roles ? rule.roles : null;
  for (const need of [routeRoles, roles]) if (need && !need.some((r) => u.roles.includes(r))) return 'forbidden';
  switch (rule.kind) {
    case 'user':
    case 'roles':
    case 'handler':
      return 'allowed';
    case 'procedure': {
      if (!u.sees.includes(target) && procs[target].starter !== user) return 'hidden';
      if (rule.act === 'initiatorOrDepartment' && procs[target].starter !== user && !(u.department && u.roles.includes('staff'))) return 'forbidden';
      return 'allowed';
    }
    case 'task':
      return u.sees.includes(target) ? 'allowed' : 'hidden';
    case 'person':
      return u.sees.includes(target) && (!rule.personnel || u.roles.includes('staff')) ? 'allowed' : 'hidden';
    case 'unit':
      return u.sees.includes(target) ? 'allowed' : 'hidden';
  }
}

function pathFor(path: string, target: UnitRef): string {
  return path.replace(/:(\w+)/g, (_m, name: string) => {
    if (name === 'workflowId') return procs[target].workflowId;
    if (name === 'taskId') return procs[target].taskId;
    if (name === 'year') return '2026';
    if (path.startsWith('/people/')) return PEOPLE[target];
    if (path.startsWith('/units/') || path.startsWith('/admin/units/')) return target;
    if (path.startsWith('/admin/users/')) return `${target}-staff`;
    return 'x';
  });
}

/** Ending sessions would end the matrix's own tokens; these are checked without a token only. */
const SESSION_ENDING = new Set(['post /auth/logout', 'post /auth/logout-all']);

test('the matrix: every route × role × own/foreign unit answers what its rule says, and never 5xx', async () => {
  const mismatches: string[] = [];
  const fiveHundreds: string[] = [];
  let requests = 0;
  for (const op of operations()) {
    // An operation without a rule fails the test above.
    if (!op.rule) continue;
    const rule = op.rule;
    const targeted = /:(workflowId|taskId|id)\b/.test(op.path);
    for (const target of targeted ? (['jyj', 'wjw'] as const) : (['jyj'] as const)) {
      const path = pathFor(op.path, target);
      for (const user of [null, ...Object.keys(USERS)]) {
        if (user && SESSION_ENDING.has(`${op.method} ${op.path}`)) continue;
        if (rule.kind === 'public' && op.path === '/auth/login' && user) continue;
        const token = user ? await stack.h.login(user) : undefined;
        // A body no schema accepts (strict objects refuse the key): whoever gets past the policy gets a 400, nothing changes.
        const r = await stack.h.call(op.method.toUpperCase(), path, {
          ...(token ? { token } : {}),
          ...(op.method === 'get' ? {} : { key: newKey(), body: { matrixProbe: 1 } }),
        });
        requests++;
        const want = expected(rule, op.roles, user, target);
        const got = outcomeOf(r);
        if (r.status >= 500) fiveHundreds.push(`${op.method.toUpperCase()} ${path} as ${user}: ${r.status}`);
        if (got !== want) mismatches.push(`${op.method.toUpperCase()} ${op.path} as ${user ?? 'anonymous'} on ${target}'s: expected ${want}, got ${got} (${r.status} ${JSON.stringify(r.body).slice(0, 160)})`);
      }
    }
  }
  expect(mismatches).toEqual([]);
  expect(fiveHundreds).toEqual([]);
  expect(requests).toBeGreaterThan(500);
});

describe('regressions: the rows of issue 10’s table', () => {
  test('any user reading another unit’s procedure, its actions, audit log or live state: 404, as for an unknown id', async () => {
    const token = await stack.h.login('jyj-staff');
    const wf = procs.wjw.workflowId;
    for (const p of [`/procedures/${wf}`, `/procedures/${wf}/actions`, `/procedures/${wf}/audit`, `/procedures/${wf}/audit/verify`]) {
      const r = await stack.h.call('GET', p, { token });
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ code: 'procedure_not_found' });
      // The same answer as an id that does not exist.
      const unknown = await stack.h.call('GET', p.replace(wf, 'approval-nope'), { token });
      expect(unknown.body.code).toBe(r.body.code);
    }
    expect((await stack.h.call('GET', `/procedures/${procs.jyj.workflowId}`, { token })).status).toBe(200);
  });

  test('GET /procedures lists only what the caller may see, filtered in SQL (total included)', async () => {
    const list = async (user: string): Promise<string[]> => {
      const r = await stack.h.call('GET', '/procedures?type=approvalRequest&limit=200', { token: await stack.h.login(user) });
      expect(r.status).toBe(200);
      expect(r.body.total).toBe(r.body.items.length);
      return r.body.items.map((p: { workflowId: string }) => p.workflowId);
    };
    const jyj = await list('jyj-staff');
    expect(jyj).toContain(procs.jyj.workflowId);
    expect(jyj).not.toContain(procs.wjw.workflowId);
    expect(await list('zzb-staff')).toEqual(expect.arrayContaining([procs.jyj.workflowId, procs.wjw.workflowId]));
    expect(await list('dc-supervisor')).toEqual(expect.arrayContaining([procs.jyj.workflowId, procs.wjw.workflowId]));
    const county = await list('qx-zzb-staff');
    expect(county).not.toContain(procs.jyj.workflowId);
    expect(county).not.toContain(procs.wjw.workflowId);
  });

  test('every user reads every cadre’s data: no more; GET /people and /people/:id are scoped, and each read is logged', async () => {
    const jyj = await stack.h.login('jyj-staff');
    const listed = await stack.h.call('GET', '/people?limit=200', { token: jyj });
    expect(listed.status).toBe(200);
    expect(new Set(listed.body.items.map((p: { unitId: string }) => p.unitId))).toEqual(new Set(['jyj']));
    expect((await stack.h.call('GET', `/people/${PEOPLE.wjw}`, { token: jyj })).body).toMatchObject({ status: 404, code: 'person_not_found' });
    expect((await stack.h.call('GET', `/people/${PEOPLE.jyj}`, { token: jyj })).status).toBe(200);
    // Not personnel staff: the head of 教育局, the supervisor, the administrator.
    for (const user of ['jyj-head', 'dc-supervisor', 'admin']) {
      expect((await stack.h.call('GET', '/people', { token: await stack.h.login(user) })).status).toBe(403);
      expect((await stack.h.call('GET', `/people/${PEOPLE.jyj}`, { token: await stack.h.login(user) })).status).toBe(404);
    }
    const zzb = await stack.h.call('GET', '/people?limit=200', { token: await stack.h.login('zzb-staff') });
    expect(zzb.body.items.map((p: { unitId: string }) => p.unitId)).toEqual(expect.arrayContaining(['jyj', 'wjw']));

    const reads = await stack.h.call('GET', `/admin/person-reads?personId=${PEOPLE.jyj}&userId=jyj-staff`, { token: await stack.h.login('admin') });
    expect(reads.body.map((r: { route: string }) => r.route)).toEqual(expect.arrayContaining(['/people/:id', '/people']));
    // The refused read of wjw's cadre is not a read.
    const refused = await stack.h.call('GET', `/admin/person-reads?personId=${PEOPLE.wjw}&userId=jyj-staff`, { token: await stack.h.login('admin') });
    expect(refused.body).toEqual([]);
    // Nor is one the route itself refuses after the scope check passed: the political file is the department's.
    expect((await stack.h.call('GET', `/people/${PEOPLE.jyj}/political-file`, { token: jyj })).status).toBe(403);
    const afterRefusal = await stack.h.call('GET', `/admin/person-reads?personId=${PEOPLE.jyj}&userId=jyj-staff`, { token: await stack.h.login('admin') });
    expect(afterRefusal.body.map((r: { route: string }) => r.route)).not.toContain('/people/:id/political-file');
  });

  test('unit staff reading /supervision/overdue: 403', async () => {
    for (const user of ['jyj-staff', 'zzb-staff', 'jyj-head']) {
      const r = await stack.h.call('GET', '/supervision/overdue', { token: await stack.h.login(user) });
      expect(r.status).toBe(403);
    }
    expect((await stack.h.call('GET', '/supervision/overdue', { token: await stack.h.login('dc-supervisor') })).status).toBe(200);
  });

  test('教育局 staff starting a procedure naming only 卫健委: 403 out_of_scope, nothing started', async () => {
    const before = await stack.t.orm.em.fork().count(ProcedureSchema, {});
    const r = await startApproval('jyj-staff', 'wjw');
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 'out_of_scope', details: { field: 'units', unitIds: ['wjw'] } });
    // Naming its own unit as well does not help.
    const mixed = await startApproval('jyj-staff', 'jyj', [{ key: 'second', name: '会签', mode: 'all', assignees: { kind: 'role', role: 'approver', unitId: 'wjw' } }]);
    expect(mixed.body).toMatchObject({ status: 403, code: 'out_of_scope' });
    expect(await stack.t.orm.em.fork().count(ProcedureSchema, {})).toBe(before);
    // The organization department starts for both.
    expect((await startApproval('zzb-staff', 'wjw')).status).toBe(201);
  });

  test('教育局 staff importing a 卫健委 cadre: the row is refused, the cadre is not moved or changed', async () => {
    const em = stack.t.orm.em.fork();
    const before = await em.findOneOrFail(PersonSchema, { id: PEOPLE.wjw }, { disableIdentityMap: true });
    const csv = ['编号,姓名,出生日期,单位,现职级,任现职级时间,参加工作时间,基层工作年限,学历,入党时间', `${PEOPLE.wjw},陈丽,1976-08-09,jyj,正处,2018-12-10,1998-08-01,10,本科,2000-01-01`, 'AZ0001,新人,1990-01-01,wjw,科员,2015-01-01,2015-01-01,1,本科,'].join('\n');
    const r = await stack.h.call('POST', '/people/import', {
      token: await stack.h.login('jyj-staff'),
      key: newKey(),
      body: { format: 'csv', content: Buffer.from(csv).toString('base64') },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ imported: 0, updated: 0, failed: 2 });
    expect(r.body.errors.map((e: { row: number; errors: { field: string }[] }) => [e.row, e.errors[0]?.field])).toEqual([
      [2, 'unitId'],
      [3, 'unitId'],
    ]);
    const after = await em.findOneOrFail(PersonSchema, { id: PEOPLE.wjw }, { disableIdentityMap: true });
    expect(after).toEqual(before);
    expect(await em.count(PersonSchema, { id: 'AZ0001' })).toBe(0);

    // Naming its own unit for the other unit's cadre is refused as well (the person's unit counts).
    const moved = ['编号,姓名,出生日期,现职级,任现职级时间,参加工作时间,基层工作年限,学历', `${PEOPLE.wjw},陈丽,1976-08-09,正处,2018-12-10,1998-08-01,10,本科`].join('\n');
    const r2 = await stack.h.call('POST', '/people/import', {
      token: await stack.h.login('jyj-staff'),
      key: newKey(),
      body: { format: 'csv', content: Buffer.from(moved).toString('base64') },
    });
    expect(r2.body).toMatchObject({ updated: 0, failed: 1, errors: [{ row: 2, errors: [{ message: 'the person belongs to a unit outside your scope' }] }] });
    expect(await em.findOneOrFail(PersonSchema, { id: PEOPLE.wjw }, { disableIdentityMap: true })).toEqual(before);
  });

  test('staff of any unit, and the supervisor, replacing the statutory calendar: 403; the calendar administrator may', async () => {
    const body = { source: '测试', days: [{ date: '2026-10-09', workday: false }] };
    for (const user of ['jyj-staff', 'zzb-staff', 'dc-supervisor']) {
      const r = await stack.h.call('PUT', '/calendar/years/2026', { token: await stack.h.login(user), key: newKey(), body });
      expect(r.status).toBe(403);
    }
    const years = await stack.h.call('GET', '/calendar/years', { token: await stack.h.login('jyj-staff') });
    expect(years.body).toEqual(expect.arrayContaining([{ year: 2026, source: 'chinese-days', loadedBy: null, loadedAt: null }]));
  });

  test('a cadre selection’s stage actions: only its initiator or the organization department’s staff, checked in the API before any Update', async () => {
    // A selection's projection row, as its start writes it (initiator zzb-staff, post in jyj); no workflow behind it,
    // so whoever passes the check gets Temporal's 404, and whoever does not never reaches Temporal.
    const workflowId = `cadre-selection-${uniqueId('authz')}`;
    const now = new Date();
    await stack.t.orm.em.fork().insert(ProcedureSchema, {
      workflowId, type: 'cadreSelection', parentWorkflowId: null, title: '测试', unitIds: ['jyj'], status: 'open', stage: 'nomination',
      overdue: false, dueAt: null, startedBy: 'zzb-staff', startedAt: now, closedAt: null, result: null, escalation: null, updatedAt: now,
    });
    const act = async (user: string) => stack.h.call('POST', `/procedures/${workflowId}/selection`, { token: await stack.h.login(user), key: newKey(), body: { action: 'freezePrinciples' } });
    for (const user of ['jyj-staff', 'jyj-head']) {
      const r = await act(user);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('forbidden');
    }
    // Not in scope at all: hidden.
    expect((await act('qx-zzb-staff')).body).toMatchObject({ status: 404, code: 'procedure_not_found' });
    // The initiator and the department's staff pass the check (then the missing workflow, or the body, answers).
    for (const user of ['zzb-staff']) {
      const r = await act(user);
      expect(outcomeOf(r)).toBe('allowed');
    }
  });

  test('taking part makes a procedure visible across units; a county’s organization department sees its county only', async () => {
    // 教育局 asks 巡察办's director too: xcb-director takes part, so sees it; xcb-reviewer does not.
    const r = await startApproval('zzb-staff', 'jyj', [{ key: 'xcb', name: '巡察办意见', mode: 'any', assignees: { kind: 'user', userId: 'xcb-director' } }]);
    expect(r.status).toBe(201);
    const wf = r.body.workflowId as string;
    expect((await stack.h.call('GET', `/procedures/${wf}/actions`, { token: await stack.h.login('zzb-staff') })).status).toBe(200);
    expect((await stack.h.call('GET', `/procedures/${wf}/actions`, { token: await stack.h.login('xcb-reviewer') })).status).toBe(404);

    // 青溪县教育局 staff start one for 青溪县委组织部; the county department sees it, the city's department too, 市教育局 not.
    const county = await stack.h.call('POST', '/procedures/approvalRequest', {
      token: await stack.h.login('qx-jyj-staff'),
      key: newKey(),
      body: { requestId: uniqueId('qx'), title: '县里的审批', steps: [{ key: 'decide', name: '审批', mode: 'any', assignees: { kind: 'role', role: 'staff', unitId: 'qx-jyj' } }] },
    });
    expect(county.status).toBe(201);
    const cwf = county.body.workflowId as string;
    for (const [user, status] of [['qx-zzb-staff', 200], ['zzb-staff', 200], ['jyj-staff', 404], ['qx-jyj-staff', 200]] as const) {
      expect([user, (await stack.h.call('GET', `/procedures/${cwf}/actions`, { token: await stack.h.login(user) })).status]).toEqual([user, status]);
    }
    // …and the county department may not start one for a city unit.
    expect((await startApproval('qx-zzb-staff', 'jyj')).body).toMatchObject({ status: 403, code: 'out_of_scope' });
  });
});

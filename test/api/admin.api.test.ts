/**
 * Administration of users, units, roles and scopes (issue 10 §3): the admin API and its CSV import,
 * audited, for role admin only.
 */
import { newKey, useApiStack } from '../helpers/api';

const stack = useApiStack();
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const PASSWORD = 'Qingxi-2026-Admin!';

async function as(user: string, method: string, path: string, body?: unknown) {
  const token = await stack.h.login(user);
  return stack.h.call(method, path, { token, ...(method === 'GET' ? {} : { key: newKey() }), ...(body !== undefined ? { body } : {}) });
}

test('only the system administrator reaches /admin: others get 403 forbidden', async () => {
  for (const user of ['zzb-staff', 'dc-supervisor', 'calendar-admin', 'jyj-head']) {
    const r = await as(user, 'GET', '/admin/users');
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 'forbidden', details: { roles: ['admin'] } });
    expect((await as(user, 'POST', '/admin/units', { id: 'x-unit', name: 'x', kind: 'unit', parentId: 'city' })).status).toBe(403);
  }
  expect((await stack.h.call('GET', '/admin/users')).status).toBe(401);
});

test('units: created under a parent, never moved under themselves; every change is audited', async () => {
  const created = await as('admin', 'POST', '/admin/units', { id: 'qx-wjw', name: '青溪县卫健局', kind: 'unit', parentId: 'qx' });
  expect(created.status).toBe(201);
  expect(created.body).toEqual({ id: 'qx-wjw', name: '青溪县卫健局', kind: 'unit', parentId: 'qx', headUserId: null });
  expect((await as('admin', 'POST', '/admin/units', { id: 'qx-wjw', name: 'x', kind: 'unit', parentId: 'qx' })).body).toMatchObject({ status: 409, code: 'unit_exists' });
  expect((await as('admin', 'POST', '/admin/units', { id: 'y', name: 'y', kind: 'unit', parentId: 'nowhere' })).body).toMatchObject({ status: 422, code: 'unknown_unit', details: { field: 'parentId' } });

  // 青溪县 under its own unit would make a cycle.
  const cycle = await as('admin', 'PUT', '/admin/units/qx', { parentId: 'qx-wjw' });
  expect(cycle.status).toBe(422);
  expect(cycle.body).toMatchObject({ code: 'unit_cycle', details: { field: 'parentId' } });
  expect((await as('admin', 'PUT', '/admin/units/qx', { parentId: 'qx' })).body).toMatchObject({ code: 'unit_cycle' });

  const renamed = await as('admin', 'PUT', '/admin/units/qx-wjw', { name: '青溪县卫生健康局' });
  expect(renamed.body).toMatchObject({ id: 'qx-wjw', name: '青溪县卫生健康局', parentId: 'qx' });
  const log = await as('admin', 'GET', '/admin/audit?targetKind=unit&targetId=qx-wjw');
  expect(log.body.map((e: { action: string }) => e.action)).toEqual(['unit.updated', 'unit.created']);
  expect(log.body[0]).toMatchObject({ actorId: 'admin', data: { name: '青溪县卫生健康局' } });
});

test('users: created with the password policy, given a scope, disabled; sessions end; audited without the password', async () => {
  const weak = await as('admin', 'POST', '/admin/users', { id: 'qx-wjw-staff', displayName: '经办人', unitId: 'qx-jyj', roles: ['staff'], password: 'short' });
  expect(weak.status).toBe(422);
  expect(weak.body).toMatchObject({ code: 'weak_password', details: { field: 'password' } });

  const created = await as('admin', 'POST', '/admin/users', { id: 'qx-jyj-2', displayName: '县教育局经办人 二', unitId: 'qx-jyj', roles: ['staff'], password: PASSWORD });
  expect(created.status).toBe(201);
  expect(created.body).toEqual({ id: 'qx-jyj-2', username: 'qx-jyj-2', displayName: '县教育局经办人 二', unitId: 'qx-jyj', roles: ['staff'], scopeUnitIds: [], disabled: false });
  const login = await stack.h.call('POST', '/auth/login', { body: { username: 'qx-jyj-2', password: PASSWORD } });
  expect(login.status).toBe(200);
  const token = login.body.token as string;

  // Unknown roles and units are 400/422 naming the field.
  expect((await as('admin', 'PUT', '/admin/users/qx-jyj-2', { roles: ['boss'] })).body).toMatchObject({ status: 400, details: { issues: [{ field: 'roles[0]' }] } });
  expect((await as('admin', 'PUT', '/admin/users/qx-jyj-2', { scopeUnitIds: ['nowhere'] })).body).toMatchObject({ status: 422, code: 'unknown_unit', details: { field: 'scopeUnitIds' } });

  const scoped = await as('admin', 'PUT', '/admin/users/qx-jyj-2', { scopeUnitIds: ['qx'] });
  expect(scoped.body).toMatchObject({ scopeUnitIds: ['qx'] });
  // A change of scope ends the sessions: the next request logs in under the new rules.
  expect((await stack.h.call('GET', '/me', { token })).status).toBe(401);

  const disabled = await as('admin', 'PUT', '/admin/users/qx-jyj-2', { disabled: true });
  expect(disabled.body).toMatchObject({ disabled: true });
  const again = await stack.h.call('POST', '/auth/login', { body: { username: 'qx-jyj-2', password: PASSWORD } });
  expect(again.status).toBe(401);

  const self = await as('admin', 'PUT', '/admin/users/admin', { disabled: true });
  expect(self.body).toMatchObject({ status: 422, code: 'self_lockout' });
  expect((await as('admin', 'PUT', '/admin/users/admin', { roles: ['staff'] })).body).toMatchObject({ code: 'self_lockout' });

  const log = await as('admin', 'GET', '/admin/audit?targetKind=user&targetId=qx-jyj-2');
  expect(log.body.map((e: { action: string }) => e.action)).toEqual(['user.updated', 'user.updated', 'user.created']);
  expect(JSON.stringify(log.body)).not.toContain(PASSWORD);
  expect(JSON.stringify(log.body)).not.toContain('scrypt');
  expect(log.body[2].data).toMatchObject({ unitId: 'qx-jyj', roles: ['staff'], passwordSet: true });
});

test('CSV import of units (children before parents) and users; a re-import changes nothing', async () => {
  const units = ['编号,名称,类型,上级', 'hx-zzb,河西县委组织部,组织部,hx', 'hx,河西县,县,city', 'hx-jyj,河西县教育局,unit,hx', 'bad id,坏,unit,hx', 'hx-x,无类型,星球,hx'].join('\n');
  const r = await as('admin', 'POST', '/admin/import', { kind: 'units', format: 'csv', content: b64(units) });
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ total: 5, imported: 3, updated: 0, unchanged: 0, failed: 2 });
  expect(r.body.errors.map((e: { row: number; errors: { field: string }[] }) => [e.row, e.errors[0]?.field])).toEqual([
    [5, 'id'],
    [6, 'kind'],
  ]);

  const users = ['账号,姓名,单位,角色,初始密码', `hx-zzb-staff,河西县委组织部经办人,hx-zzb,经办人,${PASSWORD}`, 'hx-jyj-head,河西县教育局局长,hx-jyj,approver,', 'ghost,无单位,nowhere,staff,'].join('\n');
  const u = await as('admin', 'POST', '/admin/import', { kind: 'users', format: 'csv', content: b64(users) });
  expect(u.body).toMatchObject({ total: 3, imported: 2, failed: 1, errors: [{ row: 4, id: 'ghost', errors: [{ field: 'unitId', column: '单位' }] }] });
  expect((await stack.h.call('POST', '/auth/login', { body: { username: 'hx-zzb-staff', password: PASSWORD } })).status).toBe(200);

  const again = await as('admin', 'POST', '/admin/import', { kind: 'users', format: 'csv', content: b64(users) });
  expect(again.body).toMatchObject({ imported: 0, updated: 0, unchanged: 2, failed: 1 });
  const againUnits = await as('admin', 'POST', '/admin/import', { kind: 'units', format: 'csv', content: b64(units) });
  expect(againUnits.body).toMatchObject({ imported: 0, updated: 0, unchanged: 3, failed: 2 });

  const badHeader = await as('admin', 'POST', '/admin/import', { kind: 'users', format: 'csv', content: b64('名字\nx') });
  expect(badHeader.status).toBe(400);
  expect(badHeader.body).toMatchObject({ code: 'validation_error', details: { issues: [{ field: 'content' }] } });
});

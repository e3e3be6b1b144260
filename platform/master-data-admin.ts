/**
 * Administration of users and units (issue 10 §3): the writes behind /admin/… and its CSV/XLSX import.
 * Every change is recorded in admin_audit in the same transaction (who, what, which fields; never a
 * password). Rules kept here once, for a single change and for a sheet alike:
 *   - a unit's parent exists and is not the unit or one of its descendants (the tree has no cycle);
 *   - a user's unit and scope units exist; roles are the kernel's ROLES;
 *   - a new password passes the policy (auth.hashNewPassword);
 *   - an administrator cannot disable themselves or take their own admin role away (nobody would be
 *     left to undo it).
 */
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { hashNewPassword, hashPassword } from '../api/auth';
import { ApiError } from '../api/errors';
import { existingIds } from '../api/master-data';
import { pgTextArray } from '../activities/sql';
import { assertCleanHeader, columnLetter, UNCLEAN_CELL, type FieldError, type RowError, type SheetRow } from '../domain/people-import';
import { ROLES, type Role } from '../procedures/kernel/messages';
import { AppUserSchema, SessionSchema, UnitSchema, type AppUser, type Unit } from './entities';

export const UNIT_KINDS = ['city', 'county', 'unit', 'department', 'office'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

/** A rule refused the change; `field` names the input field. */
export class AdminRefusal extends Error {
  constructor(
    readonly code: string,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminRefusal';
  }
}

export interface UnitChange {
  name?: string;
  kind?: UnitKind;
  parentId?: string | null;
  headUserId?: string | null;
}

export interface UserChange {
  displayName?: string;
  unitId?: string;
  roles?: Role[];
  scopeUnitIds?: string[];
  password?: string;
  disabled?: boolean;
}

async function audit(tx: EntityManager, actorId: string, action: string, kind: 'user' | 'unit', targetId: string, data: unknown): Promise<void> {
  await tx.execute('insert into admin_audit (actor_id, action, target_kind, target_id, data) values (?, ?, ?, ?, ?::jsonb)', [actorId, action, kind, targetId, JSON.stringify(data)]);
}

/** Concurrent administration runs one change at a time, so two parent changes cannot make a cycle together. */
export const lockAdmin = (tx: EntityManager): Promise<unknown> => tx.execute('select pg_advisory_xact_lock(hashtext(?))', ['tingjin:admin']);

async function assertUnitsExist(tx: EntityManager, ids: readonly string[], field: string): Promise<void> {
  const found = await existingIds(tx, 'unit', ids);
  if (ids.some((i) => !found.has(i))) throw new AdminRefusal('unknown_unit', field, `${field}: a unit does not exist`);
}

async function assertParent(tx: EntityManager, unitId: string, parentId: string | null): Promise<void> {
  if (parentId === null) return;
  await assertUnitsExist(tx, [parentId], 'parentId');
  const [cycle] = await tx.execute<{ id: string }[]>(
    `with recursive sub(id) as (select ?::text union select u.id from unit u join sub on u.parent_id = sub.id)
     select id from sub where id = ? limit 1`,
    [unitId, parentId],
  );
  if (cycle) throw new AdminRefusal('unit_cycle', 'parentId', 'parentId: the parent is the unit itself or one of its descendants');
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Creates or changes a unit. Returns what happened; an unchanged unit writes nothing. */
export async function saveUnit(
  tx: EntityManager,
  actorId: string,
  id: string,
  change: UnitChange,
  mode: 'create' | 'update' | 'upsert',
): Promise<{ result: 'created' | 'updated' | 'unchanged'; unit: Unit }> {
  const before = await tx.findOne(UnitSchema, { id }, { disableIdentityMap: true });
  if (before && mode === 'create') throw new AdminRefusal('unit_exists', 'id', `id: unit ${id} exists already`);
  if (!before && mode === 'update') throw new AdminRefusal('unit_not_found', 'id', `unit ${id} not found`);
  if (!before && (!change.name || !change.kind)) throw new AdminRefusal('validation_error', change.name ? 'kind' : 'name', `${change.name ? 'kind' : 'name'}: required for a new unit`);
  if (change.parentId !== undefined) await assertParent(tx, id, change.parentId);
  if (change.headUserId) {
    if (!(await tx.findOne(AppUserSchema, { id: change.headUserId }, { fields: ['id'] }))) throw new AdminRefusal('unknown_user', 'headUserId', 'headUserId: no user has this id');
  }
  if (!before) {
    const unit: Unit = { id, name: change.name!, kind: change.kind!, parentId: change.parentId ?? null, headUserId: change.headUserId ?? null };
    await tx.insert(UnitSchema, unit);
    await audit(tx, actorId, 'unit.created', 'unit', id, unit);
    return { result: 'created', unit };
  }
  const diff = Object.fromEntries(Object.entries(change).filter(([k, v]) => v !== undefined && !same(v, before[k as keyof Unit])));
  if (!Object.keys(diff).length) return { result: 'unchanged', unit: before };
  await tx.nativeUpdate(UnitSchema, { id }, diff);
  await audit(tx, actorId, 'unit.updated', 'unit', id, diff);
  return { result: 'updated', unit: { ...before, ...diff } };
}

export type UserView = Pick<AppUser, 'id' | 'username' | 'displayName' | 'unitId' | 'roles' | 'scopeUnitIds'> & { disabled: boolean };

export const userView = (u: AppUser): UserView => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  unitId: u.unitId,
  roles: u.roles,
  scopeUnitIds: u.scopeUnitIds ?? [],
  disabled: !!u.disabledAt,
});

/** Creates or changes a user (the username is the id). A new user without a password cannot log in until one is set. */
export async function saveUser(
  tx: EntityManager,
  actorId: string,
  id: string,
  change: UserChange,
  mode: 'create' | 'update' | 'upsert',
): Promise<{ result: 'created' | 'updated' | 'unchanged'; user: UserView }> {
  const before = await tx.findOne(AppUserSchema, { id }, { disableIdentityMap: true });
  if (before && mode === 'create') throw new AdminRefusal('user_exists', 'id', `id: user ${id} exists already`);
  if (!before && mode === 'update') throw new AdminRefusal('user_not_found', 'id', `user ${id} not found`);
  if (!before && (!change.displayName || !change.unitId)) {
    const field = change.displayName ? 'unitId' : 'displayName';
    throw new AdminRefusal('validation_error', field, `${field}: required for a new user`);
  }
  if (change.unitId !== undefined) await assertUnitsExist(tx, [change.unitId], 'unitId');
  if (change.scopeUnitIds !== undefined) await assertUnitsExist(tx, change.scopeUnitIds, 'scopeUnitIds');
  if (id === actorId && (change.disabled === true || (change.roles && !change.roles.includes('admin')))) {
    throw new AdminRefusal('self_lockout', change.disabled ? 'disabled' : 'roles', 'an administrator cannot disable themselves or drop their own admin role');
  }
  const passwordHash = change.password !== undefined ? await hashNewPassword(change.password, id) : undefined;

  if (!before) {
    const row = {
      id,
      username: id,
      displayName: change.displayName!,
      unitId: change.unitId!,
      roles: change.roles ?? [],
      scopeUnitIds: change.scopeUnitIds ?? [],
      // Unusable until an administrator sets a password: nobody knows this one.
      passwordHash: passwordHash ?? (await hashPassword(randomBytes(32).toString('base64'))),
      createdAt: new Date(),
      disabledAt: change.disabled ? new Date() : null,
    };
    await tx.insert(AppUserSchema, row);
    const { passwordHash: _h, ...logged } = row;
    await audit(tx, actorId, 'user.created', 'user', id, { ...logged, passwordSet: passwordHash !== undefined });
    return { result: 'created', user: userView(row) };
  }
  const diff: Partial<AppUser> = {};
  if (change.displayName !== undefined && change.displayName !== before.displayName) diff.displayName = change.displayName;
  if (change.unitId !== undefined && change.unitId !== before.unitId) diff.unitId = change.unitId;
  if (change.roles !== undefined && !same([...change.roles].sort(), [...before.roles].sort())) diff.roles = change.roles;
  if (change.scopeUnitIds !== undefined && !same([...change.scopeUnitIds].sort(), [...(before.scopeUnitIds ?? [])].sort())) diff.scopeUnitIds = change.scopeUnitIds;
  if (change.disabled !== undefined && change.disabled !== !!before.disabledAt) diff.disabledAt = change.disabled ? new Date() : null;
  if (passwordHash) diff.passwordHash = passwordHash;
  if (!Object.keys(diff).length) return { result: 'unchanged', user: userView(before) };
  // roles and scope_unit_ids are text[]: written as PostgreSQL arrays.
  await tx.execute(
    `update app_user set display_name = coalesce(?, display_name), unit_id = coalesce(?, unit_id),
       roles = coalesce(?::text[], roles), scope_unit_ids = coalesce(?::text[], scope_unit_ids),
       disabled_at = case when ?::boolean then ?::timestamptz else disabled_at end, password_hash = coalesce(?, password_hash)
     where id = ?`,
    [
      diff.displayName ?? null,
      diff.unitId ?? null,
      diff.roles ? pgTextArray(diff.roles) : null,
      diff.scopeUnitIds ? pgTextArray(diff.scopeUnitIds) : null,
      'disabledAt' in diff,
      diff.disabledAt ?? null,
      diff.passwordHash ?? null,
      id,
    ],
  );
  // A change of who they are or may do ends their sessions: the next request logs in under the new rules.
  if (diff.disabledAt || diff.passwordHash || diff.roles || diff.unitId || diff.scopeUnitIds) await tx.nativeDelete(SessionSchema, { userId: id });
  const { passwordHash: _p, disabledAt, ...logged } = diff;
  await audit(tx, actorId, 'user.updated', 'user', id, {
    ...logged,
    ...('disabledAt' in diff ? { disabled: disabledAt !== null } : {}),
    ...(passwordHash ? { passwordSet: true } : {}),
  });
  const after = await tx.findOneOrFail(AppUserSchema, { id }, { disableIdentityMap: true });
  return { result: 'updated', user: userView(after) };
}

// ---- CSV/XLSX import -------------------------------------------------------------------------------

type Column<K extends string> = { key: K; labels: string[]; required: boolean };

const UNIT_COLUMNS: Column<'id' | 'name' | 'kind' | 'parentId'>[] = [
  { key: 'id', labels: ['编号', '单位编号', 'id'], required: true },
  { key: 'name', labels: ['名称', '单位名称', 'name'], required: true },
  { key: 'kind', labels: ['类型', 'kind'], required: true },
  { key: 'parentId', labels: ['上级', '上级单位', 'parent', 'parentid'], required: false },
];

const USER_COLUMNS: Column<'id' | 'displayName' | 'unitId' | 'roles' | 'scopeUnitIds' | 'password'>[] = [
  { key: 'id', labels: ['账号', '用户名', 'id', 'username'], required: true },
  { key: 'displayName', labels: ['姓名', '显示名', 'displayname', 'name'], required: true },
  { key: 'unitId', labels: ['单位', 'unit', 'unitid'], required: true },
  { key: 'roles', labels: ['角色', 'roles'], required: false },
  { key: 'scopeUnitIds', labels: ['管辖范围', '范围', 'scope', 'scopeunitids'], required: false },
  { key: 'password', labels: ['初始密码', '密码', 'password'], required: false },
];

/** Kinds as a sheet may write them. */
const KIND_NAMES: Record<string, UnitKind> = { 市: 'city', 县: 'county', 区: 'county', 单位: 'unit', 部门: 'department', 组织部: 'department', 机关: 'office', 办公室: 'office' };
/** Roles as a sheet may write them. */
const ROLE_NAMES: Record<string, Role> = { 经办人: 'staff', 审核人: 'reviewer', 审批人: 'approver', 督查: 'supervisor', 系统管理员: 'admin', 日历管理员: 'calendarAdmin' };

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const list = (s: string): string[] => s.split(/[,，、;；\s]+/).map((x) => x.trim()).filter(Boolean);

/** The header cannot be used (a required column missing, or a column twice). */
export class AdminSheetError extends Error {}

function header<K extends string>(row: SheetRow | undefined, columns: Column<K>[]): Map<K, { index: number; label: string }> {
  if (!row) throw new AdminSheetError('the sheet is empty; the first row must name the columns');
  const found = new Map<K, { index: number; label: string }>();
  row.cells.forEach((c, index) => {
    const label = String(c ?? '').trim();
    const col = columns.find((x) => x.labels.includes(label.toLowerCase()) || x.labels.includes(label));
    if (!col) return;
    if (found.has(col.key)) throw new AdminSheetError(`the column ${col.labels[0]} appears twice`);
    found.set(col.key, { index, label });
  });
  const missing = columns.filter((c) => c.required && !found.has(c.key));
  if (missing.length) throw new AdminSheetError(`the header lacks the column(s): ${missing.map((m) => `${m.labels[0]}/${m.labels[m.labels.length - 2] ?? m.key}`).join(', ')}`);
  return found;
}

function cellText<K extends string>(r: SheetRow, cols: Map<K, { index: number; label: string }>, key: K): string | undefined {
  const c = cols.get(key);
  if (!c) return undefined;
  const v = r.cells[c.index];
  return v === null || v === undefined ? '' : String(v).trim();
}

export interface AdminImportReport {
  total: number;
  imported: number;
  updated: number;
  unchanged: number;
  failed: number;
  errors: RowError[];
}

const MAX_ERRORS = 200;

/**
 * Imports units or users from a sheet, row by row: a bad row is reported and the others go in. Units are
 * taken parents first, whatever their order in the file. Re-importing the same file changes nothing.
 */
export async function importMasterData(em: EntityManager, actorId: string, kind: 'units' | 'users', rows: readonly SheetRow[]): Promise<AdminImportReport> {
  // A row whose only text was refused (and blanked, platform/spreadsheet.ts) is not empty: it is refused below.
  const data = rows.filter((r) => r.unclean?.length || r.cells.some((c) => c !== null && String(c).trim() !== ''));
  const [head, ...body] = data;
  try {
    if (head) assertCleanHeader(head);
  } catch (err) {
    throw new AdminSheetError((err as Error).message);
  }
  const report: AdminImportReport = { total: body.length, imported: 0, updated: 0, unchanged: 0, failed: 0, errors: [] };
  const fail = (row: number, id: string | undefined, errors: FieldError[]): void => {
    report.failed++;
    report.errors.push({ row, ...(id ? { id } : {}), errors });
  };
  const count = (result: 'created' | 'updated' | 'unchanged'): void => {
    if (result === 'created') report.imported++;
    else if (result === 'updated') report.updated++;
    else report.unchanged++;
  };
  // One savepoint per row: a refused row is rolled back alone.
  const attempt = async (tx: EntityManager, r: SheetRow, id: string, fn: (t: EntityManager) => Promise<'created' | 'updated' | 'unchanged'>, label: (f: string) => string | undefined): Promise<boolean> => {
    try {
      count(await tx.transactional(fn));
      return true;
    } catch (err) {
      if (err instanceof AdminRefusal) {
        fail(r.row, id, [{ field: err.field, ...(label(err.field) ? { column: label(err.field) } : {}), message: err.message.replace(/^[^:]*: /, '') }]);
        return false;
      }
      if (err instanceof ApiError && err.code === 'weak_password') {
        fail(r.row, id, [{ field: 'password', ...(label('password') ? { column: label('password') } : {}), message: err.message.replace(/^password: /, '') }]);
        return false;
      }
      throw err;
    }
  };

  /** A row with an unclean cell is refused whole, naming its columns; true when it was. */
  const refusedUnclean = <K extends string>(r: SheetRow, cols: Map<K, { index: number; label: string }>): boolean => {
    if (!r.unclean?.length) return false;
    const byIndex = new Map([...cols].map(([key, c]) => [c.index, { key, label: c.label }]));
    const idCol = cols.get('id' as K);
    const id = idCol ? String(r.cells[idCol.index] ?? '').trim() : '';
    fail(r.row, ID.test(id) ? id : undefined, r.unclean.map((i) => {
      const c = byIndex.get(i);
      return c ? { field: c.key, column: c.label, message: UNCLEAN_CELL } : { field: `column ${columnLetter(i)}`, message: UNCLEAN_CELL };
    }));
    return true;
  };

  await em.transactional(async (tx) => {
    await lockAdmin(tx);
    if (kind === 'units') {
      const cols = header(head, UNIT_COLUMNS);
      const label = (f: string): string | undefined => cols.get(f as 'id')?.label;
      const pending: { r: SheetRow; id: string; change: UnitChange }[] = [];
      for (const r of body) {
        if (refusedUnclean(r, cols)) continue;
        const id = cellText(r, cols, 'id') ?? '';
        const kindText = cellText(r, cols, 'kind') ?? '';
        const unitKind = (UNIT_KINDS as readonly string[]).includes(kindText) ? (kindText as UnitKind) : KIND_NAMES[kindText];
        const name = cellText(r, cols, 'name') ?? '';
        const parent = cellText(r, cols, 'parentId');
        const errors: FieldError[] = [];
        if (!ID.test(id)) errors.push({ field: 'id', column: label('id'), message: 'must be 1–64 letters, digits, "_", "." or "-"' });
        if (!name || name.length > 100) errors.push({ field: 'name', column: label('name'), message: 'must be 1–100 characters' });
        if (!unitKind) errors.push({ field: 'kind', column: label('kind'), message: `must be one of ${UNIT_KINDS.join(', ')} (or 市, 县, 单位, 组织部, 机关)` });
        if (parent && !ID.test(parent)) errors.push({ field: 'parentId', column: label('parentId'), message: 'must be a unit id' });
        if (errors.length) {
          fail(r.row, ID.test(id) ? id : undefined, errors);
          continue;
        }
        pending.push({ r, id, change: { name, kind: unitKind!, ...(parent !== undefined ? { parentId: parent || null } : {}) } });
      }
      // Parents first: a row waits while its parent is still to come in this file.
      const inFile = new Set(pending.map((p) => p.id));
      const done = new Set<string>();
      let queue = pending;
      while (queue.length) {
        const next: typeof pending = [];
        for (const p of queue) {
          const parent = p.change.parentId;
          if (parent && inFile.has(parent) && !done.has(parent) && parent !== p.id) {
            next.push(p);
            continue;
          }
          await attempt(tx, p.r, p.id, async (t) => (await saveUnit(t, actorId, p.id, p.change, 'upsert')).result, label);
          done.add(p.id);
        }
        if (next.length === queue.length) {
          // The rest wait on each other: a cycle within the file.
          for (const p of next) fail(p.r.row, p.id, [{ field: 'parentId', column: label('parentId'), message: 'the units of this file form a cycle' }]);
          break;
        }
        queue = next;
      }
    } else {
      const cols = header(head, USER_COLUMNS);
      const label = (f: string): string | undefined => cols.get(f as 'id')?.label;
      for (const r of body) {
        if (refusedUnclean(r, cols)) continue;
        const id = cellText(r, cols, 'id') ?? '';
        const displayName = cellText(r, cols, 'displayName') ?? '';
        const unitId = cellText(r, cols, 'unitId') ?? '';
        const rolesText = cellText(r, cols, 'roles');
        const scopeText = cellText(r, cols, 'scopeUnitIds');
        const password = cellText(r, cols, 'password');
        const roles = rolesText === undefined ? undefined : list(rolesText).map((x) => ((ROLES as readonly string[]).includes(x) ? (x as Role) : ROLE_NAMES[x]));
        const errors: FieldError[] = [];
        if (!ID.test(id)) errors.push({ field: 'id', column: label('id'), message: 'must be 1–64 letters, digits, "_", "." or "-"' });
        if (!displayName || displayName.length > 100) errors.push({ field: 'displayName', column: label('displayName'), message: 'must be 1–100 characters' });
        if (!ID.test(unitId)) errors.push({ field: 'unitId', column: label('unitId'), message: 'must be a unit id' });
        if (roles?.some((x) => x === undefined)) errors.push({ field: 'roles', column: label('roles'), message: `each must be one of ${ROLES.join(', ')}` });
        const scope = scopeText === undefined ? undefined : list(scopeText);
        if (scope?.some((s) => !ID.test(s))) errors.push({ field: 'scopeUnitIds', column: label('scopeUnitIds'), message: 'each must be a unit id' });
        if (errors.length) {
          fail(r.row, ID.test(id) ? id : undefined, errors);
          continue;
        }
        const change: UserChange = {
          displayName,
          unitId,
          ...(roles ? { roles: [...new Set(roles as Role[])] } : {}),
          ...(scope ? { scopeUnitIds: [...new Set(scope)] } : {}),
        };
        // 初始密码 is a new user's first password only: an existing user's stays as it is, so a re-import changes nothing.
        if (password && !(await tx.findOne(AppUserSchema, { id }, { fields: ['id'] }))) change.password = password;
        await attempt(tx, r, id, async (t) => (await saveUser(t, actorId, id, change, 'upsert')).result, label);
      }
    }
  });
  report.errors.sort((a, b) => a.row - b.row);
  report.errors = report.errors.slice(0, MAX_ERRORS);
  return report;
}

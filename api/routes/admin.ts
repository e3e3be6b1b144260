/**
 * Administration of users, units, roles and scopes (issue 10 §3), for the system administrator (role
 * admin) only: no more SQL. Every change is audited (admin_audit, GET /admin/audit), and every read of
 * a person's record can be traced (GET /admin/person-reads). The rules live in platform/master-data-admin.ts.
 */
import { z } from 'zod';
import { SheetHeaderError } from '../../domain/people-columns';
import { AppUserSchema, UnitSchema } from '../../platform/entities';
import { AdminRefusal, AdminSheetError, importMasterData, lockAdmin, saveUnit, saveUser, UNIT_KINDS, userView } from '../../platform/master-data-admin';
import { readCsv, readXlsx, UnreadableFile } from '../../platform/spreadsheet';
import { ROLES } from '../../procedures/kernel/messages';
import { access } from '../authz';
import { ApiError, BadRequest } from '../errors';
import { id, ImportPeopleBody, ImportPeopleResult, text } from '../schemas';
import type { RouteContext } from './context';

const STATUS: Record<string, number> = {
  unit_exists: 409,
  user_exists: 409,
  unit_not_found: 404,
  user_not_found: 404,
  unknown_unit: 422,
  unknown_user: 422,
  unit_cycle: 422,
  self_lockout: 422,
  validation_error: 400,
};

/** A refused change as the API's problem, naming the field. */
async function refusing<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AdminRefusal) throw new ApiError(STATUS[err.code] ?? 422, err.code, err.message, { field: err.field });
    throw err;
  }
}

const AdminUser = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    unitId: z.string(),
    roles: z.array(z.enum(ROLES)),
    scopeUnitIds: z.array(z.string()).openapi({ description: 'Units whose subtrees the user also sees, beyond their own unit' }),
    disabled: z.boolean(),
  })
  .openapi('AdminUser');

const Roles = z
  .array(z.enum(ROLES))
  .max(ROLES.length)
  .refine((r) => new Set(r).size === r.length, 'must not list a role twice')
  .openapi({ description: 'staff (经办人), reviewer, approver, supervisor (督查), calendarAdmin (日历管理员), admin (系统管理员)' });
const Scope = z.array(id).max(50).refine((r) => new Set(r).size === r.length, 'must not list a unit twice');

const CreateUserBody = z
  .object({ id, displayName: text(100), unitId: id, roles: Roles, scopeUnitIds: Scope.optional(), password: z.string().max(200) })
  .strict()
  .openapi('CreateUser', { description: 'The id is also the username. The password must pass the password policy (422 weak_password).' });

const UpdateUserBody = z
  .object({
    displayName: text(100).optional(),
    unitId: id.optional(),
    roles: Roles.optional(),
    scopeUnitIds: Scope.optional(),
    password: z.string().max(200).optional(),
    disabled: z.boolean().optional().openapi({ description: 'A disabled user cannot log in, and their sessions end' }),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'must change at least one field')
  .openapi('UpdateUser', { description: 'Fields not given stay as they are. A change of unit, roles, scope, password or disabled ends the user’s sessions.' });

const AdminUnit = z
  .object({ id: z.string(), name: z.string(), kind: z.enum(UNIT_KINDS), parentId: z.string().nullable(), headUserId: z.string().nullable() })
  .openapi('AdminUnit');

const CreateUnitBody = z
  .object({ id, name: text(100), kind: z.enum(UNIT_KINDS), parentId: id.nullable(), headUserId: id.nullable().optional() })
  .strict()
  .openapi('CreateUnit', { description: 'kind: city (市) or county (县) above the units; department is an organization department (组织部), whose staff see their city or county.' });

const UpdateUnitBody = z
  .object({ name: text(100).optional(), kind: z.enum(UNIT_KINDS).optional(), parentId: id.nullable().optional(), headUserId: id.nullable().optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'must change at least one field')
  .openapi('UpdateUnit');

const IdParam = z.object({ id });

const ImportBody = z
  .object({ kind: z.enum(['users', 'units']), ...ImportPeopleBody.shape })
  .strict()
  .openapi('AdminImport', {
    description:
      'A sheet with a header row. units: 编号/id, 名称/name, 类型/kind (city, county, unit, department, office, or 市, 县, 单位, 组织部, 机关), 上级/parent (a unit id; parents may come after their children). ' +
      'users: 账号/id, 姓名/displayName, 单位/unit, 角色/roles (separated by , 、 or spaces), 管辖范围/scope (unit ids), 初始密码/password (a new user’s first password; without it the user cannot log in until one is set).',
  });

const AdminImportResult = ImportPeopleResult.openapi('AdminImportResult');

const AuditQuery = z
  .object({
    targetKind: z.enum(['user', 'unit']).optional(),
    targetId: id.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

const AdminAuditRow = z
  .object({ id: z.number().int(), at: z.string(), actorId: z.string(), action: z.string(), targetKind: z.string(), targetId: z.string(), data: z.unknown() })
  .openapi('AdminAuditEntry');

const ReadsQuery = z.object({ personId: id.optional(), userId: id.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();
const PersonReadRow = z.object({ id: z.number().int(), at: z.string(), userId: z.string(), personId: z.string(), route: z.string() }).openapi('PersonRead');

export function adminRoutes({ route }: RouteContext): void {
  const admin = access.roles('admin');

  route({
    method: 'get',
    path: '/admin/users',
    tag: 'admin',
    summary: 'Every user with their unit, roles, scope and whether they are disabled',
    access: admin,
    response: { status: 200, schema: z.array(AdminUser), description: 'By id' },
    errors: [403],
    handler: async ({ em }) => ({ status: 200, body: (await em.find(AppUserSchema, {}, { orderBy: { id: 'asc' } })).map(userView) }),
  });

  route({
    method: 'post',
    path: '/admin/users',
    tag: 'admin',
    summary: 'Create a user',
    access: admin,
    idempotent: true,
    body: CreateUserBody,
    response: { status: 201, schema: AdminUser, description: 'Created' },
    errors: [403, 409, 422],
    handler: async ({ em, user, body }) => {
      const { id: userId, ...change } = body;
      const saved = await refusing(() => em.transactional(async (tx) => {
        await lockAdmin(tx);
        return saveUser(tx, user.id, userId, change, 'create');
      }));
      return { status: 201, body: saved.user };
    },
  });

  route({
    method: 'put',
    path: '/admin/users/:id',
    tag: 'admin',
    summary: 'Change a user: name, unit, roles, scope, password, or disable (or enable) them',
    access: admin,
    idempotent: true,
    params: IdParam,
    body: UpdateUserBody,
    response: { status: 200, schema: AdminUser, description: 'The user as saved' },
    errors: [403, 404, 422],
    handler: async ({ em, user, params, body }) => {
      const saved = await refusing(() => em.transactional(async (tx) => {
        await lockAdmin(tx);
        return saveUser(tx, user.id, params.id, body, 'update');
      }));
      return { status: 200, body: saved.user };
    },
  });

  route({
    method: 'get',
    path: '/admin/units',
    tag: 'admin',
    summary: 'Every unit with its parent (the tree: city → county → unit)',
    access: admin,
    response: { status: 200, schema: z.array(AdminUnit), description: 'By id' },
    errors: [403],
    handler: async ({ em }) => ({ status: 200, body: await em.find(UnitSchema, {}, { orderBy: { id: 'asc' } }) }),
  });

  route({
    method: 'post',
    path: '/admin/units',
    tag: 'admin',
    summary: 'Create a unit under a parent',
    access: admin,
    idempotent: true,
    body: CreateUnitBody,
    response: { status: 201, schema: AdminUnit, description: 'Created' },
    errors: [403, 409, 422],
    handler: async ({ em, user, body }) => {
      const { id: unitId, ...change } = body;
      const saved = await refusing(() => em.transactional(async (tx) => {
        await lockAdmin(tx);
        return saveUnit(tx, user.id, unitId, change, 'create');
      }));
      return { status: 201, body: saved.unit };
    },
  });

  route({
    method: 'put',
    path: '/admin/units/:id',
    tag: 'admin',
    summary: 'Rename a unit, change its kind or head, or move it under another parent (never under itself)',
    access: admin,
    idempotent: true,
    params: IdParam,
    body: UpdateUnitBody,
    response: { status: 200, schema: AdminUnit, description: 'The unit as saved' },
    errors: [403, 404, 422],
    handler: async ({ em, user, params, body }) => {
      const saved = await refusing(() => em.transactional(async (tx) => {
        await lockAdmin(tx);
        return saveUnit(tx, user.id, params.id, body, 'update');
      }));
      return { status: 200, body: saved.unit };
    },
  });

  route({
    method: 'post',
    path: '/admin/import',
    tag: 'admin',
    summary: 'Import users or units from a CSV or XLSX file',
    description:
      'Row by row, like the people import: valid rows are created or updated by id, invalid ones are listed with their row number. ' +
      'Re-importing the same file changes nothing. Each change is audited.',
    access: admin,
    idempotent: true,
    body: ImportBody,
    response: { status: 200, schema: AdminImportResult, description: 'What was imported, updated, unchanged, and the rows that failed' },
    errors: [403],
    handler: async ({ em, user, body }) => {
      try {
        const rows = body.format === 'csv' ? readCsv(body.content) : await readXlsx(body.content);
        return { status: 200, body: await importMasterData(em, user.id, body.kind, rows) };
      } catch (err) {
        if (err instanceof UnreadableFile || err instanceof SheetHeaderError || err instanceof AdminSheetError) {
          throw new BadRequest('validation_error', `content: ${err.message}`, { issues: [{ field: 'content', message: err.message }] });
        }
        throw err;
      }
    },
  });

  route({
    method: 'get',
    path: '/admin/audit',
    tag: 'admin',
    summary: 'Changes to users and units: who changed what, when (newest first)',
    access: admin,
    query: AuditQuery,
    response: { status: 200, schema: z.array(AdminAuditRow), description: 'Newest first' },
    errors: [403],
    handler: async ({ em, query }) => {
      const rows = await em.execute<{ id: string; at: Date; actor_id: string; action: string; target_kind: string; target_id: string; data: unknown }[]>(
        `select id, at, actor_id, action, target_kind, target_id, data from admin_audit
         where (?::text is null or target_kind = ?) and (?::text is null or target_id = ?) order by id desc limit ?`,
        [query.targetKind ?? null, query.targetKind ?? null, query.targetId ?? null, query.targetId ?? null, query.limit],
      );
      return {
        status: 200,
        body: rows.map((r) => ({ id: Number(r.id), at: new Date(r.at).toISOString(), actorId: r.actor_id, action: r.action, targetKind: r.target_kind, targetId: r.target_id, data: r.data ?? null })),
      };
    },
  });

  route({
    method: 'get',
    path: '/admin/person-reads',
    tag: 'admin',
    summary: 'Who read which person’s (干部) record, and through which route (newest first)',
    access: admin,
    query: ReadsQuery,
    response: { status: 200, schema: z.array(PersonReadRow), description: 'Newest first' },
    errors: [403],
    handler: async ({ em, query }) => {
      const rows = await em.execute<{ id: string; at: Date; user_id: string; person_id: string; route: string }[]>(
        `select id, at, user_id, person_id, route from person_read
         where (?::text is null or person_id = ?) and (?::text is null or user_id = ?) order by id desc limit ?`,
        [query.personId ?? null, query.personId ?? null, query.userId ?? null, query.userId ?? null, query.limit],
      );
      return { status: 200, body: rows.map((r) => ({ id: Number(r.id), at: new Date(r.at).toISOString(), userId: r.user_id, personId: r.person_id, route: r.route })) };
    },
  });
}

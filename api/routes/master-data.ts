import { z } from 'zod';
import { AppUserSchema, UnitSchema } from '../../platform/entities';
import { access } from '../authz';
import { UnitRow, User } from '../schemas';
import type { RouteContext } from './context';

export function masterDataRoutes({ route }: RouteContext): void {
  route({
    method: 'get',
    path: '/units',
    tag: 'master data',
    summary: 'Units: responsible units, lead departments and the inspection office',
    access: access.user('names of units, needed to address procedures; no personal data'),
    response: { status: 200, schema: z.array(UnitRow), description: 'All units' },
    handler: async ({ em }) => ({ status: 200, body: await em.find(UnitSchema, {}, { orderBy: { id: 'asc' } }) }),
  });
  route({
    method: 'get',
    path: '/users',
    tag: 'master data',
    summary: 'Users and their roles',
    access: access.user('names and roles of accounts, needed to assign, transfer and copy; no personnel data'),
    response: { status: 200, schema: z.array(User), description: 'All users' },
    handler: async ({ em }) => {
      const users = await em.find(AppUserSchema, {}, { orderBy: { id: 'asc' } });
      return {
        status: 200,
        body: users.map((u) => ({ id: u.id, username: u.username, displayName: u.displayName, unitId: u.unitId, roles: u.roles })),
      };
    },
  });
}

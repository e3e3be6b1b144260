/**
 * A download (an XLSX stream) as a route: served on the router, since route() answers JSON, with the
 * same edge checks, authentication and roles, its access rule in api/authz.ts's table, and its OpenAPI
 * entry declared by hand.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { authenticate, type AuthUser } from '../auth';
import { access, requireRoles, ROUTE_ACCESS } from '../authz';
import { fromZod } from '../errors';
import { assertCleanRequest } from '../http';
import { Problem } from '../schemas';
import type { RouteContext } from './context';

export function downloadRoute({ deps, router, registry }: Pick<RouteContext, 'deps' | 'router' | 'registry'>) {
  /**
   * A download: served on the router (route() answers JSON), with the same edge checks, and declared in
   * the OpenAPI document by hand.
   */
  return <Q extends z.ZodType, P extends z.ZodType>(d: {
    path: string;
    summary: string;
    roles: readonly ('supervisor' | 'staff')[];
    query?: Q;
    params?: P;
    send: (ctx: { em: EntityManager; user: AuthUser; query: z.output<Q>; params: z.output<P>; res: import('express').Response }) => Promise<void>;
  }): void => {
    // Its access rule (api/authz.ts), declared here with the route, unless the table has one already.
    ROUTE_ACCESS[`GET ${d.path}`] ??= access.handler(
      `a download served on the router: requires ${d.roles.join(' or ')}, rows filtered by procedureScopeSql (an invisible procedure is unknown, 404)`,
      [...d.roles],
    );
    registry.registerPath({
      method: 'get',
      path: d.path.replace(/:(\w+)/g, '{$1}'),
      tags: ['supervision'],
      summary: d.summary,
      security: [{ bearerAuth: [] }],
      request: { ...(d.query ? { query: d.query as never } : {}), ...(d.params ? { params: d.params as never } : {}) },
      responses: {
        200: { description: 'An XLSX workbook, streamed', content: { 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: z.string().openapi({ format: 'binary' }) } } },
        ...Object.fromEntries([400, 401, 403, 404, 422].map((s) => [s, { description: 'Error', content: { 'application/problem+json': { schema: Problem } } }])),
      },
    });
    router.get(d.path, async (req, res) => {
      assertCleanRequest(req);
      const em = deps.orm.em.fork();
      const user = await authenticate(em, req.header('authorization'));
      requireRoles(user, d.roles);
      const q = d.query ? d.query.safeParse(req.query) : { success: true as const, data: undefined };
      if (!q.success) throw fromZod(q.error, 'query');
      const p = d.params ? d.params.safeParse(req.params) : { success: true as const, data: undefined };
      if (!p.success) throw fromZod(p.error, 'params');
      await d.send({ em, user, query: q.data as z.output<Q>, params: p.data as z.output<P>, res });
    });
  };
}

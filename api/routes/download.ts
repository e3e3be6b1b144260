/**
 * An XLSX download as a route: declared with route() like any other (edge checks, authentication, its
 * access rule, the OpenAPI entry), as a file answer (api/http.ts `file`) that the handler streams.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Response } from 'express';
import type { z, ZodType } from 'zod';
import type { AuthUser } from '../auth';
import { access } from '../authz';
import { BinaryBody } from '../schemas';
import { XLSX_MEDIA_TYPE } from '../xlsx';
import type { RouteContext } from './context';

export function downloadRoute({ route }: Pick<RouteContext, 'route'>) {
  return <Q extends ZodType, P extends ZodType>(d: {
    path: string;
    summary: string;
    roles: readonly ('supervisor' | 'staff')[];
    query?: Q;
    params?: P;
    send: (ctx: { em: EntityManager; user: AuthUser; query: z.output<Q>; params: z.output<P>; res: Response }) => Promise<void>;
  }): void =>
    route({
      method: 'get',
      path: d.path,
      tag: 'supervision',
      summary: d.summary,
      access: access.handler(`a download: requires ${d.roles.join(' or ')}, rows filtered by procedureScopeSql (an invisible procedure is unknown, 404)`, [...d.roles]),
      ...(d.query ? { query: d.query } : {}),
      ...(d.params ? { params: d.params } : {}),
      file: { contentType: XLSX_MEDIA_TYPE },
      response: { status: 200, schema: BinaryBody, description: 'An XLSX workbook, streamed' },
      errors: [403, 404, 422],
      handler: async ({ em, user, query, params, res }) => {
        await d.send({ em, user, query, params, res });
        return null;
      },
    });
}

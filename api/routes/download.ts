/**
 * An XLSX download as a route: declared with route() like any other (edge checks, authentication, its
 * access rule, the OpenAPI entry), as a file answer (api/http.ts `file`) that the handler streams.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Response } from 'express';
import type { z, ZodType } from 'zod';
import { log } from '../../platform/log';
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
        try {
          await d.send({ em, user, query, params, res });
        } catch (err) {
          if (!res.headersSent) throw err;
          // Part of the workbook is sent (the client went away, or a page's query failed): no error answer can
          // follow it, so the connection is cut and the client sees a broken download, not a short valid one.
          log().warn({ err: String(err) }, `${d.path}: the download stopped before it was complete`);
          res.destroy();
        }
        return null;
      },
    });
}

/**
 * Supervision (督查): what is overdue or soon due across every procedure type, and acting on it.
 * Every list here is computed in PostgreSQL from the projections; actions go through the workflows'
 * Updates like any other action.
 */
import { z } from 'zod';
import { ProcedureSchema } from '../../platform/entities';
import { PROCEDURES } from '../../procedures/registry';
import { ProcedureRow } from '../schemas';
import type { RouteContext } from './context';
import { procedureView } from './procedures';

/** Types whose work falls overdue, from the registry. */
const OVERDUE_TYPES: string[] = PROCEDURES.filter((p) => p.capabilities.overdue).map((p) => p.type);

/** Who sees the supervision views: supervisors, and the department's staff who start the procedures. */
const SUPERVISION_ROLES = ['supervisor', 'staff'] as const;

export function supervisionRoutes({ route }: RouteContext): void {
  route({
    method: 'get',
    path: '/supervision/overdue',
    tag: 'supervision',
    summary: 'Open procedures past their due date (督查), oldest due first',
    roles: SUPERVISION_ROLES,
    response: { status: 200, schema: z.array(ProcedureRow), description: 'Overdue and still open' },
    errors: [403],
    handler: async ({ em }) => {
      const rows = await em.find(
        ProcedureSchema,
        { overdue: true, status: 'open', type: { $in: OVERDUE_TYPES }, parentWorkflowId: { $ne: null } },
        { orderBy: { dueAt: 'asc', workflowId: 'asc' } },
      );
      return { status: 200, body: rows.map(procedureView) };
    },
  });
}

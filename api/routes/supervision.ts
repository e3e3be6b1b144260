/**
 * Supervision (督查): what is overdue or soon due across every procedure type, and acting on it.
 * Every list here is computed in PostgreSQL from the projections (platform/board.ts); actions go
 * through the workflows' Updates like any other action.
 */
import { z } from 'zod';
import { CalendarNotCoveredError } from '../../domain/calendar';
import { ProcedureSchema } from '../../platform/entities';
import { BOARD_RUNGS, boardGroups, type BoardFilter } from '../../platform/board';
import { PROCEDURES } from '../../procedures/registry';
import { Unprocessable } from '../errors';
import { id, ProcedureRow } from '../schemas';
import type { RouteContext } from './context';
import { procedureView } from './procedures';

/** Types whose work falls overdue, from the registry. */
const OVERDUE_TYPES: string[] = PROCEDURES.filter((p) => p.capabilities.overdue).map((p) => p.type);
const TYPES = PROCEDURES.map((p) => p.type) as [string, ...string[]];

/** Who sees the supervision views: supervisors, and the department's staff who start the procedures. */
const SUPERVISION_ROLES = ['supervisor', 'staff'] as const;

const boolString = z.enum(['true', 'false']).transform((v) => v === 'true');

/** The board's filter, shared by the board, its export and the bulk urge. */
export const BoardFilterSchema = z
  .object({
    unit: id.optional(),
    type: z.enum(TYPES, { message: `must be one of ${TYPES.join(', ')}` }).optional(),
    rung: z.enum(BOARD_RUNGS, { message: `must be one of ${BOARD_RUNGS.join(', ')}` }).optional(),
    dueWithin: z.coerce
      .number({ message: 'must be a whole number of working days' })
      .int('must be a whole number of working days')
      .min(0, 'must be 0 or more')
      .max(60, 'must be at most 60')
      .default(3)
      .openapi({ description: 'Due in the next N working days (overdue work is always in); 3 by default' }),
    watched: boolString.optional().openapi({ description: 'Only items on the watch list (挂账督办), or only those not on it' }),
  })
  .strict();

const Rungs = z.object(Object.fromEntries(BOARD_RUNGS.map((r) => [r, z.number().int()])) as Record<(typeof BOARD_RUNGS)[number], z.ZodNumber>);

export const BoardGroupRow = z
  .object({
    unitId: z.string(),
    type: z.string(),
    stage: z.string(),
    items: z.number().int(),
    overdue: z.number().int(),
    watched: z.number().int(),
    rungs: Rungs,
    highestRung: z.enum(BOARD_RUNGS),
    oldest: z.object({ workflowId: z.string(), title: z.string(), dueAt: z.string(), daysOverdue: z.number().int().openapi({ description: 'Working days past the due date' }) }),
    assigneeIds: z.array(z.string()),
    assigneeCount: z.number().int(),
  })
  .openapi('BoardGroup');

export const Board = z
  .object({ asOf: z.string(), windowEnd: z.string(), filter: z.unknown(), totals: z.object({ items: z.number().int(), overdue: z.number().int() }), groups: z.array(BoardGroupRow) })
  .openapi('SupervisionBoard');

/** The working-day calendar must cover today's window; otherwise the question has no answer yet. */
export function calendarRefusal(err: unknown): never {
  if (err instanceof CalendarNotCoveredError) {
    throw new Unprocessable('calendar_not_covered', `dueWithin: ${err.message}`, { field: 'dueWithin', year: err.year });
  }
  throw err;
}

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

  route({
    method: 'get',
    path: '/supervision/board',
    tag: 'supervision',
    summary: 'The supervision board (督查看板): overdue and soon-due work by unit × stage × type',
    description:
      'Open work with a pending task that is overdue or due within `dueWithin` working days, across every procedure type, ' +
      'grouped by unit (an item of several units counts in each), stage and type. Each group: counts, the items per rung of ' +
      'the overdue ladder, the oldest item with its working days overdue, and who holds the pending tasks. Oldest first.',
    roles: SUPERVISION_ROLES,
    query: BoardFilterSchema,
    response: { status: 200, schema: Board, description: 'The groups, oldest due first' },
    errors: [403, 422],
    handler: async ({ em, query }) => {
      const f: BoardFilter = query;
      const board = await boardGroups(em, f).catch(calendarRefusal);
      return { status: 200, body: { ...board, filter: f } };
    },
  });
}

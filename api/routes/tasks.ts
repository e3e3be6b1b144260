import { z } from 'zod';
import { NotificationSchema, ProcedureSchema, TaskSchema, type Task } from '../../platform/entities';
import { actUpdate } from '../../workflows/definitions';
import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { Conflict, NotFound, Unavailable, fromTemporal } from '../errors';
import { ActBody, ActResult, NotificationRow, ProcedureRow, TaskIdParam, TaskRow } from '../schemas';
import type { RouteContext } from './context';
import { procedureView } from './procedures';

const UPDATE_DEADLINE_MS = 30_000;

export function taskRoutes({ route, deps }: RouteContext): void {
  route({
    method: 'get',
    path: '/inbox',
    tag: 'tasks',
    summary: 'My pending tasks',
    response: { status: 200, schema: z.array(TaskRow), description: 'Oldest first' },
    handler: async ({ em, user }) => {
      const tasks = await em.find(
        TaskSchema,
        { status: 'pending', assigneeIds: { $contains: [user.id] } },
        { orderBy: { openedAt: 'asc', id: 'asc' } },
      );
      const procs = await em.find(ProcedureSchema, { workflowId: { $in: [...new Set(tasks.map((t) => t.workflowId))] } });
      const byId = new Map(procs.map((p) => [p.workflowId, p]));
      return {
        status: 200,
        body: tasks.map((t: Task) => ({
          id: t.id,
          workflowId: t.workflowId,
          procedureType: t.procedureType,
          procedureTitle: byId.get(t.workflowId)?.title ?? null,
          step: t.step,
          round: t.round,
          assigneeIds: t.assigneeIds,
          status: t.status,
          openedAt: t.openedAt.toISOString(),
          dueAt: t.dueAt?.toISOString() ?? null,
          overdue: byId.get(t.workflowId)?.overdue ?? false,
        })),
      };
    },
  });

  route({
    method: 'post',
    path: '/tasks/:taskId/actions',
    tag: 'tasks',
    summary: 'Act on a task: submit, pass, return (with a reason) or sign',
    description:
      'A Workflow Update whose validator refuses an action on a task that is not pending, not yours, or not allowed ' +
      'at its step; a refused action leaves nothing behind. The final sign (销号) needs an institutional rule ' +
      '(建章立制) or a reason why none is needed, given at submission or with the signature.',
    idempotent: true,
    params: TaskIdParam,
    body: ActBody,
    response: { status: 200, schema: ActResult, description: 'The action was taken; nextTask is the step now open' },
    errors: [403, 404, 409, 422, 503],
    handler: async ({ em, user, params, body, idempotencyKey }) => {
      const task = await em.findOne(TaskSchema, { id: params.taskId });
      if (!task) throw new NotFound('task_not_found', `task ${params.taskId} not found`);
      try {
        const result = await deps.client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
          deps.client.workflow.getHandle(task.workflowId).executeUpdate(actUpdate, {
            args: [{ taskId: task.id, actorId: user.id, action: body.action, comment: body.comment, data: 'data' in body ? body.data : undefined }],
            // Temporal deduplicates Updates by id within a workflow run: a concurrent repeat gets the first outcome.
            updateId: `${user.id}:${idempotencyKey}`,
          }),
        );
        return { status: 200, body: result };
      } catch (err) {
        if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
          throw new Unavailable(
            'worker_unavailable',
            `no worker answered within ${UPDATE_DEADLINE_MS / 1000} s; repeat the request with the same Idempotency-Key to get its outcome`,
          );
        }
        const mapped = fromTemporal(err);
        if (mapped?.status === 404) throw new Conflict('task_not_pending', `task ${params.taskId} is not pending: its procedure has ended`);
        throw mapped ?? err;
      }
    },
  });

  route({
    method: 'get',
    path: '/supervision/overdue',
    tag: 'supervision',
    summary: 'Open procedures past their due date (督查), oldest due first',
    roles: ['supervisor', 'staff'],
    response: { status: 200, schema: z.array(ProcedureRow), description: 'Overdue and still open' },
    errors: [403],
    handler: async ({ em }) => {
      const rows = await em.find(
        ProcedureSchema,
        { overdue: true, status: 'open', type: 'rectificationItem' },
        { orderBy: { dueAt: 'asc', workflowId: 'asc' } },
      );
      return { status: 200, body: rows.map(procedureView) };
    },
  });

  route({
    method: 'get',
    path: '/notifications',
    tag: 'tasks',
    summary: 'My reminders and overdue notices, newest first',
    response: { status: 200, schema: z.array(NotificationRow), description: 'Up to 200' },
    handler: async ({ em, user }) => {
      const rows = await em.find(NotificationSchema, { userId: user.id }, { orderBy: { createdAt: 'desc', id: 'asc' }, limit: 200 });
      return {
        status: 200,
        body: rows.map((n) => ({ id: n.id, workflowId: n.workflowId, kind: n.kind, message: n.message, createdAt: n.createdAt.toISOString() })),
      };
    },
  });
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { NotificationSchema } from '../../platform/entities';
import { actUpdate, manageUpdate, workflowIdOfTask, type ActInput } from '../../procedures/kernel/messages';
import type { ProcedureDescriptor } from '../../procedures/descriptor';
import { PROCEDURES } from '../../procedures/registry';
import type { AuthUser } from '../auth';
import { access, procedureScopeSql } from '../authz';
import { ApiError, NotFound } from '../errors';
import { assertInMasterData } from '../master-data';
import { sendUpdate } from '../temporal';
import { ActResult, KERNEL_ACT_BODIES, ManageBody, NotificationRow, TaskIdParam, WorkflowIdParam } from '../schemas';
import type { RouteContext } from './context';

const assertUsersExist = (em: EntityManager, ids: string[], field: string): Promise<void> =>
  assertInMasterData(em, ids.map((id) => ({ kind: 'user', id, field })), 'a user does not exist');

/**
 * What a refused task action answers. An unknown procedure is an unknown task; so is one the user cannot
 * see (api/authz.ts): workflow ids are business ids, and "not yours" or "not pending" would confirm that it
 * exists. Whoever can see it gets the workflow's own refusal.
 */
async function taskRefusal(em: EntityManager, user: AuthUser, workflowId: string, err: unknown): Promise<unknown> {
  const hidden = (): NotFound => new NotFound('task_not_found', 'no such task');
  if (err instanceof NotFound) return hidden();
  if (!(err instanceof ApiError && [403, 409, 422].includes(err.status))) return err;
  const scope = procedureScopeSql(user, 'p');
  const [visible] = await em.execute<{ one: number }[]>(`select 1 as one from procedure p where p.workflow_id = ? and ${scope.sql}`, [workflowId, ...scope.params]);
  return visible ? err : hidden();
}

/** Every task verb's body: the kernel's and each module's (rectification's submit, pass, sign). */
const ActBody = z
  .discriminatedUnion('action', [...KERNEL_ACT_BODIES, ...(PROCEDURES as readonly ProcedureDescriptor[]).flatMap((p) => p.actBodies ?? [])])
  .openapi('ActBody');

export function taskRoutes({ route, deps }: RouteContext): void {
  route({
    method: 'post',
    path: '/tasks/:taskId/actions',
    tag: 'tasks',
    summary: 'Act on a task: submit, pass, sign, return (with a reason), transfer (转办) or add a signer (加签)',
    description:
      'A Workflow Update whose validator refuses an action on a task that is not pending, not yours, or not allowed ' +
      'at its step; a refused action leaves nothing behind. The final sign (销号) needs an institutional rule ' +
      '(建章立制) or a reason why none is needed, given at submission or with the signature.',
    idempotent: true,
    updateKeyed: true,
    // Checked after the workflow, not before: only a task's assignee can act, and an assignee takes part
    // in the procedure, so an accepted action needs no visibility read (one statement less per action).
    access: access.handler('the workflow refuses whoever the task is not assigned to; that refusal, to someone who cannot see the procedure, is 404 task_not_found, as for an unknown task (taskRefusal)'),
    params: TaskIdParam,
    body: ActBody,
    response: { status: 200, schema: ActResult, description: 'The action was taken; nextTask is the step now open' },
    errors: [403, 404, 409, 422, 503],
    handler: async ({ em, user, params, body, idempotencyKey }) => {
      // The task id names its procedure, so the action goes straight to the workflow, which knows
      // whether the task is pending and whose it is; nothing is read first.
      const workflowId = workflowIdOfTask(params.taskId);
      if (!workflowId) throw new NotFound('task_not_found', 'no such task');
      if ('targetUserId' in body && typeof body.targetUserId === 'string') await assertUsersExist(em, [body.targetUserId], 'targetUserId');
      const result = await sendUpdate(
        deps,
        em,
        workflowId,
        actUpdate,
        // The body's fields are ActInput's, checked by their schemas (strict: nothing else gets through).
        { ...(body as Omit<ActInput, 'taskId' | 'actorId'>), taskId: params.taskId, actorId: user.id },
        `${user.id}:${idempotencyKey}`,
      ).catch(async (err: unknown) => {
        throw await taskRefusal(em, user, workflowId, err);
      });
      return { status: 200, body: result };
    },
  });

  route({
    method: 'post',
    path: '/procedures/:workflowId/actions',
    tag: 'tasks',
    summary: 'Withdraw (撤回), urge (催办) or copy (抄送) a rectification item or an approval request; close a vote',
    description:
      'withdraw: the initiator, while nobody has acted (an overdue rectification item: a supervisor, with a reason); urge: a supervisor or the initiator, on a pending task, ' +
      'notifies its assignees; copy: someone taking part, or a supervisor, informs people who do not sign; ' +
      'closeVote (approval requests): the initiator closes the running vote step, refused without a quorum.',
    idempotent: true,
    updateKeyed: true,
    params: WorkflowIdParam,
    body: ManageBody,
    response: { status: 200, schema: ActResult, description: 'Done; notified lists who was told' },
    errors: [403, 404, 409, 422, 503],
    handler: async ({ em, user, params, body, idempotencyKey }) => {
      // Whether the type allows the action is the workflow's rule (its capabilities, from the same
      // descriptor); the Update's validator refuses it without a trace.
      if (body.action === 'copy') await assertUsersExist(em, body.userIds, 'userIds');
      const result = await sendUpdate(
        deps,
        em,
        params.workflowId,
        manageUpdate,
        {
          actorId: user.id,
          actorRoles: user.roles,
          // A module's verbs are typed loosely here; their schemas have checked them.
          action: body.action,
          ...(typeof body.comment === 'string' && body.comment ? { comment: body.comment } : {}),
          ...(body.action === 'urge' ? { taskId: body.taskId } : {}),
          ...(body.action === 'copy' ? { userIds: body.userIds } : {}),
        },
        `${user.id}:${idempotencyKey}`,
      );
      return { status: 200, body: result };
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

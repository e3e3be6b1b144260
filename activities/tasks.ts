/**
 * Activities for the approval building block: closing a task that nobody approved (cancelled by
 * a return, withdrawn) and notifying people (催办, 抄送). Idempotent like the rest.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { NotificationSchema, TaskSchema, type Notification } from '../platform/entities';
import { appendAudit } from './audit';

export interface CloseTaskInput {
  taskId: string;
  at: string;
  by: string;
  /** Why it closed without an approval, e.g. cancelled or withdrawn. */
  action: string;
}

export interface NotifyUsersInput {
  workflowId: string;
  /** The action's sequence number, which keys the notifications. */
  seq: number;
  kind: Notification['kind'];
  userIds: string[];
  message: string;
  at: string;
}

export function createTaskActivities(deps: { orm: MikroORM }) {
  return {
    async closeTask(c: CloseTaskInput): Promise<void> {
      await deps.orm.em.fork().transactional(async (tx) => {
        await tx.nativeUpdate(TaskSchema, { id: c.taskId, status: 'pending' }, { status: 'done', completedAt: new Date(c.at), completedBy: c.by, action: c.action });
        await appendAudit(tx, {
          sourceKey: `task-closed:${c.taskId}`,
          // Task ids are <workflowId>:<seq>.
          workflowId: c.taskId.slice(0, c.taskId.lastIndexOf(':')),
          kind: 'task:closed',
          actorId: c.by,
          at: c.at,
          payload: { taskId: c.taskId, action: c.action },
        });
      });
    },

    async notifyUsers(n: NotifyUsersInput): Promise<void> {
      const em = deps.orm.em.fork();
      for (const userId of new Set(n.userIds)) {
        await em
          .createQueryBuilder(NotificationSchema)
          .insert({ id: `${n.workflowId}:${n.seq}:${userId}`, userId, workflowId: n.workflowId, kind: n.kind, message: n.message, createdAt: new Date(n.at), readAt: null })
          .onConflict('id')
          .ignore()
          .execute();
      }
    },
  };
}

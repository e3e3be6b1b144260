/**
 * Every side effect of the workflows. Each activity is idempotent: rows are keyed by workflow id
 * plus a sequence number the workflow allocated, so a retry or a replay never writes twice.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/activity';
import {
  ActionLogSchema,
  AppUserSchema,
  NotificationSchema,
  ProcedureSchema,
  TaskSchema,
  UnitSchema,
} from '../platform/entities';
import { createSelectionActivities } from './selection';
import { createTaskActivities } from './tasks';
import type { AssigneeRule, Deadlines } from '../workflows/definitions';
import { addDays, startOfChinaDay, yearOf } from '../domain/dates';
import { addWorkingDays, CalendarNotCoveredError, onOrAfterWorkingDay, type OverrideCalendar } from '../domain/calendar';
import { loadOverrides } from '../platform/calendar-store';
import { defaultRectificationRules, type RectificationRules } from '../domain/rectification';
import { appendAudit } from './audit';
import { DEFAULT_ESCALATION_LADDERS, type EscalationRungRule, type EscalationStep } from '../domain/escalation';

export interface ActivityDeps {
  orm: MikroORM;
  rules?: RectificationRules;
  /** The loaded working-day calendars for these years; defaults to reading them from the database. */
  loadCalendar?: (years: number[]) => Promise<OverrideCalendar>;
  /** Overdue ladders per procedure type; defaults to DEFAULT_ESCALATION_LADDERS. */
  escalationLadders?: Record<string, EscalationRungRule[]>;
}

export interface ProcedureStartInput {
  workflowId: string;
  type: string;
  parentWorkflowId: string | null;
  title: string;
  unitIds: string[];
  stage: string;
  startedBy: string;
  startedAt: string;
  data?: unknown;
}

export interface OpenTaskInput {
  taskId: string;
  workflowId: string;
  procedureType: string;
  step: string;
  seq: number;
  round: number;
  assigneeIds: string[];
  openedAt: string;
  dueAt: string | null;
}

export interface RecordActionInput {
  workflowId: string;
  seq: number;
  taskId: string | null;
  step: string | null;
  actorId: string;
  action: string;
  comment?: string;
  data?: unknown;
  at: string;
}

export interface NotifyInput {
  workflowId: string;
  /** Parent procedure, which shares the overdue flag of its items. */
  parentWorkflowId: string | null;
  seq: number;
  taskId: string | null;
  step: string | null;
  title: string;
  assigneeIds: string[];
  dueAt: string;
  at: string;
}

export interface CloseProcedureInput {
  workflowId: string;
  status: string;
  stage: string;
  closedAt: string;
  result: unknown;
}

export const SYSTEM_ACTOR = 'system';

export function createActivities(deps: ActivityDeps) {
  const rules = deps.rules ?? defaultRectificationRules;
  const em = () => deps.orm.em.fork();

  async function insertAction(e: ReturnType<typeof em>, a: RecordActionInput): Promise<void> {
    await e
      .createQueryBuilder(ActionLogSchema)
      .insert({
        id: `${a.workflowId}:${a.seq}`,
        workflowId: a.workflowId,
        seq: a.seq,
        taskId: a.taskId,
        step: a.step,
        actorId: a.actorId,
        action: a.action,
        comment: a.comment ?? null,
        data: a.data ?? null,
        at: new Date(a.at),
      })
      .onConflict('id')
      .ignore()
      .execute();
    // Every action row is chained into the audit log, in the same transaction.
    await appendAudit(e, {
      sourceKey: `${a.workflowId}:${a.seq}`,
      workflowId: a.workflowId,
      kind: `action:${a.action}`,
      actorId: a.actorId,
      at: a.at,
      payload: { step: a.step, taskId: a.taskId, comment: a.comment ?? null, data: a.data ?? null },
    });
  }

  async function notify(
    e: ReturnType<typeof em>,
    n: NotifyInput,
    kind: 'remind' | 'overdue' | 'escalation',
    userIds: string[],
    message: string,
  ): Promise<void> {
    for (const userId of new Set(userIds)) {
      await e
        .createQueryBuilder(NotificationSchema)
        .insert({
          id: `${n.workflowId}:${n.seq}:${userId}`,
          userId,
          workflowId: n.workflowId,
          kind,
          message,
          createdAt: new Date(n.at),
          readAt: null,
        })
        .onConflict('id')
        .ignore()
        .execute();
    }
  }

  return {
    ...createTaskActivities(deps),
    ...createSelectionActivities(deps),
    /** Resolves a step's assignees from master data. Retried until master data names somebody. */
    async resolveAssignees(rule: AssigneeRule): Promise<string[]> {
      const e = em();
      let ids: string[];
      if (rule.kind === 'user') {
        const user = await e.findOne(AppUserSchema, { id: rule.userId });
        ids = user ? [user.id] : [];
      } else if (rule.kind === 'unitHead') {
        const unit = await e.findOne(UnitSchema, { id: rule.unitId });
        if (!unit) throw ApplicationFailure.nonRetryable(`unit ${rule.unitId} does not exist`, 'unknown_unit');
        ids = unit.headUserId ? [unit.headUserId] : [];
      } else {
        const users = await e.find(
          AppUserSchema,
          { unitId: rule.unitId, roles: { $contains: [rule.role] } },
          { orderBy: { id: 'asc' } },
        );
        ids = users.map((u) => u.id);
      }
      if (ids.length === 0) {
        // Retryable on purpose: once master data names somebody, the step opens by itself.
        throw ApplicationFailure.retryable(`nobody to assign for ${JSON.stringify(rule)}`, 'no_assignee');
      }
      return ids;
    },

    /** Absolute instants for an item's deadline and reminder, from the working-day calendar. */
    async computeItemDeadlines(input: { dueDate: string }): Promise<Deadlines> {
      // The due year and its neighbours: moving to the next working day or back to the reminder day
      // can cross a year boundary. Read afresh on every call, so a year loaded today counts at once.
      const y = yearOf(input.dueDate);
      const overrides = await (deps.loadCalendar ?? ((years) => loadOverrides(em(), years)))([y - 1, y, y + 1]);
      try {
        const effectiveDueDate = onOrAfterWorkingDay(input.dueDate, overrides);
        const remindDate = addWorkingDays(effectiveDueDate, -rules.reminderWorkingDays, overrides);
        return {
          effectiveDueDate,
          // Overdue once the due day has ended in China time.
          dueAt: startOfChinaDay(addDays(effectiveDueDate, 1)),
          // Reminders go out at the start of the working day (09:00).
          remindAt: new Date(Date.parse(startOfChinaDay(remindDate)) + 9 * 3600_000).toISOString(),
        };
      } catch (err) {
        if (err instanceof CalendarNotCoveredError) throw ApplicationFailure.nonRetryable(err.message, 'calendar_not_covered');
        throw err;
      }
    },

    async projectProcedure(p: ProcedureStartInput): Promise<void> {
      const e = em();
      await e.transactional(async (tx) => {
        await tx
          .createQueryBuilder(ProcedureSchema)
          .insert({
            workflowId: p.workflowId,
            type: p.type,
            parentWorkflowId: p.parentWorkflowId,
            title: p.title,
            unitIds: p.unitIds,
            status: 'open',
            stage: p.stage,
            overdue: false,
            dueAt: null,
            startedBy: p.startedBy,
            startedAt: new Date(p.startedAt),
            closedAt: null,
            result: null,
            escalation: null,
            updatedAt: new Date(),
          })
          .onConflict('workflowId')
          .ignore()
          .execute();
        await insertAction(tx, {
          workflowId: p.workflowId,
          seq: 0,
          taskId: null,
          step: null,
          actorId: p.startedBy,
          action: 'start',
          data: p.data,
          at: p.startedAt,
        });
      });
    },

    async setDueAt(input: { workflowId: string; dueAt: string }): Promise<void> {
      await em().transactional(async (tx) => {
        await tx.nativeUpdate(ProcedureSchema, { workflowId: input.workflowId }, { dueAt: new Date(input.dueAt) });
        await appendAudit(tx, {
          sourceKey: `due-at:${input.workflowId}:${input.dueAt}`,
          workflowId: input.workflowId,
          kind: 'procedure:dueAt',
          actorId: SYSTEM_ACTOR,
          // The input carries no instant; a retry appends nothing, so the first attempt's time stays.
          at: new Date(),
          payload: { dueAt: input.dueAt },
        });
      });
    },

    async openTask(t: OpenTaskInput): Promise<void> {
      await em().transactional(async (tx) => {
        await tx
          .createQueryBuilder(TaskSchema)
          .insert({
            id: t.taskId,
            workflowId: t.workflowId,
            procedureType: t.procedureType,
            step: t.step,
            seq: t.seq,
            round: t.round,
            assigneeIds: t.assigneeIds,
            status: 'pending',
            openedAt: new Date(t.openedAt),
            dueAt: t.dueAt ? new Date(t.dueAt) : null,
            completedAt: null,
            completedBy: null,
            action: null,
          })
          .onConflict('id')
          .ignore()
          .execute();
        await tx.nativeUpdate(ProcedureSchema, { workflowId: t.workflowId }, { stage: t.step, updatedAt: new Date() });
        await appendAudit(tx, {
          sourceKey: `task-opened:${t.taskId}`,
          workflowId: t.workflowId,
          kind: 'task:opened',
          actorId: SYSTEM_ACTOR,
          at: t.openedAt,
          payload: { taskId: t.taskId, step: t.step, round: t.round, assigneeIds: t.assigneeIds, dueAt: t.dueAt },
        });
      });
    },

    async recordAction(a: RecordActionInput): Promise<void> {
      await em().transactional(async (tx) => {
        await insertAction(tx, a);
        if (a.taskId) {
          await tx.nativeUpdate(
            TaskSchema,
            { id: a.taskId, status: 'pending' },
            { status: 'done', completedAt: new Date(a.at), completedBy: a.actorId, action: a.action },
          );
        }
      });
    },

    /** 催办 by the deadline: the current assignees are reminded before the due date. */
    async remind(n: NotifyInput): Promise<void> {
      await em().transactional(async (tx) => {
        await insertAction(tx, { ...n, actorId: SYSTEM_ACTOR, action: 'remind', data: { dueAt: n.dueAt } });
        await notify(tx, n, 'remind', n.assigneeIds, `「${n.title}」 is due at ${n.dueAt}`);
      });
    },

    /** Past due: flags the item and its feedback overdue and tells the assignees and every supervisor. */
    async markOverdue(n: NotifyInput): Promise<void> {
      await em().transactional(async (tx) => {
        const ids = n.parentWorkflowId ? [n.workflowId, n.parentWorkflowId] : [n.workflowId];
        await tx.nativeUpdate(ProcedureSchema, { workflowId: { $in: ids } }, { overdue: true, updatedAt: new Date() });
        await insertAction(tx, { ...n, actorId: SYSTEM_ACTOR, action: 'overdue', data: { dueAt: n.dueAt } });
        const supervisors = await tx.find(AppUserSchema, { roles: { $contains: ['supervisor'] } });
        await notify(
          tx,
          n,
          'overdue',
          [...n.assigneeIds, ...supervisors.map((s) => s.id)],
          `「${n.title}」 is overdue since ${n.dueAt}`,
        );
      });
    },

    /** The overdue ladder as absolute instants, computed when the item falls overdue. */
    async computeEscalation(input: { procedureType: string; effectiveDueDate: string }): Promise<EscalationStep[]> {
      const ladder = deps.escalationLadders?.[input.procedureType] ?? DEFAULT_ESCALATION_LADDERS[input.procedureType] ?? [];
      const y = yearOf(input.effectiveDueDate);
      const overrides = await (deps.loadCalendar ?? ((years) => loadOverrides(em(), years)))([y, y + 1]);
      const nineAm = (date: string): string => new Date(Date.parse(startOfChinaDay(date)) + 9 * 3600_000).toISOString();
      try {
        let finalDate: string | undefined;
        return ladder.map((r) => {
          if (r.atFinalDate) {
            if (!finalDate) throw ApplicationFailure.nonRetryable(`rung ${r.rung} needs a warning with a final date before it`, 'bad_ladder');
            return { rung: r.rung, at: startOfChinaDay(addDays(finalDate, 1)) };
          }
          const at = r.workingDaysAfterDue === 0 ? startOfChinaDay(addDays(input.effectiveDueDate, 1)) : nineAm(addWorkingDays(input.effectiveDueDate, r.workingDaysAfterDue, overrides));
          if (r.finalDateWorkingDaysAfterDue !== undefined) {
            finalDate = addWorkingDays(input.effectiveDueDate, r.finalDateWorkingDaysAfterDue, overrides);
            return { rung: r.rung, at, finalDate };
          }
          return { rung: r.rung, at };
        });
      } catch (err) {
        if (err instanceof CalendarNotCoveredError) throw ApplicationFailure.nonRetryable(err.message, 'calendar_not_covered');
        throw err;
      }
    },

    /** One rung of the overdue ladder: recorded, shown on the procedure, sent to supervisors and assignees. */
    async escalate(n: NotifyInput & { rung: EscalationStep }): Promise<void> {
      await em().transactional(async (tx) => {
        await tx.nativeUpdate(ProcedureSchema, { workflowId: n.workflowId }, { escalation: n.rung, updatedAt: new Date() });
        await insertAction(tx, { ...n, actorId: SYSTEM_ACTOR, action: 'escalate', data: n.rung });
        const supervisors = await tx.find(AppUserSchema, { roles: { $contains: ['supervisor'] } });
        const text = { supervisionNotice: '督办通知', warning: '预警', accountability: '问责' }[n.rung.rung];
        await notify(
          tx,
          n,
          'escalation',
          [...n.assigneeIds, ...supervisors.map((s) => s.id)],
          `${text}:「${n.title}」 overdue since ${n.dueAt}${n.rung.finalDate ? `; final date ${n.rung.finalDate}` : ''}`,
        );
      });
    },

    async closeProcedure(c: CloseProcedureInput): Promise<void> {
      await em().transactional(async (tx) => {
        await tx.nativeUpdate(
          ProcedureSchema,
          { workflowId: c.workflowId },
          { status: c.status, stage: c.stage, closedAt: new Date(c.closedAt), result: c.result, updatedAt: new Date() },
        );
        await appendAudit(tx, {
          sourceKey: `closed:${c.workflowId}`,
          workflowId: c.workflowId,
          kind: 'procedure:closed',
          actorId: SYSTEM_ACTOR,
          at: c.closedAt,
          payload: { status: c.status, stage: c.stage, result: c.result ?? null },
        });
      });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

/**
 * The projection of the workflows (procedures, tasks, actions, notifications) and the tamper-evident audit log with its anchors.
 * PostgreSQL tables as MikroORM EntitySchemas (no decorators); the schema changes only through migrations/.
 */
import { EntitySchema } from '@mikro-orm/core';
import type { EscalationStep } from '../../procedures/kernel/deadline';

/** Projection of one procedure (a workflow execution), behind the lists and supervision views. */
export interface Procedure {
  workflowId: string;
  type: string;
  parentWorkflowId: string | null;
  title: string;
  unitIds: string[];
  status: string;
  stage: string;
  overdue: boolean;
  dueAt: Date | null;
  startedBy: string;
  startedAt: Date;
  closedAt: Date | null;
  result: unknown;
  /** The overdue ladder's latest rung. */
  escalation: EscalationStep | null;
  updatedAt: Date;
}

/** Projection of one human task, behind the inbox. */
export interface Task {
  id: string;
  workflowId: string;
  procedureType: string;
  step: string;
  seq: number;
  round: number;
  assigneeIds: string[];
  status: 'pending' | 'done';
  openedAt: Date;
  dueAt: Date | null;
  completedAt: Date | null;
  completedBy: string | null;
  action: string | null;
}

/** One action on a procedure, by a person or by the system (reminders, overdue). */
export interface ActionLog {
  id: string;
  workflowId: string;
  seq: number;
  taskId: string | null;
  step: string | null;
  actorId: string;
  action: string;
  comment: string | null;
  data: unknown;
  at: Date;
}

export interface Notification {
  id: string;
  userId: string;
  workflowId: string;
  kind: 'remind' | 'overdue' | 'urge' | 'copy' | 'escalation';
  message: string;
  createdAt: Date;
  readAt: Date | null;
}

/**
 * One entry of a procedure's audit chain (domain/audit.ts). `id` is the key of the write that
 * produced it (an action_log id, `task-opened:<taskId>`, `closed:<workflowId>`, …).
 */
export interface AuditLog {
  id: string;
  workflowId: string;
  seq: number;
  kind: string;
  actorId: string;
  at: Date;
  payload: unknown;
  prevHash: string;
  hash: string;
}

export const ProcedureSchema = new EntitySchema<Procedure>({
  name: 'Procedure',
  tableName: 'procedure',
  properties: {
    workflowId: { type: 'string', primary: true },
    type: { type: 'string' },
    parentWorkflowId: { type: 'string', nullable: true },
    title: { type: 'string' },
    unitIds: { type: 'string[]' },
    status: { type: 'string' },
    stage: { type: 'string' },
    overdue: { type: 'boolean' },
    dueAt: { type: 'Date', nullable: true },
    startedBy: { type: 'string' },
    startedAt: { type: 'Date' },
    closedAt: { type: 'Date', nullable: true },
    result: { type: 'json', nullable: true },
    escalation: { type: 'json', nullable: true },
    updatedAt: { type: 'Date' },
  },
});

export const TaskSchema = new EntitySchema<Task>({
  name: 'Task',
  tableName: 'task',
  properties: {
    id: { type: 'string', primary: true },
    workflowId: { type: 'string' },
    procedureType: { type: 'string' },
    step: { type: 'string' },
    seq: { type: 'integer' },
    round: { type: 'integer' },
    assigneeIds: { type: 'string[]' },
    status: { type: 'string' },
    openedAt: { type: 'Date' },
    dueAt: { type: 'Date', nullable: true },
    completedAt: { type: 'Date', nullable: true },
    completedBy: { type: 'string', nullable: true },
    action: { type: 'string', nullable: true },
  },
});

export const ActionLogSchema = new EntitySchema<ActionLog>({
  name: 'ActionLog',
  tableName: 'action_log',
  properties: {
    id: { type: 'string', primary: true },
    workflowId: { type: 'string' },
    seq: { type: 'integer' },
    taskId: { type: 'string', nullable: true },
    step: { type: 'string', nullable: true },
    actorId: { type: 'string' },
    action: { type: 'string' },
    comment: { type: 'text', nullable: true },
    data: { type: 'json', nullable: true },
    at: { type: 'Date' },
  },
});

export const NotificationSchema = new EntitySchema<Notification>({
  name: 'Notification',
  tableName: 'notification',
  properties: {
    id: { type: 'string', primary: true },
    userId: { type: 'string' },
    workflowId: { type: 'string' },
    kind: { type: 'string' },
    message: { type: 'text' },
    createdAt: { type: 'Date' },
    readAt: { type: 'Date', nullable: true },
  },
});

export const AuditLogSchema = new EntitySchema<AuditLog>({
  name: 'AuditLog',
  tableName: 'audit_log',
  properties: {
    id: { type: 'string', primary: true },
    workflowId: { type: 'string' },
    seq: { type: 'integer' },
    kind: { type: 'string' },
    actorId: { type: 'string' },
    at: { type: 'Date' },
    payload: { type: 'json', nullable: true },
    prevHash: { type: 'string' },
    hash: { type: 'string' },
  },
});

/**
 * One anchoring of the audit chains (platform/anchor.ts, Migration20261207000000_audit_anchor): the Merkle
 * root over every procedure's chain head at that moment. Append-only (a trigger refuses UPDATE and DELETE).
 */
export interface AuditAnchor {
  /** bigint, read as a string. */
  id: string;
  /** The job run that wrote it, so a retried activity anchors once. */
  key: string;
  anchoredAt: Date;
  root: string;
  procedures: number;
}

/** A procedure's chain head as an anchor recorded it. Append-only. */
export interface AuditAnchorHead {
  anchorId: string;
  workflowId: string;
  seq: number;
  hash: string;
}

export const AuditAnchorSchema = new EntitySchema<AuditAnchor>({
  name: 'AuditAnchor',
  tableName: 'audit_anchor',
  properties: {
    id: { type: 'bigint', primary: true },
    key: { type: 'string', unique: true },
    anchoredAt: { type: 'Date' },
    root: { type: 'string' },
    procedures: { type: 'integer' },
  },
});

export const AuditAnchorHeadSchema = new EntitySchema<AuditAnchorHead>({
  name: 'AuditAnchorHead',
  tableName: 'audit_anchor_head',
  properties: {
    anchorId: { type: 'bigint', primary: true },
    workflowId: { type: 'string', primary: true },
    seq: { type: 'integer' },
    hash: { type: 'string' },
  },
});

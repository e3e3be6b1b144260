/**
 * PostgreSQL tables, as MikroORM EntitySchemas (no decorators, so no compiler metadata to trust).
 * The schema itself changes only through migrations/.
 */
import { EntitySchema, type OptionalProps } from '@mikro-orm/core';

import type { Role } from '../procedures/kernel/messages';
import type { EscalationStep } from '../procedures/kernel/deadline';
import type { PersonInput } from '../domain/people-import';

/**
 * A unit (单位): a responsible unit, a lead department or the inspection office; or a city (市) or county
 * (县) above them. Units form a tree through parentId (Migration20261204000000_units_scopes).
 */
export interface Unit {
  id: string;
  name: string;
  kind: 'city' | 'county' | 'unit' | 'department' | 'office';
  headUserId: string | null;
  parentId: string | null;
}

export interface AppUser {
  /** Defaulted on create (none; not disabled). */
  [OptionalProps]?: 'scopeUnitIds' | 'disabledAt';
  id: string;
  username: string;
  displayName: string;
  unitId: string;
  /** Roles the user holds within their own unit. */
  roles: Role[];
  /** Units whose subtrees the user also sees (api/authz.ts); their own unit always counts. */
  scopeUnitIds: string[];
  passwordHash: string;
  createdAt: Date;
  /** A disabled user cannot log in; the row stays, since actions and audit entries name it. */
  disabledAt: Date | null;
}

export interface Session {
  tokenHash: string;
  /** What the user sees and ends a session by; the token hash stays secret. */
  id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  /** Last request with the token; a session idle longer than SESSION_IDLE_MINUTES has expired. */
  lastSeenAt: Date;
  address: string | null;
  userAgent: string | null;
}

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

/**
 * An Idempotency-Key: reserved (in_progress, held by `owner` until `lockedUntil`) while its request runs,
 * then completed with the first answer, which a repeat replays. A large answer is stored once in
 * idempotency_answer and referenced by `bodySha256` instead of `body`.
 */
export interface IdempotencyRecord {
  userId: string;
  key: string;
  fingerprint: string;
  state: 'in_progress' | 'completed';
  owner: string | null;
  lockedUntil: Date | null;
  statusCode: number | null;
  body: unknown;
  bodySha256: string | null;
  createdAt: Date;
}

/** A large idempotent answer, gzip-compressed, addressed by the sha256 of its JSON. */
export interface IdempotencyAnswer {
  sha256: string;
  gz: Buffer;
  bytes: number;
  createdAt: Date;
}

export const UnitSchema = new EntitySchema<Unit>({
  name: 'Unit',
  tableName: 'unit',
  properties: {
    id: { type: 'string', primary: true },
    name: { type: 'string' },
    kind: { type: 'string' },
    headUserId: { type: 'string', nullable: true },
    parentId: { type: 'string', nullable: true },
  },
});

export const AppUserSchema = new EntitySchema<AppUser>({
  name: 'AppUser',
  tableName: 'app_user',
  properties: {
    id: { type: 'string', primary: true },
    username: { type: 'string', unique: true },
    displayName: { type: 'string' },
    unitId: { type: 'string' },
    roles: { type: 'string[]' },
    scopeUnitIds: { type: 'string[]', onCreate: () => [] },
    passwordHash: { type: 'string', lazy: true },
    createdAt: { type: 'Date' },
    disabledAt: { type: 'Date', nullable: true },
  },
});

export const SessionSchema = new EntitySchema<Session>({
  name: 'Session',
  tableName: 'session',
  properties: {
    tokenHash: { type: 'string', primary: true },
    id: { type: 'string', unique: true },
    userId: { type: 'string' },
    createdAt: { type: 'Date' },
    expiresAt: { type: 'Date' },
    lastSeenAt: { type: 'Date' },
    address: { type: 'string', nullable: true },
    userAgent: { type: 'string', nullable: true },
  },
});

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

export const IdempotencyRecordSchema = new EntitySchema<IdempotencyRecord>({
  name: 'IdempotencyRecord',
  tableName: 'idempotency_record',
  properties: {
    userId: { type: 'string', primary: true },
    key: { type: 'string', primary: true },
    fingerprint: { type: 'string' },
    state: { type: 'string' },
    owner: { type: 'string', nullable: true },
    lockedUntil: { type: 'Date', nullable: true },
    statusCode: { type: 'integer', nullable: true },
    body: { type: 'json', nullable: true },
    bodySha256: { type: 'string', nullable: true },
    createdAt: { type: 'Date' },
  },
});

export const IdempotencyAnswerSchema = new EntitySchema<IdempotencyAnswer>({
  name: 'IdempotencyAnswer',
  tableName: 'idempotency_answer',
  properties: {
    sha256: { type: 'string', primary: true },
    gz: { type: 'Buffer' },
    bytes: { type: 'integer' },
    createdAt: { type: 'Date' },
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

/** A year of the working-day calendar loaded from a State Council notice (domain/calendar.ts). */
export interface CalendarYear {
  year: number;
  /** Where the data comes from, e.g. the notice number (国办发明电〔2026〕…). */
  source: string;
  loadedBy: string;
  loadedAt: Date;
}

/** A listed day of a loaded year: a holiday, or a make-up workday (调休). Unlisted days are Monday–Friday. */
export interface CalendarDay {
  /** YYYY-MM-DD. */
  date: string;
  year: number;
  isWorkday: boolean;
  name: string | null;
}

export const CalendarYearSchema = new EntitySchema<CalendarYear>({
  name: 'CalendarYear',
  tableName: 'calendar_year',
  properties: {
    year: { type: 'integer', primary: true },
    source: { type: 'text' },
    loadedBy: { type: 'string' },
    loadedAt: { type: 'Date' },
  },
});

export const CalendarDaySchema = new EntitySchema<CalendarDay>({
  name: 'CalendarDay',
  tableName: 'calendar_day',
  properties: {
    date: { type: 'date', primary: true },
    year: { type: 'integer' },
    isWorkday: { type: 'boolean' },
    name: { type: 'text', nullable: true },
  },
});

/** A cadre (干部), with what the qualification predicates need. Dates are YYYY-MM-DD (China calendar days). */
export interface Person extends PersonInput {
  createdAt: Date;
  updatedAt: Date;
}

export const PersonSchema = new EntitySchema<Person>({
  name: 'Person',
  tableName: 'person',
  properties: {
    id: { type: 'string', primary: true },
    name: { type: 'text' },
    gender: { type: 'string', nullable: true },
    birthDate: { type: 'date' },
    unitId: { type: 'string', nullable: true },
    currentPost: { type: 'text', nullable: true },
    currentGrade: { type: 'string' },
    gradeSince: { type: 'date' },
    workStartDate: { type: 'date' },
    // numeric comes back from pg as a string; runtimeType number converts it.
    grassrootsYears: { type: 'decimal', precision: 4, scale: 1, runtimeType: 'number' },
    education: { type: 'string' },
    partyJoinDate: { type: 'date', nullable: true },
    lastPromotionDate: { type: 'date', nullable: true },
    lastPromotionOutOfTurn: { type: 'boolean' },
    // 揭榜出征 eligibility (Migration20261201000000_person_redeployment).
    leftLeadershipPostOn: { type: 'date', nullable: true },
    // A person with no recorded fields has none (the column defaults to [] as well).
    fields: { type: 'json', onCreate: () => [] },
    healthCheckedOn: { type: 'date', nullable: true },
    healthResult: { type: 'string', nullable: true },
    // 用户账号 (Migration20261203000000_letter_access): the person's own account, nullable and unique.
    userId: { type: 'string', nullable: true },
    createdAt: { type: 'Date' },
    updatedAt: { type: 'Date' },
  },
});

/**
 * One examination in a political-quality file (政治素质档案) of a cadre or a leading group, written once
 * when the examination closes (its id is the examination's workflow id).
 */
export interface PoliticalFileEntry {
  id: string;
  examinationId: string;
  subjectKind: 'cadre' | 'group';
  /** The cadre examined; null for a leading group. */
  personId: string | null;
  /** The group's unit, or the cadre's unit when examined. */
  unitId: string;
  title: string;
  /** The China date the examination closed (YYYY-MM-DD). */
  examinedOn: string;
  grade: string;
  planHash: string;
  evaluations: unknown;
  findings: unknown;
  useOfResult: unknown;
  rectificationWorkflowId: string | null;
  acknowledgedAt: Date | null;
  statement: string | null;
  archivedAt: Date;
}

export const PoliticalFileEntrySchema = new EntitySchema<PoliticalFileEntry>({
  name: 'PoliticalFileEntry',
  tableName: 'political_file_entry',
  properties: {
    id: { type: 'string', primary: true },
    examinationId: { type: 'string' },
    subjectKind: { type: 'string' },
    personId: { type: 'string', nullable: true },
    unitId: { type: 'string' },
    title: { type: 'text' },
    examinedOn: { type: 'date' },
    grade: { type: 'string' },
    planHash: { type: 'string' },
    evaluations: { type: 'json' },
    findings: { type: 'json' },
    useOfResult: { type: 'json' },
    rectificationWorkflowId: { type: 'string', nullable: true },
    acknowledgedAt: { type: 'Date', nullable: true },
    statement: { type: 'text', nullable: true },
    archivedAt: { type: 'Date' },
  },
});

/** A task letter (任务书) of 揭榜出征: the generated document, kept with its sha256. */
export interface RedeploymentLetter {
  id: string;
  workflowId: string;
  taskId: string;
  personId: string;
  /** The host unit and the account the letter is addressed to; null on letters from before they were kept. */
  hostUnitId?: string | null;
  cadreUserId?: string | null;
  mediaType: string;
  fileName: string;
  content: Buffer;
  sha256: string;
  issuedAt: Date;
}

export const RedeploymentLetterSchema = new EntitySchema<RedeploymentLetter>({
  name: 'RedeploymentLetter',
  tableName: 'redeployment_letter',
  properties: {
    id: { type: 'string', primary: true },
    workflowId: { type: 'string' },
    taskId: { type: 'string' },
    personId: { type: 'string' },
    hostUnitId: { type: 'string', nullable: true },
    cadreUserId: { type: 'string', nullable: true },
    mediaType: { type: 'string' },
    fileName: { type: 'text' },
    content: { type: 'blob' },
    sha256: { type: 'string' },
    issuedAt: { type: 'Date' },
  },
});

/**
 * A unit's Party secretary or discipline secretary (Migration20261205000000_selection_office_holder): who may
 * sign a candidate's 廉洁自律 conclusion. Dated; `until` null while the person still holds the post.
 */
export interface UnitOfficeHolder {
  unitId: string;
  office: 'partySecretary' | 'disciplineSecretary';
  personId: string;
  since: string;
  until: string | null;
}

export const UnitOfficeHolderSchema = new EntitySchema<UnitOfficeHolder>({
  name: 'UnitOfficeHolder',
  tableName: 'unit_office_holder',
  properties: {
    unitId: { type: 'string', primary: true },
    office: { type: 'string', primary: true },
    personId: { type: 'string', primary: true },
    since: { type: 'date', primary: true },
    until: { type: 'date', nullable: true },
  },
});

/** A dated record barring a promotion for a while (影响期; Migration20261205100000_selection_bar_records). */
export interface PersonBarRecord {
  personId: string;
  kind: 'partySanction' | 'governmentSanction' | 'admonition' | 'organizationalHandling' | 'annualAssessment';
  category: string;
  date: string;
  endsOn: string | null;
  ref: string | null;
}

export const PersonBarRecordSchema = new EntitySchema<PersonBarRecord>({
  name: 'PersonBarRecord',
  tableName: 'person_bar_record',
  properties: {
    personId: { type: 'string', primary: true },
    kind: { type: 'string', primary: true },
    category: { type: 'string', primary: true },
    date: { type: 'date', primary: true },
    endsOn: { type: 'date', nullable: true },
    ref: { type: 'text', nullable: true },
  },
});

/** A relation between two people, for 回避 (Migration20261205200000_selection_relations); read both ways. */
export interface PersonRelation {
  personId: string;
  relativeId: string;
  /** spouse 夫妻, directBlood 直系血亲, collateral 三代以内旁系血亲, inLaw 近姻亲. */
  relation: 'spouse' | 'directBlood' | 'collateral' | 'inLaw';
}

export const PersonRelationSchema = new EntitySchema<PersonRelation>({
  name: 'PersonRelation',
  tableName: 'person_relation',
  properties: {
    personId: { type: 'string', primary: true },
    relativeId: { type: 'string', primary: true },
    relation: { type: 'string' },
  },
});

/** 职数: a unit's approved number of posts of a grade (Migration20261206100000_selection_establishment). */
export interface UnitEstablishment {
  unitId: string;
  grade: string;
  approved: number;
}

export const UnitEstablishmentSchema = new EntitySchema<UnitEstablishment>({
  name: 'UnitEstablishment',
  tableName: 'unit_establishment',
  properties: {
    unitId: { type: 'string', primary: true },
    grade: { type: 'string', primary: true },
    approved: { type: 'integer' },
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

export const ALL_ENTITIES = [
  UnitSchema,
  AppUserSchema,
  SessionSchema,
  ProcedureSchema,
  TaskSchema,
  ActionLogSchema,
  NotificationSchema,
  IdempotencyRecordSchema,
  IdempotencyAnswerSchema,
  AuditLogSchema,
  CalendarYearSchema,
  CalendarDaySchema,
  PersonSchema,
  PoliticalFileEntrySchema,
  RedeploymentLetterSchema,
  UnitOfficeHolderSchema,
  PersonBarRecordSchema,
  PersonRelationSchema,
  UnitEstablishmentSchema,
  AuditAnchorSchema,
  AuditAnchorHeadSchema,
];

/**
 * PostgreSQL tables, as MikroORM EntitySchemas (no decorators, so no compiler metadata to trust), one file
 * per area; the schema itself changes only through migrations/.
 */
import { AppUserSchema, SessionSchema, UnitSchema } from './access';
import { CalendarDaySchema, CalendarYearSchema } from './calendar';
import { PersonBarRecordSchema, PersonRelationSchema, PersonSchema, PoliticalFileEntrySchema, RedeploymentLetterSchema, UnitEstablishmentSchema, UnitOfficeHolderSchema } from './people';
import { ActionLogSchema, AuditAnchorHeadSchema, AuditAnchorSchema, AuditLogSchema, NotificationSchema, ProcedureSchema, TaskSchema } from './projection';
import { IdempotencyAnswerSchema, IdempotencyRecordSchema } from './requests';

export * from './access';
export * from './calendar';
export * from './people';
export * from './projection';
export * from './requests';

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

/**
 * Units (单位), users and their sessions: who may do what, and where (api/authz.ts).
 * PostgreSQL tables as MikroORM EntitySchemas (no decorators); the schema changes only through migrations/.
 */
import { EntitySchema, type OptionalProps } from '@mikro-orm/core';
import type { Role } from '../../procedures/kernel/messages';

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

/**
 * Cadre master data and the records the selection rules read: political files, office holders, 影响期 bars, relations (回避), 职数, and 揭榜出征's task letters.
 * PostgreSQL tables as MikroORM EntitySchemas (no decorators); the schema changes only through migrations/.
 */
import { EntitySchema } from '@mikro-orm/core';
import type { PersonInput } from '../../domain/people-columns';

/** A cadre (干部), with what the qualification predicates need. Dates are YYYY-MM-DD (China calendar days). */
export interface Person extends Omit<PersonInput, 'relations'> {
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

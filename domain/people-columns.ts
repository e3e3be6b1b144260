/**
 * The columns of a people sheet (domain/people-import.ts): what a row says about a person, the Chinese and
 * English headings each field is known by, and the header row mapped onto the fields.
 */
import { cellText, type Cell } from './people-cells';
import type { Education, Grade } from './grades';
import type { RelativeEntry } from './relations';

/** What one row says about one person. `unitId` is still the sheet's reference: a unit id or a unit's name. */
export interface PersonInput {
  /** The personnel number (干部编号). */
  id: string;
  name: string;
  gender: 'male' | 'female' | null;
  birthDate: string;
  unitId: string | null;
  /** 现任职务, free text. */
  currentPost: string | null;
  /** 现职级, on the ladder of domain/grades.ts. */
  currentGrade: Grade;
  /** Since when at the current grade (任现职级时间). */
  gradeSince: string;
  /** 参加工作时间. */
  workStartDate: string;
  /** Years of grassroots experience (基层工作经历), to one decimal. */
  grassrootsYears: number;
  education: Education;
  /** 入党时间; null for someone who is not a Party member. */
  partyJoinDate: string | null;
  lastPromotionDate: string | null;
  /** Whether the last promotion was out of turn (破格). */
  lastPromotionOutOfTurn: boolean;
  /** 退出领导岗位时间 (揭榜出征 eligibility); null: not recorded as having left a leadership post. */
  leftLeadershipPostOn?: string | null;
  /** Skills or fields (专业领域). */
  fields?: string[];
  /** The latest health check (体检): its date and result, both or neither. */
  healthCheckedOn?: string | null;
  healthResult?: 'fit' | 'fitWithLimits' | 'unfit' | null;
  /** 用户账号: the person's own user account, for what only they may read (a 揭榜出征 task letter). */
  userId?: string | null;
  /**
   * 亲属关系 (回避, domain/relations.ts): the person's relatives among people in master data. Not a column of the
   * table person: a sheet with the column replaces the person's rows of person_relation (platform/people-import.ts).
   */
  relations?: RelativeEntry[];
}

export type PersonField = keyof PersonInput;

/** The header itself is unusable (no header, a required column missing, a column twice). */
export class SheetHeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SheetHeaderError';
  }
}

interface Column {
  /** The Chinese heading, as used in messages and in the template. */
  label: string;
  aliases: readonly string[];
  required: boolean;
}

export const PERSON_COLUMNS: Readonly<Record<PersonField, Column>> = {
  id: { label: '编号', aliases: ['干部编号', '人员编号', '编码', 'personnelNumber'], required: true },
  name: { label: '姓名', aliases: [], required: true },
  gender: { label: '性别', aliases: ['sex'], required: false },
  birthDate: { label: '出生日期', aliases: ['出生年月日', 'dateOfBirth'], required: true },
  unitId: { label: '单位', aliases: ['单位编号', '所在单位', '工作单位', 'unit'], required: false },
  currentPost: { label: '现任职务', aliases: ['职务', 'post'], required: false },
  currentGrade: { label: '现职级', aliases: ['职级', '现任职级', 'grade'], required: true },
  gradeSince: { label: '任现职级时间', aliases: ['任现职级日期', '现职级时间'], required: true },
  workStartDate: { label: '参加工作时间', aliases: ['参加工作日期', '工作时间'], required: true },
  grassrootsYears: { label: '基层工作年限', aliases: ['基层工作经历年限', '基层工作经历'], required: false },
  education: { label: '学历', aliases: ['最高学历', '全日制学历'], required: true },
  partyJoinDate: { label: '入党时间', aliases: ['入党日期'], required: false },
  lastPromotionDate: { label: '最近提拔时间', aliases: ['最近一次提拔时间', '上次提拔时间'], required: false },
  lastPromotionOutOfTurn: { label: '是否破格', aliases: ['破格', '是否破格提拔'], required: false },
  leftLeadershipPostOn: { label: '退出领导岗位时间', aliases: ['退出领导岗位日期', '退岗时间'], required: false },
  fields: { label: '专业领域', aliases: ['专长', '技能', '专业特长', 'skills'], required: false },
  healthCheckedOn: { label: '体检日期', aliases: ['体检时间', '健康检查日期'], required: false },
  healthResult: { label: '体检结论', aliases: ['健康状况', '体检结果'], required: false },
  userId: { label: '用户账号', aliases: ['账号', '登录账号', 'userId'], required: false },
  relations: { label: '亲属关系', aliases: ['亲属', '回避亲属', 'relatives'], required: false },
};

/** Every field a sheet may have, in the order of PERSON_COLUMNS. */
export const PERSON_FIELDS = Object.keys(PERSON_COLUMNS) as PersonField[];

/** Headings compare without case, spaces, "_" or "-", and without a trailing note in brackets: 基层工作年限（年）. */
export function normalizeHeading(h: string): string {
  return h
    .replace(/^\uFEFF/, '')
    .trim()
    .replace(/\s*[(（][^()（）]*[)）]\s*$/, '')
    .replace(/[\s_\-\u3000]/g, '')
    .toLowerCase();
}

const HEADING_TO_FIELD = new Map<string, PersonField>(
  PERSON_FIELDS.flatMap((f) => [f, PERSON_COLUMNS[f].label, ...PERSON_COLUMNS[f].aliases].map((a) => [normalizeHeading(a), f] as const)),
);

export function fieldOfHeading(heading: string): PersonField | null {
  return HEADING_TO_FIELD.get(normalizeHeading(heading)) ?? null;
}

const describe = (f: PersonField): string => `${PERSON_COLUMNS[f].label} (${f})`;

export interface HeaderMap {
  /** Column index of each field the file has. */
  columns: Map<PersonField, number>;
  /** The heading of each of those columns, as written. */
  headings: Map<PersonField, string>;
  /** Headings that name no field; their columns are ignored. */
  ignored: string[];
}

export function mapHeader(cells: readonly Cell[]): HeaderMap {
  const columns = new Map<PersonField, number>();
  const headings = new Map<PersonField, string>();
  const ignored: string[] = [];
  cells.forEach((cell, i) => {
    const heading = cellText(cell);
    if (heading === '') return;
    const field = fieldOfHeading(heading);
    if (!field) {
      ignored.push(heading);
      return;
    }
    const earlier = headings.get(field);
    if (earlier !== undefined) {
      throw new SheetHeaderError(`the columns "${earlier}" and "${heading}" both name ${describe(field)}`);
    }
    columns.set(field, i);
    headings.set(field, heading);
  });
  const missing = PERSON_FIELDS.filter((f) => PERSON_COLUMNS[f].required && !columns.has(f));
  if (missing.length > 0) {
    throw new SheetHeaderError(`the header row lacks the required column${missing.length > 1 ? 's' : ''} ${missing.map(describe).join(', ')}`);
  }
  return { columns, headings, ignored };
}

/**
 * Reading people (cadres, 干部) from a spreadsheet: the header, with Chinese and English column names,
 * and each data row on its own. Pure: the rows come in as cells (platform/spreadsheet.ts reads CSV and
 * XLSX files into them), and a bad row yields its errors without touching the others.
 */
import { z } from 'zod';
import { isValidDate } from './dates';
import {
  EDUCATIONS,
  EDUCATION_INFO,
  GRADES,
  GRADE_INFO,
  educationFromName,
  gradeFromName,
  type Education,
  type Grade,
} from './grades';

/** One cell as a reader hands it over; a Date is an Excel date, read as a UTC calendar day. */
export type Cell = string | number | boolean | Date | null;

/** A row of the sheet, with its number as the user sees it (the header is row 1). */
export interface SheetRow {
  row: number;
  cells: Cell[];
}

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
}

export type PersonField = keyof PersonInput;

export interface FieldError {
  field: string;
  /** The column's heading as written in the file, when the error belongs to a column. */
  column?: string;
  message: string;
}

export interface RowError {
  row: number;
  id?: string;
  errors: FieldError[];
}

export interface ValidRow {
  row: number;
  person: PersonInput;
  /** The fields whose columns the file has. Only these change on an existing person. */
  fields: PersonField[];
}

export interface ParsedSheet {
  /** Data rows that are not empty. */
  total: number;
  valid: ValidRow[];
  errors: RowError[];
}

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
};

const FIELDS = Object.keys(PERSON_COLUMNS) as PersonField[];

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
  FIELDS.flatMap((f) => [f, PERSON_COLUMNS[f].label, ...PERSON_COLUMNS[f].aliases].map((a) => [normalizeHeading(a), f] as const)),
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
  const missing = FIELDS.filter((f) => PERSON_COLUMNS[f].required && !columns.has(f));
  if (missing.length > 0) {
    throw new SheetHeaderError(`the header row lacks the required column${missing.length > 1 ? 's' : ''} ${missing.map(describe).join(', ')}`);
  }
  return { columns, headings, ignored };
}

// ——— cells ———

/** A cell as trimmed text ('' when empty). JS trim() also removes the full-width space U+3000. */
export function cellText(cell: Cell | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : cell.toISOString().slice(0, 10);
  return String(cell).trim();
}

const isBlank = (cell: Cell | undefined): boolean => cellText(cell) === '';

/** Excel's day 0 is 1899-12-30 (its serial numbers pretend 1900 was a leap year, which only shifts days before March 1900). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const DAY_MS = 86_400_000;

const DATE_PATTERNS = [/^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/, /^(\d{4})年(\d{1,2})月(\d{1,2})日?$/];
const DATE_HINT = 'use YYYY-MM-DD, YYYY/M/D or an Excel date';

const ymd = (y: number, m: number, d: number): string => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** A calendar day from a date cell, or a message saying why not. */
export function parseDateCell(cell: Cell): { date: string } | { error: string } {
  let date: string | null = null;
  if (cell instanceof Date) {
    if (!Number.isNaN(cell.getTime())) date = ymd(cell.getUTCFullYear(), cell.getUTCMonth() + 1, cell.getUTCDate());
  } else if (typeof cell === 'number') {
    // A date cell that lost its date format still holds Excel's serial number.
    if (Number.isFinite(cell) && cell >= 1) {
      const d = new Date(EXCEL_EPOCH_MS + Math.floor(cell) * DAY_MS);
      date = ymd(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
    }
  } else if (typeof cell === 'string') {
    const s = cell.trim();
    for (const re of DATE_PATTERNS) {
      const m = re.exec(s);
      if (m) {
        const candidate = ymd(Number(m[1]), Number(m[2]), Number(m[3]));
        if (isValidDate(candidate)) date = candidate;
        else return { error: `"${s}" is not a calendar date` };
        break;
      }
    }
    if (!date && /^\d{4}[-/.年]\d{1,2}月?$/.test(s)) return { error: `"${s}" has no day; ${DATE_HINT}` };
  }
  if (!date) return { error: `${JSON.stringify(cellText(cell))} is not a date; ${DATE_HINT}` };
  const year = Number(date.slice(0, 4));
  if (year < 1900 || year > 2099) return { error: `${date} is outside 1900–2099` };
  return { date };
}

const TRUE_WORDS = new Set(['是', '破格', 'true', 'yes', 'y', '1', '√', '✓']);
const FALSE_WORDS = new Set(['否', '不是', '未破格', 'false', 'no', 'n', '0', '×', '✗']);

const GENDERS: Record<string, 'male' | 'female'> = { 男: 'male', 女: 'female', male: 'male', female: 'female', m: 'male', f: 'female' };

const CJK_NAME = /^[\u3400-\u4dbf\u4e00-\u9fff·•\s]+$/;

// ——— the row schema ———

type Parsed<T> = { value: T } | { error: string };

/** A zod schema for one cell, from a function that parses it. */
function cellSchema<T>(parse: (cell: Cell | undefined) => Parsed<T>) {
  return z.custom<Cell | undefined>(() => true).transform((cell, ctx): T => {
    const r = parse(cell);
    if ('error' in r) {
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }
    return r.value;
  });
}

const required =
  <T>(parse: (cell: Cell) => Parsed<T>) =>
  (cell: Cell | undefined): Parsed<T> =>
    isBlank(cell) ? { error: 'is required' } : parse(cell as Cell);

const optional =
  <T, D>(parse: (cell: Cell) => Parsed<T>, empty: D) =>
  (cell: Cell | undefined): Parsed<T | D> =>
    isBlank(cell) ? { value: empty } : parse(cell as Cell);

const asDate = (cell: Cell): Parsed<string> => {
  const r = parseDateCell(cell);
  return 'date' in r ? { value: r.date } : r;
};

const asText =
  (max: number) =>
  (cell: Cell): Parsed<string> => {
    const s = cellText(cell);
    return s.length > max ? { error: `must be at most ${max} characters` } : { value: s };
  };

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const asId = (cell: Cell): Parsed<string> => {
  if (typeof cell === 'number' && !Number.isSafeInteger(cell)) return { error: `${cell} is not a personnel number` };
  const s = cellText(cell);
  return ID_RE.test(s) ? { value: s } : { error: `"${s}" must be 1–64 letters, digits, "_", "." or "-", starting with a letter or digit` };
};

const asName = (cell: Cell): Parsed<string> => {
  let s = cellText(cell);
  // Two-character names are often padded to line up with three-character ones: 王\u3000敏.
  if (CJK_NAME.test(s)) s = s.replace(/\s/g, '');
  return s.length > 64 ? { error: 'must be at most 64 characters' } : { value: s };
};

const asGender = (cell: Cell): Parsed<'male' | 'female'> => {
  const g = GENDERS[cellText(cell).toLowerCase()];
  return g ? { value: g } : { error: `"${cellText(cell)}" is not a gender; use 男 or 女 (male, female)` };
};

const gradeNames = GRADES.map((g) => `${GRADE_INFO[g].name} (${g})`).join(', ');
const asGrade = (cell: Cell): Parsed<Grade> => {
  const g = gradeFromName(cellText(cell));
  return g ? { value: g } : { error: `"${cellText(cell)}" is not a grade; use one of ${gradeNames}` };
};

const educationNames = EDUCATIONS.map((e) => `${EDUCATION_INFO[e].name} (${e})`).join(', ');
const asEducation = (cell: Cell): Parsed<Education> => {
  const e = educationFromName(cellText(cell));
  return e ? { value: e } : { error: `"${cellText(cell)}" is not an education; use one of ${educationNames}` };
};

const asYears = (cell: Cell): Parsed<number> => {
  const s = cellText(cell).replace(/年$/, '');
  const n = typeof cell === 'number' ? cell : /^\d+(\.\d+)?$/.test(s) ? Number(s) : NaN;
  if (!Number.isFinite(n)) return { error: `"${cellText(cell)}" is not a number of years` };
  const rounded = Math.round(n * 10) / 10;
  if (Math.abs(rounded - n) > 1e-9) return { error: `${n} has more than one decimal` };
  if (rounded < 0 || rounded > 99.9) return { error: `${rounded} must be between 0 and 99.9` };
  return { value: rounded };
};

const asFlag = (cell: Cell): Parsed<boolean> => {
  if (typeof cell === 'boolean') return { value: cell };
  const s = cellText(cell).toLowerCase();
  if (TRUE_WORDS.has(s)) return { value: true };
  if (FALSE_WORDS.has(s)) return { value: false };
  return { error: `"${cellText(cell)}" is not yes or no; use 是 or 否` };
};

const HEALTH_RESULTS: Record<string, 'fit' | 'fitWithLimits' | 'unfit'> = { 合格: 'fit', 健康: 'fit', fit: 'fit', 基本合格: 'fitWithLimits', fitwithlimits: 'fitWithLimits', 不合格: 'unfit', unfit: 'unfit' };
const asHealth = (cell: Cell): Parsed<'fit' | 'fitWithLimits' | 'unfit'> => {
  const h = HEALTH_RESULTS[cellText(cell).toLowerCase()];
  return h ? { value: h } : { error: `"${cellText(cell)}" is not a health result; use 合格, 基本合格 or 不合格 (fit, fitWithLimits, unfit)` };
};

/** Fields are listed in one cell, separated by 、 , ; / or spaces. */
const asFields = (cell: Cell): Parsed<string[]> => {
  const list = [...new Set(cellText(cell).split(/[、,，;；/|\s]+/).filter((f) => f !== ''))];
  if (list.length > 20) return { error: 'lists more than 20 fields' };
  if (list.some((f) => f.length > 32)) return { error: 'a field must be at most 32 characters' };
  return { value: list };
};

/** Today (YYYY-MM-DD, China calendar) bounds the dates; it is a parameter so the rules stay pure. */
export function personRowSchema(today: string) {
  return z
    .object({
      id: cellSchema(required(asId)),
      name: cellSchema(required(asName)),
      gender: cellSchema(optional(asGender, null)),
      birthDate: cellSchema(required(asDate)),
      unitId: cellSchema(optional(asText(64), null)),
      currentPost: cellSchema(optional(asText(200), null)),
      currentGrade: cellSchema(required(asGrade)),
      gradeSince: cellSchema(required(asDate)),
      workStartDate: cellSchema(required(asDate)),
      grassrootsYears: cellSchema(optional(asYears, 0)),
      education: cellSchema(required(asEducation)),
      partyJoinDate: cellSchema(optional(asDate, null)),
      lastPromotionDate: cellSchema(optional(asDate, null)),
      lastPromotionOutOfTurn: cellSchema(optional(asFlag, false)),
      // Blank is undefined, not null: a sheet without these columns reads exactly as before them
      // (the importer stores null and [] for a blank, platform/people-import.ts).
      leftLeadershipPostOn: cellSchema(optional(asDate, undefined)),
      fields: cellSchema(optional(asFields, undefined)),
      healthCheckedOn: cellSchema(optional(asDate, undefined)),
      healthResult: cellSchema(optional(asHealth, undefined)),
      // Blank is undefined like the 揭榜出征 columns: a sheet without it leaves the link as it was.
      userId: cellSchema(optional(asId, undefined)),
    })
    .superRefine((p, ctx) => {
      const issue = (field: PersonField, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
      for (const f of ['birthDate', 'gradeSince', 'workStartDate', 'partyJoinDate', 'lastPromotionDate', 'leftLeadershipPostOn', 'healthCheckedOn'] as const) {
        const d = p[f];
        if (d && d > today) issue(f, `${d} is in the future`);
      }
      if (p.workStartDate <= p.birthDate) issue('workStartDate', `${p.workStartDate} is not after the birth date ${p.birthDate}`);
      if (p.partyJoinDate && p.partyJoinDate <= p.birthDate) issue('partyJoinDate', `${p.partyJoinDate} is not after the birth date ${p.birthDate}`);
      if (p.gradeSince < p.workStartDate) issue('gradeSince', `${p.gradeSince} is before the work start date ${p.workStartDate}`);
      if (p.lastPromotionDate && p.lastPromotionDate < p.workStartDate) {
        issue('lastPromotionDate', `${p.lastPromotionDate} is before the work start date ${p.workStartDate}`);
      }
      if (p.lastPromotionOutOfTurn && !p.lastPromotionDate) {
        issue('lastPromotionOutOfTurn', 'an out-of-turn (破格) promotion needs its date in 最近提拔时间 (lastPromotionDate)');
      }
      if (p.leftLeadershipPostOn && p.leftLeadershipPostOn < p.workStartDate) issue('leftLeadershipPostOn', `${p.leftLeadershipPostOn} is before the work start date ${p.workStartDate}`);
      // A health check is its date and its result together.
      if (p.healthResult && !p.healthCheckedOn) issue('healthCheckedOn', 'a health result (体检结论) needs its date in 体检日期 (healthCheckedOn)');
      if (p.healthCheckedOn && !p.healthResult) issue('healthResult', 'a health check date (体检日期) needs its result in 体检结论 (healthResult)');
      // Grassroots years are part of the working years; half a year of slack absorbs rounding.
      const worked = (Date.parse(today) - Date.parse(p.workStartDate)) / (365.25 * 86_400_000);
      if (p.grassrootsYears > worked + 0.5) {
        issue('grassrootsYears', `${p.grassrootsYears} years is more than the ${Math.max(0, worked).toFixed(1)} years since the work start date`);
      }
    });
}

let cached: { today: string; schema: ReturnType<typeof personRowSchema> } | null = null;
function schemaFor(today: string): ReturnType<typeof personRowSchema> {
  if (cached?.today !== today) cached = { today, schema: personRowSchema(today) };
  return cached.schema;
}

/** Validates one data row against the header's columns. */
export function validatePersonRow(
  cells: readonly Cell[],
  header: HeaderMap,
  today: string,
): { ok: true; person: PersonInput } | { ok: false; id?: string; errors: FieldError[] } {
  const input: Partial<Record<PersonField, Cell | undefined>> = {};
  for (const [field, i] of header.columns) input[field] = cells[i];
  const r = schemaFor(today).safeParse(input);
  if (r.success) return { ok: true, person: r.data };
  const errors = r.error.issues.map((i) => {
    const field = String(i.path[0] ?? 'row');
    const column = header.headings.get(field as PersonField);
    return column !== undefined ? { field, column, message: i.message } : { field, message: i.message };
  });
  const id = asId(input.id ?? null);
  return 'value' in id ? { ok: false, id: id.value, errors } : { ok: false, errors };
}

/** Rows validated between two pauses of the import (see parsePeopleSheetYielding). */
export const PARSE_CHUNK_ROWS = 500;

/**
 * The sheet's rows validated in chunks: the generator pauses after every `chunk` data rows and returns
 * the parsed sheet at the end, so a caller can let other work run between chunks.
 */
function* parseSheetInChunks(rows: readonly SheetRow[], today: string, chunk: number): Generator<void, ParsedSheet> {
  const nonEmpty = rows.filter((r) => r.cells.some((c) => !isBlank(c)));
  const [head, ...data] = nonEmpty;
  if (!head) throw new SheetHeaderError('the file has no header row');
  const header = mapHeader(head.cells);
  const fields = FIELDS.filter((f) => header.columns.has(f));
  const valid: ValidRow[] = [];
  const errors: RowError[] = [];
  const firstRowOf = new Map<string, number>();
  let sincePause = 0;
  for (const { row, cells } of data) {
    if (++sincePause > chunk) {
      sincePause = 1;
      yield;
    }
    const r = validatePersonRow(cells, header, today);
    if (!r.ok) {
      errors.push({ row, ...(r.id !== undefined ? { id: r.id } : {}), errors: r.errors });
      // A later row with the same id would be a guess at which of the two is right.
      if (r.id !== undefined && !firstRowOf.has(r.id)) firstRowOf.set(r.id, row);
      continue;
    }
    const earlier = firstRowOf.get(r.person.id);
    if (earlier !== undefined) {
      const column = header.headings.get('id');
      errors.push({
        row,
        id: r.person.id,
        errors: [{ field: 'id', ...(column !== undefined ? { column } : {}), message: `${r.person.id} already appears in row ${earlier}` }],
      });
      continue;
    }
    firstRowOf.set(r.person.id, row);
    valid.push({ row, person: r.person, fields });
  }
  return { total: data.length, valid, errors };
}

/**
 * Reads a whole sheet: the first non-empty row is the header, every later non-empty row is a person.
 * Throws SheetHeaderError for an unusable header; every other problem is a row error.
 */
export function parsePeopleSheet(rows: readonly SheetRow[], today: string): ParsedSheet {
  const it = parseSheetInChunks(rows, today, Number.MAX_SAFE_INTEGER);
  for (;;) {
    const step = it.next();
    if (step.done) return step.value;
  }
}

/**
 * parsePeopleSheet for the API: it yields to the event loop (setImmediate) after every chunk of rows, so
 * validating a large sheet never holds up other requests (/health, actions) for more than a chunk.
 */
export async function parsePeopleSheetYielding(rows: readonly SheetRow[], today: string, chunk = PARSE_CHUNK_ROWS): Promise<ParsedSheet> {
  const it = parseSheetInChunks(rows, today, chunk);
  for (;;) {
    const step = it.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

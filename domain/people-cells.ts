/**
 * Reading the cells of a people sheet (domain/people-import.ts): each parser turns one cell into a value or
 * a message saying why not, and accepts what spreadsheets hold in practice (Excel dates and serial numbers,
 * 是/否, Chinese grade and education names, a name padded with full-width spaces).
 */
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

/** A cell as trimmed text ('' when empty). JS trim() also removes the full-width space U+3000. */
export function cellText(cell: Cell | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : cell.toISOString().slice(0, 10);
  return String(cell).trim();
}

export const isBlank = (cell: Cell | undefined): boolean => cellText(cell) === '';

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
  // The cell's text is not quoted (here or below): a row error never echoes what the file held. The two
  // quoted above matched a pattern of digits and separators, so they are a date's parts, not raw text.
  if (!date) return { error: `is not a date; ${DATE_HINT}` };
  const year = Number(date.slice(0, 4));
  if (year < 1900 || year > 2099) return { error: `${date} is outside 1900–2099` };
  return { date };
}

const TRUE_WORDS = new Set(['是', '破格', 'true', 'yes', 'y', '1', '√', '✓']);
const FALSE_WORDS = new Set(['否', '不是', '未破格', 'false', 'no', 'n', '0', '×', '✗']);

const GENDERS: Record<string, 'male' | 'female'> = { 男: 'male', 女: 'female', male: 'male', female: 'female', m: 'male', f: 'female' };

const CJK_NAME = /^[\u3400-\u4dbf\u4e00-\u9fff·•\s]+$/;

/** A cell's value, or why it cannot be read. */
export type Parsed<T> = { value: T } | { error: string };

export const required =
  <T>(parse: (cell: Cell) => Parsed<T>) =>
  (cell: Cell | undefined): Parsed<T> =>
    isBlank(cell) ? { error: 'is required' } : parse(cell as Cell);

export const optional =
  <T, D>(parse: (cell: Cell) => Parsed<T>, empty: D) =>
  (cell: Cell | undefined): Parsed<T | D> =>
    isBlank(cell) ? { value: empty } : parse(cell as Cell);

export const asDate = (cell: Cell): Parsed<string> => {
  const r = parseDateCell(cell);
  return 'date' in r ? { value: r.date } : r;
};

export const asText =
  (max: number) =>
  (cell: Cell): Parsed<string> => {
    const s = cellText(cell);
    return s.length > max ? { error: `must be at most ${max} characters` } : { value: s };
  };

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const asId = (cell: Cell): Parsed<string> => {
  if (typeof cell === 'number' && !Number.isSafeInteger(cell)) return { error: `${cell} is not a personnel number` };
  const s = cellText(cell);
  return ID_RE.test(s) ? { value: s } : { error: 'must be 1–64 letters, digits, "_", "." or "-", starting with a letter or digit' };
};

export const asName = (cell: Cell): Parsed<string> => {
  let s = cellText(cell);
  // Two-character names are often padded to line up with three-character ones: 王\u3000敏.
  if (CJK_NAME.test(s)) s = s.replace(/\s/g, '');
  return s.length > 64 ? { error: 'must be at most 64 characters' } : { value: s };
};

export const asGender = (cell: Cell): Parsed<'male' | 'female'> => {
  const g = GENDERS[cellText(cell).toLowerCase()];
  return g ? { value: g } : { error: 'is not a gender; use 男 or 女 (male, female)' };
};

const gradeNames = GRADES.map((g) => `${GRADE_INFO[g].name} (${g})`).join(', ');
export const asGrade = (cell: Cell): Parsed<Grade> => {
  const g = gradeFromName(cellText(cell));
  return g ? { value: g } : { error: `is not a grade; use one of ${gradeNames}` };
};

const educationNames = EDUCATIONS.map((e) => `${EDUCATION_INFO[e].name} (${e})`).join(', ');
export const asEducation = (cell: Cell): Parsed<Education> => {
  const e = educationFromName(cellText(cell));
  return e ? { value: e } : { error: `is not an education; use one of ${educationNames}` };
};

export const asYears = (cell: Cell): Parsed<number> => {
  const s = cellText(cell).replace(/年$/, '');
  const n = typeof cell === 'number' ? cell : /^\d+(\.\d+)?$/.test(s) ? Number(s) : NaN;
  if (!Number.isFinite(n)) return { error: 'is not a number of years' };
  const rounded = Math.round(n * 10) / 10;
  if (Math.abs(rounded - n) > 1e-9) return { error: `${n} has more than one decimal` };
  if (rounded < 0 || rounded > 99.9) return { error: `${rounded} must be between 0 and 99.9` };
  return { value: rounded };
};

export const asFlag = (cell: Cell): Parsed<boolean> => {
  if (typeof cell === 'boolean') return { value: cell };
  const s = cellText(cell).toLowerCase();
  if (TRUE_WORDS.has(s)) return { value: true };
  if (FALSE_WORDS.has(s)) return { value: false };
  return { error: 'is not yes or no; use 是 or 否' };
};

const HEALTH_RESULTS: Record<string, 'fit' | 'fitWithLimits' | 'unfit'> = { 合格: 'fit', 健康: 'fit', fit: 'fit', 基本合格: 'fitWithLimits', fitwithlimits: 'fitWithLimits', 不合格: 'unfit', unfit: 'unfit' };
export const asHealth = (cell: Cell): Parsed<'fit' | 'fitWithLimits' | 'unfit'> => {
  const h = HEALTH_RESULTS[cellText(cell).toLowerCase()];
  return h ? { value: h } : { error: 'is not a health result; use 合格, 基本合格 or 不合格 (fit, fitWithLimits, unfit)' };
};

/** Fields are listed in one cell, separated by 、 , ; / or spaces. */
export const asFields = (cell: Cell): Parsed<string[]> => {
  const list = [...new Set(cellText(cell).split(/[、,，;；/|\s]+/).filter((f) => f !== ''))];
  if (list.length > 20) return { error: 'lists more than 20 fields' };
  if (list.some((f) => f.length > 32)) return { error: 'a field must be at most 32 characters' };
  return { value: list };
};

/**
 * Reading people (cadres, 干部) from a spreadsheet: the header (its columns, with Chinese and English names,
 * in domain/people-columns.ts), then each data row on its own, its cells read by domain/people-cells.ts and
 * checked together here. Pure: the rows come in as cells (platform/spreadsheet.ts reads CSV and XLSX files
 * into them), and a bad row yields its errors without touching the others.
 */
import { z } from 'zod';
import {
  asDate,
  asEducation,
  asFields,
  asFlag,
  asGender,
  asGrade,
  asHealth,
  asId,
  asName,
  asText,
  asYears,
  cellText,
  isBlank,
  optional,
  required,
  type Cell,
  type Parsed,
} from './people-cells';
import { parseRelativesCell, selfRelationProblem } from './relations';
import { mapHeader, PERSON_FIELDS, SheetHeaderError, type HeaderMap, type PersonField, type PersonInput } from './people-columns';

/** A row of the sheet, with its number as the user sees it (the header is row 1). */
export interface SheetRow {
  row: number;
  cells: Cell[];
  /**
   * Columns (0-based) whose text the reader refused under the edge's rule (platform/spreadsheet.ts) and
   * blanked: the row is refused naming them, never validated as if those cells were empty.
   */
  unclean?: number[];
}

/** A column as a spreadsheet program names it: 0 → A, 26 → AA. */
export function columnLetter(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** The row error for an unclean cell: it says what is wrong, never what the cell held. */
export const UNCLEAN_CELL = 'has text that is not allowed (NUL, a control character or invalid Unicode)';

/** Refuses a header row with an unclean cell: its columns cannot be named without quoting it. */
export function assertCleanHeader(head: SheetRow): void {
  if (head.unclean?.length) {
    throw new SheetHeaderError(`the header row (row ${head.row}), column ${head.unclean.map(columnLetter).join(', ')}: ${UNCLEAN_CELL}`);
  }
}

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
  /** The fields whose columns the header has. */
  columns: PersonField[];
  valid: ValidRow[];
  errors: RowError[];
}

// ——— the row schema ———

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
      // Blank is undefined, so a sheet without the column reads as before it; with the column, the importer reads a
      // blank cell as no relatives and replaces the person's relations with none (platform/people-import.ts).
      relations: cellSchema(optional((cell) => parseRelativesCell(cellText(cell)), undefined)),
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
      const self = selfRelationProblem(p.id, p.relations ?? []);
      if (self) issue('relations', self);
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
  // A row whose only text was refused (and blanked) is not empty: it is refused below.
  const nonEmpty = rows.filter((r) => r.unclean?.length || r.cells.some((c) => !isBlank(c)));
  const [head, ...data] = nonEmpty;
  if (!head) throw new SheetHeaderError('the file has no header row');
  assertCleanHeader(head);
  const header = mapHeader(head.cells);
  const fieldAt = new Map([...header.columns].map(([f, i]) => [i, f]));
  const fields = PERSON_FIELDS.filter((f) => header.columns.has(f));
  const valid: ValidRow[] = [];
  const errors: RowError[] = [];
  const firstRowOf = new Map<string, number>();
  let sincePause = 0;
  for (const { row, cells, unclean } of data) {
    if (++sincePause > chunk) {
      sincePause = 1;
      yield;
    }
    if (unclean?.length) {
      // Refused whole, like a request with one bad string: the rest of the row is not guessed at.
      const idCell = header.columns.has('id') ? asId(cells[header.columns.get('id') as number] ?? null) : null;
      const id = idCell && 'value' in idCell ? idCell.value : undefined;
      errors.push({
        row,
        ...(id !== undefined ? { id } : {}),
        errors: unclean.map((i) => {
          const field = fieldAt.get(i);
          const column = field && header.headings.get(field);
          return { field: field ?? `column ${columnLetter(i)}`, ...(column ? { column } : {}), message: UNCLEAN_CELL };
        }),
      });
      if (id !== undefined && !firstRowOf.has(id)) firstRowOf.set(id, row);
      continue;
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
  return { total: data.length, columns: fields, valid, errors };
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

/**
 * Imports people (cadres) from validated sheet rows: valid rows are upserted by personnel number,
 * invalid ones are reported, and a bad row never stops the good ones. Re-importing the same file
 * changes nothing, not even updated_at.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { PERSON_COLUMNS, type PersonField, type PersonInput } from '../domain/people-columns';
import { parsePeopleSheetYielding, type RowError, type SheetRow } from '../domain/people-import';
import { AppUserSchema, PersonSchema, UnitSchema, type Person } from './entities';

export interface ImportReport {
  /** Data rows that are not empty. */
  total: number;
  /** New people. */
  imported: number;
  /** Existing people whose data changed. */
  updated: number;
  /** Existing people whose data the file repeats exactly. */
  unchanged: number;
  failed: number;
  /** The first IMPORT_MAX_ERRORS failed rows, in row order. */
  errors: RowError[];
  /** Failed rows beyond those listed. */
  errorsOmitted: number;
}

/** People per import: a larger sheet is split by the sender, so that no import holds the server for long. */
export const IMPORT_MAX_ROWS = 20_000;
/** Failed rows listed in the answer; the rest are counted. A sheet of errors must not make an answer of megabytes. */
export const IMPORT_MAX_ERRORS = 200;

/** The sheet has more data rows than IMPORT_MAX_ROWS; nothing was imported. */
export class TooManyRows extends Error {
  constructor(readonly rows: number) {
    super(`the sheet has ${rows} rows after the header; at most ${IMPORT_MAX_ROWS} people per import`);
    this.name = 'TooManyRows';
  }
}

const CHUNK = 1000;

function chunks<T>(xs: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** The sheet's unit reference is a unit id, or failing that a unit's exact name (市教育局). */
function unitResolver(units: readonly { id: string; name: string }[]): (ref: string) => string | null {
  const byId = new Set(units.map((u) => u.id));
  const byName = new Map<string, string | null>();
  for (const u of units) byName.set(u.name, byName.has(u.name) ? null : u.id); // an ambiguous name resolves to nothing
  return (ref) => (byId.has(ref) ? ref : (byName.get(ref) ?? null));
}

/** Why a row cannot link the account (用户账号), or null: it must exist and be no other person's. */
async function linkProblem(tx: EntityManager, personId: string, userId: string, linked: Map<string, string>): Promise<string | null> {
  const other = linked.get(userId);
  if (other !== undefined && other !== personId) return 'the account is linked to another person in this file';
  if (!(await tx.findOne(AppUserSchema, { id: userId }, { fields: ['id'] }))) return 'no user account has this id';
  if (await tx.findOne(PersonSchema, { userId, id: { $ne: personId } }, { fields: ['id'] })) return 'the account is linked to another person';
  linked.set(userId, personId);
  return null;
}

/**
 * The units an importer may write to (api/authz.ts): people are imported only into units in scope, and a
 * person already in a unit outside it is refused, not moved. Only the organization department (组织部)
 * writes people with no unit.
 */
export interface ImportScope {
  units: ReadonlySet<string>;
  department: boolean;
}

const inScope = (scope: ImportScope | null, unitId: string | null): boolean =>
  scope === null || (unitId === null ? scope.department : scope.units.has(unitId));

/** `scope` null: no limit (seeding, scripts); the API always passes the caller's. */
export async function importPeople(em: EntityManager, rows: readonly SheetRow[], today: string, scope: ImportScope | null = null): Promise<ImportReport> {
  // Counted before anything is validated: refusing costs nothing. Blank rows do not count.
  const dataRows = rows.filter((r) => r.unclean?.length || r.cells.some((c) => c !== null && String(c).trim() !== '')).length - 1;
  if (dataRows > IMPORT_MAX_ROWS) throw new TooManyRows(dataRows);
  const sheet = await parsePeopleSheetYielding(rows, today);
  const errors: RowError[] = [...sheet.errors];
  let imported = 0;
  let updated = 0;
  let unchanged = 0;

  await em.transactional(async (tx) => {
    // Imports run one at a time, so two of them never race on the same new person.
    await tx.execute('select pg_advisory_xact_lock(hashtext(?))', ['tingjin:person-import']);
    const resolveUnit = unitResolver(await tx.find(UnitSchema, {}, { fields: ['id', 'name'] }));
    /** Accounts linked by the rows read so far: two rows of one file cannot take the same account. */
    const linked = new Map<string, string>();

    const ready: { row: number; person: PersonInput; fields: PersonField[] }[] = [];
    const unitColumn = PERSON_COLUMNS.unitId.label;
    const outOfScope = (row: number, id: string, message: string): void => {
      errors.push({ row, id, errors: [{ field: 'unitId', column: unitColumn, message }] });
    };
    for (const { row, person: read, fields } of sheet.valid) {
      // The 揭榜出征 columns read blank as undefined; stored, a blank is null or no field.
      const person: PersonInput = { ...read, leftLeadershipPostOn: read.leftLeadershipPostOn ?? null, fields: read.fields ?? [], healthCheckedOn: read.healthCheckedOn ?? null, healthResult: read.healthResult ?? null, userId: read.userId ?? null };
      // 用户账号 links an existing account, one person's only (person_user_idx): a row error, never a 500.
      const userProblem = person.userId ? await linkProblem(tx, person.id, person.userId, linked) : null;
      if (userProblem) {
        errors.push({ row, id: person.id, errors: [{ field: 'userId', column: PERSON_COLUMNS.userId.label, message: userProblem }] });
        continue;
      }
      const unitId = person.unitId === null ? null : resolveUnit(person.unitId);
      if (person.unitId !== null && unitId === null) {
        errors.push({ row, id: person.id, errors: [{ field: 'unitId', column: unitColumn, message: 'no unit has this id or name' }] });
        continue;
      }
      // The unit the row names (a file without the column names none; checked below against the person's own).
      if (fields.includes('unitId') && !inScope(scope, unitId)) {
        outOfScope(row, person.id, unitId === null ? 'only the organization department imports people without a unit' : 'the unit is outside your scope');
        continue;
      }
      ready.push({ row, person: { ...person, unitId }, fields });
    }

    const existing = new Map<string, Person>();
    for (const ids of chunks(ready.map((r) => r.person.id))) {
      for (const p of await tx.find(PersonSchema, { id: { $in: ids } }, { disableIdentityMap: true })) existing.set(p.id, p);
    }

    const now = new Date();
    const inserts: Person[] = [];
    for (const { row, person, fields } of ready) {
      const before = existing.get(person.id);
      // A person of another unit is that unit's (or the department's) to change: refused, not moved.
      if (before && !inScope(scope, before.unitId)) {
        outOfScope(row, person.id, 'the person belongs to a unit outside your scope');
        continue;
      }
      if (!before && !inScope(scope, person.unitId)) {
        outOfScope(row, person.id, 'a new person needs a unit in your scope');
        continue;
      }
      if (!before) {
        inserts.push({ ...person, createdAt: now, updatedAt: now });
        continue;
      }
      // Only the columns the file has: a file without 入党时间 leaves everyone's 入党时间 as it was.
      const changes: Partial<PersonInput> = {};
      for (const f of fields) {
        // Fields are a list (jsonb): compared by value, so re-importing the same file changes nothing.
        if (JSON.stringify(before[f] ?? null) !== JSON.stringify(person[f] ?? null)) Object.assign(changes, { [f]: person[f] });
      }
      if (Object.keys(changes).length === 0) {
        unchanged++;
        continue;
      }
      await tx.nativeUpdate(PersonSchema, { id: person.id }, { ...changes, updatedAt: now });
      updated++;
    }
    for (const batch of chunks(inserts)) await tx.insertMany(PersonSchema, batch);
    imported = inserts.length;
  });

  errors.sort((a, b) => a.row - b.row);
  return { total: sheet.total, imported, updated, unchanged, failed: errors.length, errors: errors.slice(0, IMPORT_MAX_ERRORS), errorsOmitted: Math.max(0, errors.length - IMPORT_MAX_ERRORS) };
}

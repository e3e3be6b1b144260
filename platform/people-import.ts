/**
 * Imports people (cadres) from validated sheet rows: valid rows are upserted by personnel number,
 * invalid ones are reported, and a bad row never stops the good ones. Re-importing the same file
 * changes nothing, not even updated_at.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { PERSON_COLUMNS, type PersonField, type PersonInput } from '../domain/people-columns';
import { parsePeopleSheetYielding, type RowError, type SheetRow } from '../domain/people-import';
import { pairKey, type Relation, type RelativeEntry } from '../domain/relations';
import { AppUserSchema, PersonRelationSchema, PersonSchema, UnitSchema, type Person } from './entities';

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

/** The column 亲属关系 in a file imported by someone outside the organization department; nothing was imported. */
export class RelationsNotAllowed extends Error {
  readonly column = PERSON_COLUMNS.relations.label;
  constructor() {
    super(`the column ${PERSON_COLUMNS.relations.label} (relations) is recorded by the organization department’s staff (组织部) only; import the file without it`);
    this.name = 'RelationsNotAllowed';
  }
}

/** A person as stored: the row without its relatives, which go to person_relation. */
type PersonRecord = Omit<PersonInput, 'relations'>;

/** What a valid row will do. `relatives` is null when the file has no column 亲属关系 (they are left as they were). */
interface Plan {
  row: number;
  person: PersonRecord;
  kind: 'insert' | 'update' | 'unchanged';
  changes: Partial<PersonRecord>;
  relatives: RelativeEntry[] | null;
  /** Refused on its relatives: nothing of the row is written. */
  failed?: boolean;
}

/** A relation the file lists, stored the way round its first row gives it. */
interface Pair {
  personId: string;
  relativeId: string;
  relation: Relation;
  row: number;
}

/**
 * Checks the rows' relatives and returns the pairs the file lists (by pairKey). A relative is a person in master
 * data or a new person of a row that is imported; a pair two rows list must agree on the relation. A row that fails
 * is refused whole (marked failed, with its errors), and since a refused new person can no longer be anyone's
 * relative, the check runs again until no more rows fail. Messages name the entry's position, never its text.
 */
async function checkRelatives(tx: EntityManager, plans: Plan[], errors: RowError[]): Promise<Map<string, Pair>> {
  const column = PERSON_COLUMNS.relations.label;
  const named = [...new Set(plans.flatMap((p) => (p.relatives ?? []).map((r) => r.relativeId)))];
  const inMasterData = new Set<string>();
  for (const ids of chunks(named)) {
    for (const p of await tx.find(PersonSchema, { id: { $in: ids } }, { fields: ['id'] })) inMasterData.add(p.id);
  }
  const problems = new Map<Plan, string[]>();
  for (;;) {
    const newPeople = new Set(plans.filter((p) => !p.failed && p.kind === 'insert').map((p) => p.person.id));
    const pairs = new Map<string, Pair>();
    let refused = false;
    for (const plan of plans) {
      if (plan.failed || !plan.relatives) continue;
      const messages: string[] = [];
      plan.relatives.forEach((r, i) => {
        if (!inMasterData.has(r.relativeId) && !newPeople.has(r.relativeId)) {
          messages.push(`entry ${i + 1}: no person in master data or imported by this file has this 编号`);
          return;
        }
        const first = pairs.get(pairKey(plan.person.id, r.relativeId));
        if (first && first.relation !== r.relation) messages.push(`entry ${i + 1}: row ${first.row} gives the same two people another relation`);
      });
      // Only a row that passes lists its pairs: a refused row's relations are not recorded, nor compared with.
      if (!messages.length) {
        for (const r of plan.relatives) {
          const key = pairKey(plan.person.id, r.relativeId);
          if (!pairs.has(key)) pairs.set(key, { personId: plan.person.id, relativeId: r.relativeId, relation: r.relation, row: plan.row });
        }
      } else {
        plan.failed = true;
        problems.set(plan, messages);
        refused = true;
      }
    }
    if (!refused) {
      for (const [plan, messages] of problems) errors.push({ row: plan.row, id: plan.person.id, errors: messages.map((message) => ({ field: 'relations', column, message })) });
      return pairs;
    }
  }
}

/** A row whose relatives change counts as updated (and its updated_at moves), even when its other cells did not. */
async function markRelationChanges(tx: EntityManager, plans: Plan[], pairs: ReadonlyMap<string, Pair>): Promise<void> {
  const relativesOf = (rows: Iterable<{ personId: string; relativeId: string; relation: string }>) => {
    const out = new Map<string, Map<string, string>>();
    const add = (a: string, b: string, relation: string) => out.set(a, (out.get(a) ?? new Map<string, string>()).set(b, relation));
    for (const r of rows) {
      add(r.personId, r.relativeId, r.relation);
      add(r.relativeId, r.personId, r.relation);
    }
    return out;
  };
  const stored: { personId: string; relativeId: string; relation: string }[] = [];
  for (const ids of chunks(plans.filter((p) => p.kind === 'unchanged').map((p) => p.person.id))) {
    stored.push(...(await tx.find(PersonRelationSchema, { $or: [{ personId: { $in: ids } }, { relativeId: { $in: ids } }] })));
  }
  const before = relativesOf(stored);
  const after = relativesOf(pairs.values());
  const same = (a = new Map<string, string>(), b = new Map<string, string>()) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
  for (const plan of plans) {
    if (plan.kind === 'unchanged' && !same(before.get(plan.person.id), after.get(plan.person.id))) plan.kind = 'update';
  }
}

const inScope = (scope: ImportScope | null, unitId: string | null): boolean =>
  scope === null || (unitId === null ? scope.department : scope.units.has(unitId));

/** `scope` null: no limit (seeding, scripts); the API always passes the caller's. */
export async function importPeople(em: EntityManager, rows: readonly SheetRow[], today: string, scope: ImportScope | null = null): Promise<ImportReport> {
  // Counted before anything is validated: refusing costs nothing. Blank rows do not count.
  const dataRows = rows.filter((r) => r.unclean?.length || r.cells.some((c) => c !== null && String(c).trim() !== '')).length - 1;
  if (dataRows > IMPORT_MAX_ROWS) throw new TooManyRows(dataRows);
  const sheet = await parsePeopleSheetYielding(rows, today);
  // Relations decide who may be selected and who is recused (回避): like PUT /selection/relations, the organization
  // department's staff (组织部) record them, and a unit's own file with the column is refused whole.
  const withRelations = sheet.columns.includes('relations');
  if (withRelations && scope !== null && !scope.department) throw new RelationsNotAllowed();
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

    // What each row would do; nothing is written until the relations (which name other rows) are checked too.
    const plans: Plan[] = [];
    for (const { row, person: withRelatives, fields } of ready) {
      const { relations: relatives, ...person } = withRelatives;
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
      const rels = withRelations ? (relatives ?? []) : null;
      if (!before) {
        plans.push({ row, person, kind: 'insert', changes: {}, relatives: rels });
        continue;
      }
      // Only the columns the file has: a file without 入党时间 leaves everyone's 入党时间 as it was.
      const changes: Partial<PersonRecord> = {};
      for (const f of fields) {
        if (f === 'relations') continue;
        // Fields are a list (jsonb): compared by value, so re-importing the same file changes nothing.
        if (JSON.stringify(before[f] ?? null) !== JSON.stringify(person[f] ?? null)) Object.assign(changes, { [f]: person[f] });
      }
      plans.push({ row, person, kind: Object.keys(changes).length === 0 ? 'unchanged' : 'update', changes, relatives: rels });
    }

    const pairs = withRelations ? await checkRelatives(tx, plans, errors) : new Map<string, Pair>();
    const kept = plans.filter((p) => !p.failed);
    if (withRelations) await markRelationChanges(tx, kept, pairs);

    const now = new Date();
    const inserts: Person[] = [];
    for (const plan of kept) {
      if (plan.kind === 'insert') inserts.push({ ...plan.person, createdAt: now, updatedAt: now });
      else if (plan.kind === 'update') await tx.nativeUpdate(PersonSchema, { id: plan.person.id }, { ...plan.changes, updatedAt: now });
    }
    for (const batch of chunks(inserts)) await tx.insertMany(PersonSchema, batch);
    imported = inserts.length;
    updated = kept.filter((p) => p.kind === 'update').length;
    unchanged = kept.filter((p) => p.kind === 'unchanged').length;

    if (withRelations) {
      // The file's people's relations are replaced: every pair either of them is in goes, the pairs the rows list come in.
      for (const ids of chunks(kept.map((p) => p.person.id))) {
        await tx.nativeDelete(PersonRelationSchema, { $or: [{ personId: { $in: ids } }, { relativeId: { $in: ids } }] });
      }
      for (const batch of chunks([...pairs.values()].map(({ personId, relativeId, relation }) => ({ personId, relativeId, relation })))) {
        await tx.insertMany(PersonRelationSchema, batch);
      }
    }
  });

  errors.sort((a, b) => a.row - b.row);
  return { total: sheet.total, imported, updated, unchanged, failed: errors.length, errors: errors.slice(0, IMPORT_MAX_ERRORS), errorsOmitted: Math.max(0, errors.length - IMPORT_MAX_ERRORS) };
}

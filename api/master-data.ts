/**
 * "Which of these ids exist": the references a request makes to master data (units, people, user accounts),
 * looked up with one query per kind before anything changes. The routes and the starts' plans refuse the
 * first reference master data does not have, in the request's order, with 422 unknown_unit / unknown_person /
 * unknown_user naming its field (never the id sent); those that resolve more than existence (assignee rules,
 * a batch's units with their heads) read master data themselves.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppUserSchema, PersonSchema, UnitSchema } from '../platform/entities';
import { Unprocessable } from './errors';

export type MasterDataKind = 'unit' | 'person' | 'user';

/** The ids among `ids` that master data has, as a set; no query for none. */
export async function existingIds(em: EntityManager, kind: MasterDataKind, ids: Iterable<string>): Promise<Set<string>> {
  const wanted = [...new Set(ids)];
  if (!wanted.length) return new Set();
  const where = { id: { $in: wanted } };
  const rows: { id: string }[] =
    kind === 'unit'
      ? await em.find(UnitSchema, where, { fields: ['id'] })
      : kind === 'person'
        ? await em.find(PersonSchema, where, { fields: ['id'] })
        : await em.find(AppUserSchema, where, { fields: ['id'] });
  return new Set(rows.map((r) => r.id));
}

/** A person as a procedure's readers see them: by name, with the post they hold, and nothing else. */
export interface PersonName {
  id: string;
  name: string;
  post: string | null;
}

/**
 * The names of the people a procedure names by personnel number (a selection's candidates), in one query,
 * for whoever may see the procedure. Only the name and the post: a committee member votes on whom the
 * procedure names, which is not a read of the personnel record (no birth date, grade or file, and no
 * person_read entry; GET /people is the record, scoped and logged). Ids master data lacks are left out.
 */
export async function personNames(em: EntityManager, ids: Iterable<string>): Promise<PersonName[]> {
  const wanted = [...new Set(ids)];
  if (!wanted.length) return [];
  const rows = await em.find(PersonSchema, { id: { $in: wanted } }, { fields: ['id', 'name', 'currentPost'], orderBy: { id: 'asc' } });
  return rows.map((r) => ({ id: r.id, name: r.name, post: r.currentPost ?? null }));
}

/** One reference in a request: what it names and the field it is in (`holders[2].personId`). */
export interface MasterDataRef {
  kind: MasterDataKind;
  id: string;
  field: string;
}

/**
 * Refuses the first of `refs` that master data does not have: 422 unknown_<kind>, the message
 * `<field>: <missing>` and `details.field`. One query per kind named.
 */
export async function assertInMasterData(em: EntityManager, refs: readonly MasterDataRef[], missing: string): Promise<void> {
  const found = new Map<MasterDataKind, Set<string>>();
  for (const kind of new Set(refs.map((r) => r.kind))) found.set(kind, await existingIds(em, kind, refs.filter((r) => r.kind === kind).map((r) => r.id)));
  const first = refs.find((r) => !found.get(r.kind)?.has(r.id));
  if (first) throw new Unprocessable(`unknown_${first.kind}`, `${first.field}: ${missing}`, { field: first.field });
}

/**
 * Personnel data inside a procedure's recorded actions (issue 10 §3): the facts a rule was applied to,
 * which action_log keeps and the audit log repeats. The rule and the read log are api/authz.ts's
 * (readablePersonnel); this applies them to the action records of a procedure type that declares them, and to
 * the relatives a person's record names (relationsShown).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { RELATION_NAMES, RELATIONS, relativeIn, type Relation } from '../domain/relations';
import { PersonRelationSchema, PersonSchema } from '../platform/entities';
import type { ProcedureDescriptor } from '../procedures/descriptor';
import { PROCEDURES } from '../procedures/registry';
import type { AuthUser } from './auth';
import { readablePersonnel } from './authz';
import type { PersonRelationView } from './schemas';
import type { z } from 'zod';

/**
 * Actions' recorded data as this reader may see it: where a procedure type's action holds a person's
 * personnel data (procedures/descriptor.ts personnelData.actionPerson), it is shown to whom may read
 * the person's record, and logged; redacted for the others. Also the audit log's, whose entries repeat it.
 */
export async function actionDataShown(em: EntityManager, user: AuthUser, type: string, actions: readonly { action: string; data: unknown }[], route: string): Promise<unknown[]> {
  const personnel = (PROCEDURES as readonly ProcedureDescriptor[]).find((p) => p.type === type)?.personnelData;
  const { actionPerson, redactAction } = personnel ?? {};
  if (!actionPerson || !redactAction) return actions.map((a) => a.data);
  const persons = actions.map((a) => (a.data === null ? null : actionPerson(a.action, a.data)));
  const shown = await readablePersonnel(em, user, persons, route);
  return actions.map((a, i) => {
    const person = persons[i];
    return person && !shown.has(person) ? redactAction(a.data) : a.data;
  });
}

/**
 * A person's relations (亲属关系, 回避) as this reader may see them, for the person's own read (GET /people/:id; the
 * caller has already checked that the reader may read `personId`). person_relation stores each pair once, either way
 * round, so both columns are read. The relative's number and name are the relative's personnel data: shown only when
 * the reader may read the relative's record too (readablePersonnel, which logs that read), else redacted, so a unit's
 * staff reading their own cadre learn the relation but not who, in another unit, the relative is.
 */
export async function relationsShown(em: EntityManager, user: AuthUser, personId: string, route: string): Promise<z.infer<typeof PersonRelationView>[]> {
  const rows = await em.find(PersonRelationSchema, { $or: [{ personId }, { relativeId: personId }] });
  // Every row names the person (the query's condition), so the other side is never null.
  const pairs = rows.map((r) => ({ otherId: relativeIn(r, personId) as string, relation: r.relation }));
  if (pairs.length === 0) return [];
  const shown = await readablePersonnel(em, user, pairs.map((p) => p.otherId), route);
  const names = new Map((await em.find(PersonSchema, { id: { $in: [...shown] } }, { fields: ['id', 'name'] })).map((p) => [p.id, p.name]));
  const rank = (r: Relation) => RELATIONS.indexOf(r);
  return pairs
    .map(({ otherId, relation }) => {
      const name = shown.has(otherId) ? names.get(otherId) : undefined;
      // A relative whose record is gone or out of the reader's scope: the relation only.
      return name === undefined
        ? { relation, relationName: RELATION_NAMES[relation], personId: null, name: null, redacted: true, key: '' }
        : { relation, relationName: RELATION_NAMES[relation], personId: otherId, name, redacted: false, key: otherId };
    })
    .sort((a, b) => rank(a.relation) - rank(b.relation) || Number(a.redacted) - Number(b.redacted) || a.key.localeCompare(b.key))
    .map(({ key: _key, ...view }) => view);
}

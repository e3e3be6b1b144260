/**
 * What an exported sheet prints instead of the API's codes: units and people by name (master data), stages by
 * the Chinese labels the console shows (web/src/labels.ts, the one place they are written, so a sheet and a
 * screen never name a stage differently). A code without a name prints as itself.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { pgTextArray } from '../activities/sql';
import { stepLabel } from '../web/src/labels';

export interface ExportNames {
  unit: (id: string) => string;
  /** Several units, as one cell. */
  units: (ids: readonly string[]) => string;
  person: (id: string) => string;
  /** A stage or step of a procedure of `type` (null: any type), in Chinese. */
  stage: (type: string | null, key: string) => string;
}

/** The names of every unit, and of the people among `userIds` (an export names a few, a city has thousands). */
export async function exportNames(em: EntityManager, userIds: readonly string[] = []): Promise<ExportNames> {
  const units = new Map((await em.execute<{ id: string; name: string }[]>('select id, name from unit')).map((u) => [u.id, u.name]));
  const people = new Map(
    userIds.length
      ? (await em.execute<{ id: string; display_name: string }[]>('select id, display_name from app_user where id = any(?::text[])', [pgTextArray([...new Set(userIds)])])).map((u) => [
          u.id,
          u.display_name,
        ])
      : [],
  );
  const unit = (id: string): string => units.get(id) ?? id;
  return {
    unit,
    units: (ids) => ids.map(unit).join('、'),
    person: (id) => people.get(id) ?? id,
    stage: (type, key) => stepLabel(type, key),
  };
}

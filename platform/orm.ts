import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ALL_ENTITIES } from './entities';
import { migrationsList } from '../migrations';
import { boardTypes } from '../procedures/registry';

export function ormOptions(clientUrl: string): Options {
  return {
    clientUrl,
    entities: ALL_ENTITIES,
    extensions: [Migrator],
    // No schema snapshot: the migrator would write migrations/.snapshot-<database>.json on every run,
    // one new file per test database.
    migrations: { migrationsList, transactional: true, allOrNothing: true, silent: true, snapshot: false },
    // Every unit of work forks its own entity manager (per request, per activity).
    allowGlobalContext: false,
    debug: false,
    pool: { min: 0, max: 10 },
  };
}

export async function createOrm(clientUrl: string): Promise<MikroORM> {
  return MikroORM.init(ormOptions(clientUrl));
}

/**
 * Applies pending migrations; returns the names applied. Then writes the registry's board types to board_type
 * (Migration20261213000000_board_types), which rebuilds the board only when they changed.
 */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  await orm.em.getConnection().execute('select board_types_set(array(select jsonb_array_elements_text(?::jsonb)))', [JSON.stringify(boardTypes())]);
  return applied.map((m) => m.name);
}

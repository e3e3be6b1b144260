import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ALL_ENTITIES } from './entities';
import { migrationsList } from '../migrations';

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

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}

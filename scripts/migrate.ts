/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded server's database). */
import { loadConfig } from '../platform/config';
import { databaseUrl } from '../platform/database';
import { createOrm, migrate } from '../platform/orm';

async function main(): Promise<void> {
  const orm = await createOrm(databaseUrl(loadConfig()));
  try {
    const applied = await migrate(orm);
    console.log(applied.length ? `[migrate] applied ${applied.join(', ')}` : '[migrate] the schema is up to date');
  } finally {
    await orm.close();
  }
}

main().catch((err) => {
  console.error('[migrate] failed:', err);
  process.exit(1);
});

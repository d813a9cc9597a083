/** `npm run db:migrate`: creates the database if needed and applies pending migrations. */
import { ensureDatabaseExists, migrate, openDatabase } from '../src/index.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/byok';
const created = await ensureDatabaseExists(databaseUrl);
if (created) console.log(`created database ${new URL(databaseUrl).pathname.slice(1)}`);
const orm = await openDatabase({ databaseUrl, poolMax: 2 });
try {
  const applied = await migrate(orm);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} finally {
  await orm.close(true);
}

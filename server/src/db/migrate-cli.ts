import { loadConfig } from '../config/config.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { migrate } from './migrate.ts';

const config = loadConfig();
const embedded = config.DATABASE_URL ? null : await startEmbeddedPostgres(config);
try {
  const url = config.DATABASE_URL ?? embedded!.databaseUrl;
  const result = await migrate(url);
  console.log(
    `Applied ${result.applied.length} migration(s)${result.applied.length ? `: ${result.applied.join(', ')}` : ''}; ` +
      `${result.alreadyApplied.length} already applied.`,
  );
} finally {
  await embedded?.stop();
}

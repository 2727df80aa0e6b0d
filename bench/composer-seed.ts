import pg from 'pg';
import { seedFeedDatabase } from './feed-seed.ts';

/**
 * The update-feed benchmark's database (10,000 projects x 20 releases: legacy 7.x and 8.x,
 * semantic, a pre-release, a dev branch), with what packaging records for Composer: each
 * release's Composer version (7.x ones claim none and are not in the repository), a
 * `require` on drupal/core, and the dev branch as a dev release.
 */
export async function seedComposerDatabase(
  url: string,
  projects: number,
): Promise<{ releases: number; files: number }> {
  const seeded = await seedFeedDatabase(url, projects);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query(`
      UPDATE releases SET
        kind = CASE WHEN version LIKE '%-dev' THEN 'dev' ELSE 'tag' END,
        composer_version = CASE
          WHEN version ~ '^[0-9]+(\\.[0-9]+)?\\.x-dev$' THEN 'dev-' || substring(version FROM '^(.*)-dev$')
          WHEN version ~ '^8\\.x-' THEN regexp_replace(version, '^8\\.x-([0-9]+)\\.([0-9]+)', '\\1.\\2.0')
          WHEN version ~ '^[0-9]+\\.[0-9]+\\.[0-9]+' THEN version
        END,
        composer_require = '{"drupal/core": "^10 || ^11", "drupal/token": "*"}'::jsonb,
        submodules = CASE WHEN version LIKE '2.%' THEN ARRAY[(SELECT name FROM projects p WHERE p.id = project_id) || '_ui'] ELSE '{}' END`);
    await client.query('COMMIT');
    await client.query('ANALYZE releases');
  } finally {
    await client.end();
  }
  return seeded;
}

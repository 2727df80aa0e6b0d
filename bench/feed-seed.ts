import { connectClient, recreateDatabase } from './lib/database.ts';

/** Twenty releases per project: legacy 7.x and 8.x, semantic, a pre-release and a dev snapshot. */
export const VERSIONS = [
  ...[0, 1, 2, 3, 4].map((n) => `7.x-1.${n}`),
  ...[0, 1, 2, 3, 4].map((n) => `8.x-1.${n}`),
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((n) => `2.0.${n}`),
  '2.1.0-rc1',
  '2.0.x-dev',
];

export function projectName(i: number): string {
  return `project_${String(i).padStart(5, '0')}`;
}

/**
 * A fresh database holding `projects` projects with VERSIONS.length published releases
 * each and two archives per release, written in bulk (set-based INSERT ... SELECT, the
 * feed triggers off for the load: no API process listens yet).
 */
export async function seedFeedDatabase(url: string, projects: number): Promise<{ releases: number; files: number }> {
  await recreateDatabase(url);
  const client = await connectClient(url);
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query(`INSERT INTO users (name, token_hash) VALUES ('bench', sha256('bench'))`);
    await client.query(
      `INSERT INTO projects (name, title, type, git_url, supported_branches, security_coverage)
       SELECT format('project_%s', lpad(i::text, 5, '0')), format('Project %s', i), 'module',
              format('https://git.example.org/project_%s.git', i), '{8.x-1.,2.0.}', i % 2 = 0
       FROM generate_series(1, $1::int) AS i`,
      [projects],
    );
    await client.query(
      `INSERT INTO maintainers (project_id, user_id) SELECT p.id, u.id FROM projects p CROSS JOIN users u`,
    );
    const releases = await client.query(
      `INSERT INTO releases (project_id, version, tag, commit, commit_time, status, release_types, core_compatibility, published_at)
       SELECT p.id, v.version, v.version, md5(p.name || v.version) || substr(md5(v.version), 1, 8),
              to_timestamp(1700000000 + v.n * 86400 + p.id), 'published',
              CASE WHEN v.n % 5 = 0 THEN '{security,bugfix}'::text[] WHEN v.n % 2 = 0 THEN '{bugfix}' ELSE '{feature}' END,
              CASE WHEN v.version LIKE '7.x-%' THEN NULL ELSE '^10 || ^11' END,
              to_timestamp(1700000000 + v.n * 86400 + p.id + 60)
       FROM projects p CROSS JOIN unnest($1::text[]) WITH ORDINALITY AS v (version, n)`,
      [VERSIONS],
    );
    const files = await client.query(
      `INSERT INTO release_files (release_id, name, archive_type, storage_key, size, md5, sha1, sha256, sha512, created_at)
       SELECT r.id, f.name, t.ext, 'archives/bench/' || f.name, 10000 + (hashtext(f.name) & 65535),
              md5(f.name), substr(md5(f.name) || md5(r.version), 1, 40), md5(f.name) || md5(r.version),
              repeat(md5(f.name), 4), r.published_at
       FROM releases r
       JOIN projects p ON p.id = r.project_id
       CROSS JOIN (VALUES ('tar.gz'), ('zip')) AS t (ext)
       CROSS JOIN LATERAL (SELECT p.name || '-' || r.version || '.' || t.ext AS name) AS f`,
    );
    await client.query('COMMIT');
    await client.query('ANALYZE');
    return { releases: releases.rowCount ?? 0, files: files.rowCount ?? 0 };
  } finally {
    await client.end();
  }
}

/** How many (site, project) pairs the database has counted, all weeks together. */
export async function countedSites(url: string): Promise<number> {
  const client = await connectClient(url);
  try {
    return (await client.query<{ n: number }>('SELECT count(*)::integer AS n FROM usage_sites')).rows[0]!.n;
  } finally {
    await client.end();
  }
}

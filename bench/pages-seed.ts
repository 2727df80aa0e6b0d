import { summaryOf } from '@packhouse/registry';
import pg from 'pg';

/** A README of about 3 KB: headings, a list, a code block, links. */
const README = `# Project

A Drupal module that does one useful thing well, with the configuration a site builder expects and the hooks a developer needs.

## Features

${Array.from({ length: 12 }, (_, i) => `- Feature ${i + 1}: configurable per bundle, with [documentation](https://example.org/docs/${i + 1}).`).join('\n')}

## Installation

\`\`\`sh
composer require drupal/project
drush en project
\`\`\`

## Configuration

${'Visit the settings page and choose the options that fit your site. '.repeat(12)}

## Maintainers

- A maintainer (https://example.org/u/maintainer)
`;

/**
 * What the project page shows beyond the feed's data, for every project of a database seeded
 * by feed-seed.ts: the README of its latest release (as the first page view would have read
 * it from the archive), twelve weeks of usage over two majors, and two offerings.
 */
export async function seedPageData(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query(
      `INSERT INTO release_readmes (release_id, file_name, body)
       SELECT r.id, 'README.md', replace($1, 'Project', p.title) FROM releases r JOIN projects p ON p.id = r.project_id
       WHERE r.version = '2.1.0-rc1'`,
      [README],
    );
    // As the first page view leaves it: the README's first paragraph (no write on the first render).
    await client.query(`UPDATE projects SET description = replace($1, 'Project', title)`, [
      summaryOf({ fileName: 'README.md', body: README }),
    ]);
    await client.query(
      `INSERT INTO usage_counts (project_id, week, version, sites)
       SELECT p.id, date_trunc('week', now())::date - w * 7, v, 100 + (p.id % 50) * 3 + (11 - w) * 7
       FROM projects p CROSS JOIN generate_series(0, 11) AS w CROSS JOIN unnest('{8.x-1.4,2.0.7}'::text[]) AS v`,
    );
    await client.query(
      `INSERT INTO offerings (project_id, provider, kind, title, url, description)
       SELECT p.id, o.provider, o.kind, o.title, 'https://provider.example/' || p.name, 'Offered by the team behind ' || p.title || '.'
       FROM projects p CROSS JOIN (VALUES ('Acme', 'support', 'Support with a 4-hour SLA'), ('Hostco', 'hosting', 'Managed hosting')) AS o (provider, kind, title)`,
    );
    await client.query('COMMIT');
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

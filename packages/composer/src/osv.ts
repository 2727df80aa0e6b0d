/** An advisory with everything OSV needs. */
export interface OsvAdvisoryInput {
  id: string;
  packageName: string;
  title: string;
  description: string;
  severity: 'critical' | 'high' | 'medium' | 'low';
  affectedVersions: string;
  /** The Composer versions of the releases the constraint matched, oldest first. */
  affectedReleases: string[];
  cve: string | null;
  link: string | null;
  advisoryUrl: string;
  /** ISO 8601, UTC. */
  published: string;
  modified: string;
  withdrawn: string | null;
}

/**
 * The advisory as an OSV 1.6 record (ossf.github.io/osv-schema), ecosystem `Packagist` as
 * osv-scanner reads composer.lock. Affected versions are listed one by one (`versions`), as
 * OSV prefers for ecosystems whose version order it does not model for every constraint;
 * the constraint itself rides along in `database_specific`.
 */
export function renderOsv(advisory: OsvAdvisoryInput): Record<string, unknown> {
  const references = [{ type: 'ADVISORY', url: advisory.advisoryUrl }];
  if (advisory.link) references.push({ type: 'WEB', url: advisory.link });
  return {
    schema_version: '1.6.0',
    id: advisory.id,
    modified: advisory.modified,
    published: advisory.published,
    ...(advisory.withdrawn ? { withdrawn: advisory.withdrawn } : {}),
    aliases: advisory.cve ? [advisory.cve] : [],
    summary: advisory.title,
    details: advisory.description,
    affected: [
      {
        package: { ecosystem: 'Packagist', name: advisory.packageName, purl: `pkg:composer/${advisory.packageName}` },
        versions: advisory.affectedReleases,
        database_specific: { constraint: advisory.affectedVersions },
      },
    ],
    references,
    database_specific: { severity: advisory.severity.toUpperCase() },
  };
}

/** A published advisory, as the Composer repository needs it. */
export interface ComposerAdvisoryInput {
  id: string;
  title: string;
  severity: 'critical' | 'high' | 'medium' | 'low';
  /** A Composer constraint over the package's Composer versions. */
  affectedVersions: string;
  cve: string | null;
  link: string | null;
  /** `YYYY-MM-DD HH:MM:SS`, UTC. */
  reportedAt: string;
}

/**
 * One advisory in the shape of Packagist's security-advisories API and of the p2 files'
 * `security-advisories` (Composer's `PartialSecurityAdvisory::create()` makes a full
 * advisory of it: `title`, `sources` and `reportedAt` are present).
 */
export interface ComposerAdvisory {
  advisoryId: string;
  packageName: string;
  remoteId: string;
  title: string;
  link: string | null;
  cve: string | null;
  affectedVersions: string;
  source: string;
  reportedAt: string;
  composerRepository: string;
  severity: string;
  sources: { name: string; remoteId: string }[];
}

export const ADVISORY_SOURCE = 'Packhouse';

export function composerAdvisory(
  packageName: string,
  advisory: ComposerAdvisoryInput,
  repositoryUrl: string,
): ComposerAdvisory {
  return {
    advisoryId: advisory.id,
    packageName,
    remoteId: advisory.id,
    title: advisory.title,
    link: advisory.link,
    cve: advisory.cve,
    affectedVersions: advisory.affectedVersions,
    source: ADVISORY_SOURCE,
    reportedAt: advisory.reportedAt,
    composerRepository: repositoryUrl,
    severity: advisory.severity,
    sources: [{ name: ADVISORY_SOURCE, remoteId: advisory.id }],
  };
}

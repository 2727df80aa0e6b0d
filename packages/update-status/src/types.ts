/** A project as the update-status feeds describe it. */
export interface FeedProject {
  /** Machine name: `short_name` in the feed. */
  name: string;
  title: string;
  type: 'core' | 'module' | 'theme' | 'distribution';
  /** `dc:creator`. */
  creator: string;
  status: 'published' | 'unsupported' | 'unpublished' | 'insecure' | 'revoked';
  securityCoverage: boolean;
  /** Absolute URL of the project page. */
  link: string;
  /** Branch prefixes as `branchOf` gives them, e.g. `8.x-1.`, `2.0.`. */
  supportedBranches: string[];
}

export interface FeedFile {
  url: string;
  archiveType: 'tar.gz' | 'zip';
  md5: string;
  size: number;
  /** Unix seconds. */
  filedate: number;
  /** Distributions only: `full` for `-core`, `projects` for `-no-core`; absent for profile-only. */
  variant?: string;
}

export interface FeedRelease {
  version: string;
  tag: string;
  status: 'published' | 'unpublished';
  insecure: boolean;
  releaseTypes: ('security' | 'bugfix' | 'feature')[];
  releaseLink: string;
  /** Unix seconds. */
  date: number;
  /** A Composer constraint such as `^9 || ^10`; printed in the current feed only. */
  coreCompatibility: string | null;
  /** The tar.gz file also gives the release's `download_link`, `mdhash` and `filesize`. */
  files: FeedFile[];
}

/** Which release history is asked for: `/release-history/{project}/{current|7.x|all}`. */
export type FeedSelector = { kind: 'current' } | { kind: 'all' } | { kind: 'core'; core: string };

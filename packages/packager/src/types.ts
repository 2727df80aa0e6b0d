import type { TagAnnotation } from './annotation.ts';

export type ProjectType = 'core' | 'module' | 'theme' | 'distribution';

export interface SourceLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
  /** Counts every tree entry, directories included. */
  maxFiles: number;
}

export interface GitOptions {
  /** Per-project bare repository cache lives under here: `${cacheDir}/${project}.git`. */
  cacheDir: string;
  /** URL prefixes a git URL must start with; file:// only if a listed prefix starts with file://. */
  allowedSources: string[];
  /** Each git command is killed after this; a long-lived cat-file only while we wait on it. */
  timeoutMs: number;
  /** Disk budget of the cache: least recently used repositories past it are removed. */
  cacheBytes?: number;
  /** Let git URLs resolve to loopback (tests, local development); every other inside address stays refused. */
  allowLoopback?: boolean;
}

export interface TreeEntry {
  /** Relative to the tree root, `/`-separated, valid UTF-8. */
  path: string;
  kind: 'file' | 'executable' | 'symlink' | 'directory';
  /** Object id; for directories the tree's id. */
  oid: string;
  /** Blob size in bytes as listed by git; 0 for directories. */
  size: number;
  linkTarget?: string;
}

export interface Checkout {
  project: string;
  /** 40 hex digits. */
  commit: string;
  /** Unix seconds, the commit's committer time. */
  commitTime: number;
  /** An annotated tag's message and tagger time (release notes); null for branches and lightweight tags. */
  annotation: TagAnnotation | null;
  /** Sorted bytewise by UTF-8 path, validated. */
  entries: TreeEntry[];
  /**
   * Text of the files `checkout` read (every info file, the root composer.json), null where
   * not text; packaging reads the others from git.
   */
  texts?: ReadonlyMap<string, string | null>;
  /** The bare cache holding the commit; archives read blobs from it. */
  repoDir: string;
  git: GitOptions;
}

export interface Release {
  project: string;
  version: string;
  type: ProjectType;
}

/** Where an entry of a make file was written: the file (tree-relative) and its 1-based line. */
export interface Origin {
  file: string;
  line: number;
}

export type ProjectType = 'module' | 'theme' | 'profile' | 'core';

/** `[download]` of a library (or, refused by policy, of a project). */
export interface MakeDownload {
  type: string | null;
  url: string | null;
  sha256: string | null;
  md5: string | null;
  /** Only this folder of the downloaded archive is kept. */
  subtree: string | null;
  origin: Origin;
}

export interface MakePatch {
  url: string;
  /** `[patch][KEY][url]` names its key; `[patch][] = URL` has none. */
  key: string | null;
  md5: string | null;
  sha256: string | null;
  origin: Origin;
}

export interface MakeProject {
  name: string;
  /** As written: `3.1`, `7.x-3.1` or `2.0.4`; null when the make file pins none (refused by policy). */
  version: string | null;
  type: ProjectType | null;
  subdir: string | null;
  directoryName: string | null;
  patches: MakePatch[];
  download: MakeDownload | null;
  origin: Origin;
}

export interface MakeLibrary {
  name: string;
  download: MakeDownload | null;
  /** Folder under the profile (or site) the library goes in; drush make's default is `libraries`. */
  destination: string | null;
  directoryName: string | null;
  origin: Origin;
}

/** A whole make file, its includes merged in, every entry with the line it came from. */
export interface MakeFile {
  api: number | null;
  /** `7.x`, `8.x`, `10.x`: the core line. */
  core: string | null;
  projects: MakeProject[];
  libraries: MakeLibrary[];
  defaults: { projects: { subdir: string | null } };
  /** Every file read, the entry file first, then includes in the order they were read. */
  files: string[];
}

/** One broken rule, at the line that broke it. */
export interface Problem {
  origin: Origin;
  message: string;
}

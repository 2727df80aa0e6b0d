import type { MakeFile, MakeProject, Origin, Problem } from './types.ts';

export interface PolicyOptions {
  /** The library allowlist: every library and patch URL must match one of these. */
  allowlist: RegExp[];
  /** Tests only: lets plain http through (a loopback library server has no certificate). */
  allowHttp: boolean;
}

/** Drupal core's project, however the make file names it. */
export function isCore(project: MakeProject): boolean {
  return project.type === 'core' || project.name === 'drupal';
}

/**
 * drupal.org's packaging rules that the make file alone can decide: exact pinned versions,
 * projects only from their releases, libraries only as file downloads, every URL https and
 * on the allowlist. What needs Packhouse's own data (is that release published?) is
 * checked by the distribution build, which adds its problems to these.
 */
export function checkPolicy(makeFile: MakeFile, options: PolicyOptions): Problem[] {
  const problems: Problem[] = [];
  const problem = (origin: Origin, message: string) => problems.push({ origin, message });
  const url = (origin: Origin, value: string, kind: string, of: string) => {
    const refusal = urlRefusal(value, options);
    if (refusal) problem(origin, `The ${kind} URL '${value}' ${of} ${refusal}`);
  };
  for (const project of makeFile.projects) {
    const name = project.name;
    if (project.version === null || project.version === '') {
      problem(
        project.origin,
        `Project '${name}' is not pinned to a version; set projects[${name}][version] to one of its releases.`,
      );
    } else if (!isExact(project.version)) {
      problem(
        project.origin,
        `Project '${name}' is pinned to '${project.version}', which is not an exact release (no -dev, no .x).`,
      );
    }
    if (project.download) {
      problem(
        project.download.origin,
        `Project '${name}' sets a download; projects come from their published releases, pinned with [version].`,
      );
    }
    if (project.type === 'profile') {
      problem(
        project.origin,
        `Project '${name}' is an install profile; a distribution bundles modules, themes and libraries, not ` +
          `other profiles.`,
      );
    }
    for (const patch of project.patches) url(patch.origin, patch.url, 'patch', `of project '${name}'`);
  }
  for (const library of makeFile.libraries) {
    const download = library.download;
    if (!download || download.url === null) {
      problem(download?.origin ?? library.origin, `Library '${library.name}' has no download url.`);
      continue;
    }
    if (download.type !== null && download.type !== 'file' && download.type !== 'get') {
      problem(
        download.origin,
        `Library '${library.name}' uses the download type '${download.type}'; only 'file' downloads are allowed.`,
      );
    }
    url(download.origin, download.url, 'download', `of library '${library.name}'`);
  }
  return problems;
}

/** A released version: `7.x-3.1`, `3.1`, `2.0.4`, `1.0-beta2`; not `3.x`, not `1.x-dev`. */
export function isExact(version: string): boolean {
  return (
    !/(^|[.-])x(-|$)/.test(version.replace(/^\d+\.x-/, '')) &&
    !version.endsWith('-dev') &&
    /^[0-9][0-9A-Za-z.+-]*$/.test(version)
  );
}

function urlRefusal(value: string, options: PolicyOptions): string | null {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return 'is not a URL.';
  }
  if (parsed.protocol !== 'https:' && !(options.allowHttp && parsed.protocol === 'http:')) return 'must use https.';
  if (parsed.username || parsed.password) return 'must not carry credentials.';
  if (!options.allowlist.some((pattern) => pattern.test(value))) return 'is not on the library allowlist.';
  return null;
}

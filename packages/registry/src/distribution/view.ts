import { distributions, type Executor, type ReleaseRow } from '@packhouse/db';
import type { DistributionView } from '../views.ts';

/** The distribution build of a release, and which of its bundled releases are insecure now. */
export async function distributionView(
  db: Executor,
  release: Pick<ReleaseRow, 'id' | 'status'>,
): Promise<DistributionView> {
  const build = await distributions.findBuildOfRelease(db, release.id);
  const insecure = await distributions.listInsecureComponents(db, [release.id]);
  return {
    // No row yet: the profile is still being packaged (the build follows it), or failed.
    status: build?.status ?? (release.status === 'failed' ? 'failed' : 'queued'),
    error:
      build?.error ?? (release.status === 'failed' ? 'The profile was not packaged; see the release error.' : null),
    waitingFor: build?.status === 'queued' ? (build.waitingFor ?? []) : [],
    componentsInsecure: insecure.map(({ project, version }) => ({ project, version })),
  };
}

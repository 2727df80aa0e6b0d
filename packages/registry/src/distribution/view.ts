import { distributions, type Executor } from '@packhouse/db';
import type { DistributionView } from '../views.ts';

/** The distribution build of a release, and which of its bundled releases are insecure now. */
export async function distributionView(db: Executor, releaseId: string): Promise<DistributionView> {
  const build = await distributions.findBuildOfRelease(db, releaseId);
  const insecure = await distributions.listInsecureComponents(db, [releaseId]);
  return {
    // No row yet: the profile is still being packaged, and the build follows it.
    status: build?.status ?? 'queued',
    error: build?.error ?? null,
    componentsInsecure: insecure.map(({ project, version }) => ({ project, version })),
  };
}

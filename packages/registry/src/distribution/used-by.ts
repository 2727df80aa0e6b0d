import { distributions, projects } from '@packhouse/db';
import type { Registry } from '../context.ts';
import { notFound } from '../errors.ts';

export interface UsedByView {
  distribution: string;
  version: string;
  componentVersion: string;
  componentInsecure: boolean;
}

/** The published distribution releases bundling any release of `projectName`. */
export async function listUsedBy(registry: Registry, projectName: string): Promise<UsedByView[]> {
  const project = await projects.findProjectByName(registry.db, projectName);
  if (!project) throw notFound(`No project named "${projectName}".`);
  return distributions.listUsedBy(registry.db, project.id);
}

import { client, createRepo, eventually, type Stack, type TestRepo } from '@packhouse/testing';
import { seedRelease } from './feed-seed.ts';

export type Api = ReturnType<typeof client>;

/** Commit time of the first tag (2025-11-28T00:00:00Z); the feed's `date` is the commit time. */
export const T = 1_764_288_000;

const INFO_7 = 'name = Chaos tools\ndescription = Tools for developers.\ncore = 7.x\n';
const infoYml = (requirement: string) => `name: Chaos tools\ntype: module\ncore_version_requirement: ${requirement}\n`;

export async function waitPublished(api: Api, project: string, version: string) {
  return eventually(
    async () => {
      const { body } = await api('GET', `/api/v1/projects/${project}/releases/${version}`);
      if (body.status === 'failed') throw new Error(`${project} ${version} failed: ${body.error}`);
      return body.status === 'published' ? body : undefined;
    },
    60_000,
    `${project} ${version} to publish`,
  );
}

export interface Scenario {
  alice: Api;
  repo: TestRepo;
}

/**
 * `ctools`, maintained by alice (its creator) and bob: three releases built by the real
 * pipeline from git tags, the rest recorded through the repositories, covering every
 * kind of release the feeds print (legacy, 8.x-, semantic, pre-releases, dev, insecure,
 * unpublished) and two that must not appear (still queued, failed).
 */
export async function buildScenario(stack: Stack): Promise<Scenario> {
  const admin = client(stack.app, stack.adminToken);
  const alice = client(stack.app, (await admin('POST', '/api/v1/users', { name: 'alice' })).body.token);
  await admin('POST', '/api/v1/users', { name: 'bob' });

  const repo = await createRepo({ 'ctools.info': INFO_7, 'ctools.module': '<?php\n' }, T);
  repo.tag('7.x-1.0');
  repo.commit({ 'ctools.info.yml': infoYml('^9 || ^10'), 'ctools.module': '<?php\n// 8.x\n' }, T + 3600);
  repo.tag('8.x-1.0');
  repo.commit({ 'ctools.info.yml': infoYml('^10 || ^11'), 'ctools.module': '<?php\n// 2.x\n' }, T + 7200);
  repo.tag('2.0.0', { annotated: true });

  await alice('POST', '/api/v1/projects', {
    name: 'ctools',
    title: 'Chaos Tool Suite (ctools)',
    type: 'module',
    gitUrl: repo.url,
  });
  await alice('PUT', '/api/v1/projects/ctools/maintainers/bob');
  for (const [tag, releaseTypes] of [
    ['7.x-1.0', ['feature']],
    ['8.x-1.0', ['feature', 'bugfix']],
    ['2.0.0', ['feature']],
  ] as const) {
    const queued = await alice('POST', '/api/v1/projects/ctools/releases', { tag, releaseTypes });
    if (queued.status !== 202) throw new Error(`release ${tag}: ${JSON.stringify(queued.body)}`);
  }
  const worker = stack.startWorker();
  for (const version of ['7.x-1.0', '8.x-1.0', '2.0.0']) await waitPublished(alice, 'ctools', version);
  await worker.close();

  const seed = (release: Parameters<typeof seedRelease>[2]) => seedRelease(stack.registry, 'ctools', release);
  await seed({ version: '7.x-1.1-beta1', commitTime: T + 100, releaseTypes: ['bugfix'] });
  await seed({ version: '7.x-2.x-dev', commitTime: T + 200, archives: ['tar.gz'] });
  await seed({
    version: '8.x-1.1',
    commitTime: T + 3700,
    releaseTypes: ['security', 'bugfix'],
    coreCompatibility: '^9 || ^10',
  });
  await seed({ version: '2.0.1', commitTime: T + 7300, releaseTypes: ['security'], coreCompatibility: '^10 || ^11' });
  await seed({
    version: '2.1.0-rc1',
    commitTime: T + 7400,
    releaseTypes: ['feature'],
    coreCompatibility: '^11',
    feedStatus: 'unpublished',
  });
  await seed({ version: '2.0.x-dev', commitTime: T + 7500, coreCompatibility: '^10 || ^11', archives: ['tar.gz'] });
  await seed({ version: '2.0.2', commitTime: T + 7600, status: 'queued' });
  await seed({ version: '2.0.3', commitTime: T + 7700, status: 'failed' });

  await alice('PUT', '/api/v1/projects/ctools/supported-branches', ['7.x-1.', '8.x-1.', '2.0.']);
  await alice('PATCH', '/api/v1/projects/ctools', { securityCoverage: true });
  await alice('PATCH', '/api/v1/projects/ctools/releases/8.x-1.0', { insecure: true });
  return { alice, repo };
}

/** The facts of each built archive that a fixture leaves as `{{md5 NAME}}`, `{{size NAME}}`, `{{filedate NAME}}`. */
export async function archiveFacts(
  stack: Stack,
  api: Api,
  versions: string[],
): Promise<Map<string, Record<string, string>>> {
  const facts = new Map<string, Record<string, string>>();
  for (const version of versions) {
    const release = (await api('GET', `/api/v1/projects/ctools/releases/${version}`)).body;
    for (const file of release.files as { name: string; md5: string; size: number }[]) {
      const row = await stack.registry.db
        .selectFrom('releaseFiles')
        .select('createdAt')
        .where('name', '=', file.name)
        .executeTakeFirstOrThrow();
      facts.set(file.name, {
        md5: file.md5,
        size: String(file.size),
        filedate: String(Math.floor(row.createdAt.getTime() / 1000)),
      });
    }
  }
  return facts;
}

export function fillTemplate(template: string, facts: Map<string, Record<string, string>>): string {
  return template.replace(/\{\{(md5|size|filedate) ([^}]+)\}\}/g, (_match, fact: string, name: string) => {
    const value = facts.get(name)?.[fact];
    if (value === undefined) throw new Error(`no ${fact} for ${name}`);
    return value;
  });
}

/** The inverse of fillTemplate, to write a fixture from a reviewed response (UPDATE_FIXTURES=1). */
export function toTemplate(xml: string, facts: Map<string, Record<string, string>>): string {
  let template = xml;
  for (const [name, fact] of facts) {
    const url = `http://packhouse.test/files/projects/${name}`;
    template = template.replace(
      new RegExp(
        `(<url>${escape(url)}</url>\\s*<archive_type>[^<]+</archive_type>\\s*)<md5>${fact.md5}</md5>(\\s*)<size>${fact.size}</size>(\\s*)<filedate>${fact.filedate}</filedate>`,
      ),
      `$1<md5>{{md5 ${name}}}</md5>$2<size>{{size ${name}}}</size>$3<filedate>{{filedate ${name}}}</filedate>`,
    );
    if (name.endsWith('.tar.gz')) {
      template = template.replace(
        new RegExp(
          `(<download_link>${escape(url)}</download_link>\\s*<date>\\d+</date>\\s*)<mdhash>${fact.md5}</mdhash>(\\s*)<filesize>${fact.size}</filesize>`,
        ),
        `$1<mdhash>{{md5 ${name}}}</mdhash>$2<filesize>{{size ${name}}}</filesize>`,
      );
    }
  }
  return template;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

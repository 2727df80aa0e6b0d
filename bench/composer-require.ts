import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { client, createRepo, eventually, removeRepos, signUp, startStack, type Stack } from '@packhouse/testing';
import { composerSite, freePort } from '../services/api/test/composer-cli.ts';

/**
 * Wall time of `composer require drupal/bench_root` whose info file depends on `count`
 * other Packhouse projects, each packaged for real by a worker on a whole stack on loopback:
 * once with an empty Composer cache (every p2 file and zip fetched), once more in a second
 * site sharing the now warm cache (metadata revalidated with If-Modified-Since, zips cached).
 */
export async function composerRequireWallTime(count: number): Promise<{ coldSeconds: number; warmSeconds: number }> {
  const port = await freePort();
  const stack: Stack = await startStack({ PUBLIC_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn' }, { port });
  const dirs: string[] = [];
  try {
    stack.startWorker();
    const alice = await signUp(stack, 'bench');
    const anonymous = client(stack.app);
    const names = Array.from({ length: count }, (_, i) => `bench_dep_${String(i + 1).padStart(2, '0')}`);
    const rootInfo = `name: Root\ntype: module\ncore_version_requirement: '^10'\ndependencies:\n${names.map((name) => `  - ${name}:${name}\n`).join('')}`;
    const projects = [
      ...names.map((name) => ({ name, info: `name: ${name}\ntype: module\n` })),
      { name: 'bench_root', info: rootInfo },
    ];
    for (const { name, info } of projects) {
      const repo = await createRepo({
        [`${name}.info.yml`]: info,
        'src/Plugin.php': `<?php\n// ${name}\n`,
        'README.md': `# ${name}\n`,
      });
      repo.tag('1.0.0');
      await alice('POST', '/api/v1/projects', { name, title: name, type: 'module', gitUrl: repo.url });
      await alice('POST', `/api/v1/projects/${name}/releases`, { tag: '1.0.0' });
    }
    const core = await createRepo({ 'drupal.info.yml': 'name: Drupal\n' });
    core.tag('10.3.0');
    // Core is for administrators only.
    const admin = client(stack.app, stack.adminToken);
    await admin('POST', '/api/v1/projects', { name: 'drupal', title: 'Drupal core', type: 'core', gitUrl: core.url });
    await admin('POST', '/api/v1/projects/drupal/releases', { tag: '10.3.0' });
    for (const name of [...projects.map((project) => project.name), 'drupal']) {
      await eventually(
        async () => {
          const release = await anonymous(
            'GET',
            `/api/v1/projects/${name}/releases/${name === 'drupal' ? '10.3.0' : '1.0.0'}`,
          );
          return release.body?.status === 'published' ? true : undefined;
        },
        300_000,
        `${name} published`,
      );
    }
    const repositoryUrl = `http://127.0.0.1:${port}/composer`;
    const home = mkdtempSync(path.join(tmpdir(), 'packhouse-bench-composer-'));
    dirs.push(home);
    const timed = async (dir: string) => {
      const site = composerSite(dir, repositoryUrl, path.join(home, '.composer-home'));
      const started = performance.now();
      await site.ok('require', 'drupal/bench_root:^1.0');
      const seconds = (performance.now() - started) / 1000;
      const installed = site.lock().packages.length;
      if (installed !== count + 2) throw new Error(`composer installed ${installed} packages, expected ${count + 2}`);
      return seconds;
    };
    const coldSeconds = await timed(path.join(home, 'cold'));
    const warmSeconds = await timed(path.join(home, 'warm'));
    return { coldSeconds, warmSeconds };
  } finally {
    await stack.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    removeRepos();
  }
}

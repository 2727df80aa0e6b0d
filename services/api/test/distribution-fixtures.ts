import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { client, createRepo, eventually, type TestRepo } from '@packhouse/testing';

export const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
export const md5 = (bytes: Buffer | string) => createHash('md5').update(bytes).digest('hex');

type Api = ReturnType<typeof client>;

/** A library server on loopback: archives made with the real tar and zip, patches, and redirects. */
export interface LibraryServer {
  origin: string;
  files: Map<string, Buffer>;
  /** Requests per path, to see what the build's cache saved. */
  hits: Map<string, number>;
  close(): void;
}

export async function startLibraryServer(redirects: Record<string, string> = {}): Promise<LibraryServer> {
  const files = new Map<string, Buffer>();
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    hits.set(url, (hits.get(url) ?? 0) + 1);
    if (redirects[url]) return void res.writeHead(302, { location: redirects[url] }).end();
    const body = files.get(url);
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, files, hits, close: () => server.close() };
}

/** Builds an archive of `tree` with the system's tar or zip, as a library's maintainers would. */
export function archiveOf(kind: 'tar.gz' | 'zip', tree: Record<string, string>): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'packhouse-lib-'));
  for (const [name, content] of Object.entries(tree)) {
    mkdirSync(path.dirname(path.join(dir, 'src', name)), { recursive: true });
    writeFileSync(path.join(dir, 'src', name), content);
  }
  const out = path.join(dir, `out.${kind}`);
  if (kind === 'tar.gz') execFileSync('tar', ['-czf', out, '-C', path.join(dir, 'src'), '.']);
  else execFileSync('zip', ['-qr', out, '.'], { cwd: path.join(dir, 'src') });
  return readFileSync(out);
}

/** Creates a project from a one-commit repository and publishes a tag of it. */
export async function publishProject(
  api: Api,
  name: string,
  type: 'core' | 'module' | 'theme' | 'distribution',
  tags: Array<{ tag: string; files: Record<string, string> }>,
): Promise<TestRepo> {
  const repo = await createRepo();
  await api('POST', '/api/v1/projects', { name, title: name, type, gitUrl: repo.url });
  for (const { tag, files } of tags) {
    repo.commit(files);
    repo.tag(tag);
    const queued = await api('POST', `/api/v1/projects/${name}/releases`, { tag });
    if (queued.status !== 202) throw new Error(`could not release ${name} ${tag}: ${JSON.stringify(queued.body)}`);
    await releaseOf(api, name, tag);
  }
  return repo;
}

export function releaseOf(api: Api, name: string, version: string) {
  return eventually(
    async () => {
      const { body } = await api('GET', `/api/v1/projects/${name}/releases/${version}`);
      if (body.status === 'failed') throw new Error(`${name} ${version} failed: ${body.error}`);
      return body.status === 'published' ? body : undefined;
    },
    60_000,
    `${name} ${version} to publish`,
  );
}

/** The distribution release once its build has finished (published or failed). */
export function distributionOf(api: Api, name: string, version: string) {
  return eventually(
    async () => {
      const { body } = await api('GET', `/api/v1/projects/${name}/releases/${version}`);
      if (body.status === 'failed') throw new Error(`${name} ${version} failed: ${body.error}`);
      const status = body.distribution?.status;
      return status === 'published' || status === 'failed' ? body : undefined;
    },
    90_000,
    `${name} ${version}'s distribution build`,
  );
}

export const CORE_FILES = {
  'index.php': '<?php\n// Drupal front controller.\n',
  'core/lib/Drupal.php': '<?php\nclass Drupal {}\n',
  'core/modules/system/system.info.yml': 'name: System\ntype: module\npackage: Core\nversion: VERSION\n',
  'core/profiles/standard/standard.info.yml': 'name: Standard\ntype: profile\n',
  'profiles/README.txt': 'Install profiles go here.\n',
  'sites/default/default.settings.php': '<?php\n',
};

export const VIEWS_FILES = {
  'views.info.yml': 'name: Views\ntype: module\ncore_version_requirement: ^10\n',
  'src/ViewsTitle.php': "<?php\nconst TITLE = 'Old title';\n",
  'README.md': '# Views\n',
};

export const VIEWS_PATCH = `diff --git a/src/ViewsTitle.php b/src/ViewsTitle.php
--- a/src/ViewsTitle.php
+++ b/src/ViewsTitle.php
@@ -1,2 +1,2 @@
 <?php
-const TITLE = 'Old title';
+const TITLE = 'Patched title';
`;

export const TOKEN_FILES = {
  'token.info.yml': 'name: Token\ntype: module\ncore_version_requirement: ^10\n',
  'token.module': '<?php\n',
};
export const THEME_FILES = {
  'olivero_plus.info.yml': 'name: Olivero plus\ntype: theme\ncore_version_requirement: ^10\n',
  'css/style.css': 'body {}\n',
};

export function profileFiles(
  makeName: string,
  makeText: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'atrium.info.yml': 'name: Atrium\ntype: profile\ncore_version_requirement: ^10\n',
    'atrium.profile': '<?php\n',
    'config/install/system.site.yml': 'name: Atrium\n',
    [makeName]: makeText,
    ...extra,
  };
}

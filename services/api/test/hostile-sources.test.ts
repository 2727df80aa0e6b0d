import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRelease } from '@packhouse/queue';
import {
  client,
  createRepo,
  eventually,
  makeRawRepo,
  rawTreeWith,
  removeRepos,
  startStack,
  signUp,
  writeBlob,
  type FileSpec,
  type Stack,
  type TestRepo,
} from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Small limits keep the size cases fast; the giant file is still 512 times the file limit.
const MAX_FILE_BYTES = 64 * 1024;
const MAX_TOTAL_BYTES = 160 * 1024;
const MAX_FILES = 40;
const GIANT_BYTES = 32 * 1024 * 1024;

const TAG = '8.x-1.0';
const INFO_YML = 'name: Hostile\ntype: module\ncore_version_requirement: ^10 || ^11\n';

/** A normal repository holding `files`, tagged TAG. */
async function tagged(files: Record<string, FileSpec>, options: { annotated?: boolean } = {}): Promise<TestRepo> {
  const repo = await createRepo({ 'hostile.info.yml': INFO_YML, ...files });
  repo.tag(TAG, options);
  return repo;
}

interface RefusalCase {
  case: string;
  project: string;
  source: (stack: Stack) => Promise<TestRepo>;
  rule: string;
  /** The offending path the error must name, when the rule is about one. */
  path?: string;
  /** What the error must also say. */
  detail?: RegExp;
  /** The git URL the project holds when the worker fetches (written to the row after creation). */
  gitUrlAtFetch?: (stack: Stack) => string;
}

const cases: RefusalCase[] = [
  {
    case: 'a symlink to an absolute target',
    project: 'symlink_absolute',
    source: () => tagged({ 'etc/passwd': { symlink: '/etc/passwd' } }),
    rule: 'symlink_escape',
    path: 'etc/passwd',
  },
  {
    case: 'a symlink escaping through `..`',
    project: 'symlink_dotdot',
    source: () => tagged({ 'src/a.php': '<?php\n', 'src/link': { symlink: '../../outside' } }),
    rule: 'symlink_escape',
    path: 'src/link',
  },
  {
    case: 'a symlink chain escaping (each link alone stays inside)',
    project: 'symlink_chain',
    source: () => tagged({ 'dir/a.txt': 'a', 'dir/up': { symlink: '..' }, out: { symlink: 'dir/up/..' } }),
    rule: 'symlink_escape',
    path: 'out',
  },
  {
    case: 'a symlink loop',
    project: 'symlink_loop',
    source: () => tagged({ a: { symlink: 'b' }, b: { symlink: 'a' } }),
    rule: 'symlink_loop',
    detail: /symlink `[ab]` -> `[ab]`/,
  },
  {
    case: 'an absolute path',
    project: 'path_absolute',
    source: () =>
      makeRawRepo(
        (r) =>
          rawTreeWith(r, [
            { name: '/evil.php', content: '<?php\n' },
            { name: 'hostile.info.yml', content: INFO_YML },
          ]),
        TAG,
      ),
    rule: 'git_objects_invalid',
    detail: /\((hasFullPath|fullPathname)\)/,
  },
  {
    case: 'a path with a `..` component',
    project: 'path_dotdot',
    source: () =>
      makeRawRepo((r) => {
        const inner = rawTreeWith(r, [{ name: 'evil.php', content: '<?php\n' }]);
        return rawTreeWith(r, [
          { name: '..', mode: '40000', oid: inner },
          { name: 'hostile.info.yml', content: INFO_YML },
        ]);
      }, TAG),
    // git's own object checks (transfer.fsckObjects) refuse the tree as it arrives.
    rule: 'git_objects_invalid',
    detail: /\(hasDotdot\)/,
  },
  {
    case: 'a path with a `.git` component',
    project: 'path_git_dir',
    source: () =>
      makeRawRepo((r) => {
        const inner = rawTreeWith(r, [{ name: 'config', content: '[core]\n\tfsmonitor = touch /tmp/pwned\n' }]);
        return rawTreeWith(r, [
          { name: '.git', mode: '40000', oid: inner },
          { name: 'hostile.info.yml', content: INFO_YML },
        ]);
      }, TAG),
    rule: 'git_objects_invalid',
    detail: /\(hasDotgit\)/,
  },
  {
    case: 'a path that is not UTF-8',
    project: 'path_not_utf8',
    source: () =>
      makeRawRepo(
        (r) =>
          rawTreeWith(r, [
            { name: Buffer.from([0x66, 0xff, 0x2e, 0x74]), content: 'x' },
            { name: 'hostile.info.yml', content: INFO_YML },
          ]),
        TAG,
      ),
    rule: 'path_not_utf8',
    path: 'f\uFFFD.t',
  },
  {
    case: 'a submodule (gitlink)',
    project: 'submodule',
    source: () =>
      makeRawRepo(
        (r) =>
          rawTreeWith(r, [
            { name: 'hostile.info.yml', content: INFO_YML },
            { name: 'lib', mode: '160000', oid: '1'.repeat(40) },
          ]),
        TAG,
      ),
    rule: 'submodule',
    path: 'lib',
  },
  {
    case: 'a file over MAX_FILE_BYTES',
    project: 'file_too_large',
    source: () => tagged({ 'big.txt': 'x'.repeat(MAX_FILE_BYTES + 1) }),
    rule: 'file_too_large',
    path: 'big.txt',
    detail: new RegExp(`is ${MAX_FILE_BYTES + 1} bytes, over the ${MAX_FILE_BYTES} byte limit`),
  },
  {
    case: 'a tree over MAX_TOTAL_BYTES (each file under MAX_FILE_BYTES)',
    project: 'tree_too_large',
    source: () => tagged(Object.fromEntries(['a', 'b', 'c'].map((name) => [`${name}.bin`, name.repeat(60 * 1024)]))),
    rule: 'tree_too_large',
    detail: new RegExp(`over the ${MAX_TOTAL_BYTES} byte limit`),
  },
  {
    case: 'more than MAX_FILES entries',
    project: 'too_many_files',
    source: () =>
      tagged(
        Object.fromEntries(
          Array.from({ length: MAX_FILES }, (_, i) => [`f${String(i).padStart(2, '0')}.txt`, `${i}\n`]),
        ),
      ),
    rule: 'too_many_files',
    detail: new RegExp(`more than ${MAX_FILES} entries`),
  },
  {
    case: 'a tag that does not exist',
    project: 'tag_missing',
    source: () => createRepo({ 'hostile.info.yml': INFO_YML }),
    rule: 'tag_not_found',
    detail: /tag `8\.x-1\.0` does not exist/,
  },
  {
    case: 'a tag pointing at a tree',
    project: 'tag_tree',
    source: async () => {
      const repo = await createRepo({ 'hostile.info.yml': INFO_YML });
      repo.tag(TAG, { ref: repo.git('rev-parse', 'HEAD^{tree}') });
      return repo;
    },
    rule: 'tag_not_a_commit',
    detail: /points at a tree, not a commit/,
  },
  {
    case: 'a tag pointing at a blob',
    project: 'tag_blob',
    source: async () => {
      const repo = await createRepo({ 'hostile.info.yml': INFO_YML });
      repo.tag(TAG, { ref: writeBlob(repo, 'just a blob\n') });
      return repo;
    },
    rule: 'tag_not_a_commit',
    detail: /points at a blob, not a commit/,
  },
  {
    case: 'a git URL outside GIT_ALLOWED_SOURCES at fetch time',
    project: 'url_not_allowed',
    source: () => tagged({}),
    gitUrlAtFetch: () => 'https://git.example.org/project/hostile.git',
    rule: 'git_url_not_allowed',
    detail: /`https:\/\/git\.example\.org\/project\/hostile\.git`/,
  },
  {
    case: 'a git transport that runs commands (ext::)',
    project: 'url_ext_transport',
    source: () => tagged({}),
    gitUrlAtFetch: (stack) => `ext::sh -c touch% ${path.join(stack.tmp, 'pwned')}`,
    rule: 'git_url_not_allowed',
  },
  {
    case: 'an .info.yml that is a symlink',
    project: 'info_symlink',
    source: async () => {
      const repo = await createRepo({ 'real.yml': INFO_YML, 'info_symlink.info.yml': { symlink: 'real.yml' } });
      repo.tag(TAG);
      return repo;
    },
    rule: 'info_file_symlink',
    path: 'info_symlink.info.yml',
  },
  {
    case: 'an .info file that is not text',
    project: 'info_binary',
    source: () => tagged({ 'legacy/legacy.info': Buffer.from('name = Legacy\0\ncore = 7.x\n') }),
    rule: 'info_file_not_text',
    path: 'legacy/legacy.info',
  },
];

// 32 MiB of zeros is a few dozen KiB in git: the size git lists must refuse it, unread.
const giant: RefusalCase = {
  case: 'a highly compressible giant file',
  project: 'giant_zeros',
  source: () =>
    makeRawRepo(
      (r) =>
        rawTreeWith(r, [
          { name: 'hostile.info.yml', content: INFO_YML },
          { name: 'zeros.bin', oid: writeBlob(r, Buffer.alloc(GIANT_BYTES)) },
        ]),
      TAG,
    ),
  rule: 'file_too_large',
  path: 'zeros.bin',
  detail: new RegExp(`is ${GIANT_BYTES} bytes, over the ${MAX_FILE_BYTES} byte limit`),
};

/**
 * Records the arguments of every git command this process starts from now on (the worker
 * runs in it), through a `git` first on PATH that logs and then runs the real one.
 */
function traceGit(dir: string): { calls(): string[]; stop(): void } {
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const bin = mkdtempSync(path.join(dir, 'git-trace-'));
  const log = path.join(bin, 'calls.log');
  writeFileSync(log, '');
  writeFileSync(path.join(bin, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${realGit}' "$@"\n`, {
    mode: 0o755,
  });
  const originalPath = process.env.PATH;
  process.env.PATH = `${bin}:${originalPath}`;
  return {
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
    stop: () => {
      process.env.PATH = originalPath;
    },
  };
}

describe('hostile sources are refused with a clear error, nothing published, never retried', () => {
  let stack: Stack;
  let maintainer: ReturnType<typeof client>;
  let anonymous: ReturnType<typeof client>;

  beforeAll(async () => {
    stack = await startStack({
      MAX_FILE_BYTES: String(MAX_FILE_BYTES),
      MAX_TOTAL_BYTES: String(MAX_TOTAL_BYTES),
      MAX_FILES: String(MAX_FILES),
    });
    stack.startWorker();
    maintainer = await signUp(stack, 'alice');
    anonymous = client(stack.app);
  });
  afterAll(async () => {
    await stack.close();
    removeRepos();
  });

  /** Creates the project through the API and requests TAG; returns the release once finished. */
  async function release(project: string, repo: TestRepo, gitUrlAtFetch?: string) {
    const created = await maintainer('POST', '/api/v1/projects', {
      name: project,
      title: project,
      type: 'module',
      gitUrl: repo.url,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    if (gitUrlAtFetch !== undefined) {
      await stack.registry.db
        .updateTable('projects')
        .set({ gitUrl: gitUrlAtFetch })
        .where('name', '=', project)
        .execute();
    }
    const queued = await maintainer('POST', `/api/v1/projects/${project}/releases`, { tag: TAG });
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    return eventually(
      async () => {
        const { body } = await anonymous('GET', `/api/v1/projects/${project}/releases/${TAG}`);
        return body.status === 'failed' || body.status === 'published' ? body : undefined;
      },
      60_000,
      `${project} ${TAG} to finish`,
    );
  }

  async function releaseRow(project: string) {
    return stack.registry.db
      .selectFrom('releases')
      .innerJoin('projects', 'projects.id', 'releases.projectId')
      .select(['releases.id', 'releases.attempts'])
      .where('projects.name', '=', project)
      .where('releases.version', '=', TAG)
      .executeTakeFirstOrThrow();
  }

  /** The job's fate once it left the worker: a refused job is removed as failed; a retried one would wait, delayed. */
  async function jobFate(releaseId: string): Promise<string> {
    return eventually(
      async () => {
        const job = await stack.registry.queue.queue.getJob(packageRelease.jobId(releaseId));
        const state = job ? await job.getState() : 'removed';
        if (state === 'active' || state === 'waiting') return undefined;
        return state === 'unknown' ? 'removed' : state;
      },
      10_000,
      `job of release ${releaseId} to leave the worker`,
    );
  }

  /** Releases TAG of the case's source and checks the refusal, down to the bucket and the queue. */
  async function expectRefused(refusal: RefusalCase): Promise<void> {
    const repo = await refusal.source(stack);
    const body = await release(refusal.project, repo, refusal.gitUrlAtFetch?.(stack));

    expect(body.status, body.error).toBe('failed');
    expect(body.error).toContain(`(rule ${refusal.rule})`);
    if (refusal.path !== undefined) expect(body.error).toContain(`\`${refusal.path}\``);
    if (refusal.detail !== undefined) expect(body.error).toMatch(refusal.detail);
    expect(body.files).toEqual([]);
    expect(body.publishedAt).toBeNull();

    expect(await stack.registry.storage.list(`archives/${refusal.project}/`)).toEqual([]);
    const row = await releaseRow(refusal.project);
    expect(await jobFate(row.id)).toBe('removed');
    expect((await releaseRow(refusal.project)).attempts).toBe(1);
  }

  it.each(cases)('refuses $case', expectRefused);

  it('refuses a highly compressible giant file from the size git lists, without reading its content', async () => {
    const trace = traceGit(stack.tmp);
    try {
      await expectRefused(giant);
    } finally {
      trace.stop();
    }
    const inCache = trace.calls().filter((args) => args.includes(`/${giant.project}.git `));
    expect(
      inCache.some((args) => args.includes(' ls-tree ')),
      inCache.join('\n'),
    ).toBe(true);
    // The ref's commit and tag objects are read before the listing (ref-objects.ts); no file's
    // content is read after the listing refused the tree.
    const listing = inCache.findIndex((args) => args.includes(' ls-tree '));
    expect(inCache.slice(listing).filter((args) => / cat-file (--batch|blob)/.test(args))).toEqual([]);
  });

  it('ran no command from an ext:: URL', () => {
    expect(existsSync(path.join(stack.tmp, 'pwned'))).toBe(false);
  });

  it('publishes an annotated tag of a normal repository', async () => {
    const repo = await tagged({ 'src/Plugin.php': '<?php\n' }, { annotated: true });
    const body = await release('annotated', repo);
    expect(body.status, body.error).toBe('published');
    expect(body.commit).toBe(repo.git('rev-parse', `${TAG}^{commit}`));
    expect(body.files.map((file: { name: string }) => file.name).sort()).toEqual([
      'annotated-8.x-1.0.tar.gz',
      'annotated-8.x-1.0.zip',
    ]);
    expect((await releaseRow('annotated')).attempts).toBe(1);
  });

  it(
    'keeps serving after every refusal: a valid release publishes, and only ' + 'published objects are in the bucket',
    async () => {
      const repo = await tagged({ 'README.md': '# Valid\n' });
      const body = await release('valid', repo);
      expect(body.status, body.error).toBe('published');

      const keys = await stack.registry.storage.list();
      const rows = await stack.registry.db.selectFrom('releaseFiles').select('storageKey').execute();
      expect(keys.sort()).toEqual(rows.map((row) => row.storageKey).sort());
      expect(
        keys.every((key) => /^archives\/(annotated|valid)\//.test(key)),
        keys.join('\n'),
      ).toBe(true);

      const counts = await stack.registry.queue.queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
      expect(counts).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    },
  );
});

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMIT_TIME, createRepo, readTarGz, readZip, type FileSpec, type TestRepo } from '@packhouse/testing';
import {
  archives,
  checkout,
  digestingStream,
  injectInfoYml,
  type Checkout,
  type Digests,
  type Release,
} from '../src/index.ts';
import { cleanUp, gitOptions, LIMITS, tempDir } from './git-fixtures.ts';

afterAll(cleanUp);

/** 2025-11-28T13:14:17Z: odd seconds and a time of day, to catch local-time DOS stamps. */
const TIME = COMMIT_TIME + 13 * 3600 + 14 * 60 + 17;
const LONG_DIR = `deep/${'d'.repeat(60)}/${'e'.repeat(60)}`;
const INFO_YML = "name: Foo\ntype: module\nversion: VERSION\ncore_version_requirement: '^10 || ^11'\n";

const FILES: Record<string, FileSpec> = {
  'foo.info.yml': INFO_YML,
  'modules/sub/sub.info.yml': 'name: Sub',
  'legacy/legacy.info': 'name = Legacy\n',
  'bin/run.sh': { content: '#!/bin/sh\necho hi\n', executable: true },
  'README.md': '# Foo\n',
  'docs/readme': { symlink: '../README.md' },
  [`${LONG_DIR}/ünïcode-файл.txt`]: 'long path\n',
  'src/Foo.php': '<?php\n',
};

const EXPECTED_NAMES = [
  'foo/',
  'foo/README.md',
  'foo/bin/',
  'foo/bin/run.sh',
  'foo/deep/',
  `foo/deep/${'d'.repeat(60)}/`,
  `foo/${LONG_DIR}/`,
  `foo/${LONG_DIR}/ünïcode-файл.txt`,
  'foo/docs/',
  'foo/docs/readme',
  'foo/foo.info.yml',
  'foo/legacy/',
  'foo/legacy/legacy.info',
  'foo/modules/',
  'foo/modules/sub/',
  'foo/modules/sub/sub.info.yml',
  'foo/src/',
  'foo/src/Foo.php',
];

const RELEASE: Release = { project: 'foo', version: '8.x-1.2', type: 'module' };

async function fooRepo(tagName = '8.x-1.2', annotated = false): Promise<TestRepo> {
  const repo = await createRepo(FILES, TIME);
  repo.tag(tagName, { annotated });
  return repo;
}

function checkoutOf(
  repo: TestRepo,
  ref: { tag: string } | { branch: string } = { tag: '8.x-1.2' },
  cacheDir?: string,
): Promise<Checkout> {
  return checkout({ project: 'foo', gitUrl: repo.url, ref, git: gitOptions(cacheDir), limits: LIMITS });
}

async function digestOf(stream: NodeJS.ReadableStream): Promise<Digests> {
  const { stream: digesting, digests } = digestingStream();
  const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  await pipeline(stream, digesting, sink);
  return digests;
}

async function packageDigests(co: Checkout, release = RELEASE): Promise<[Digests, Digests]> {
  const built = await archives(co, release);
  return Promise.all([digestOf(built.tarGz), digestOf(built.zip)]);
}

/** The DOS date/time fields for a UTC instant. */
function dos(unix: number): { date: number; time: number } {
  const d = new Date(unix * 1000);
  return {
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
  };
}

describe('checkout', () => {
  it('lists a sorted, validated tree with kinds, sizes and link targets', async () => {
    const repo = await fooRepo();
    const co = await checkoutOf(repo);
    expect(co.commit).toBe(repo.git('rev-parse', 'HEAD'));
    expect(co.commitTime).toBe(TIME);
    expect(co.entries.map((e) => e.path)).toEqual(EXPECTED_NAMES.slice(1).map((n) => n.slice(4).replace(/\/$/, '')));
    expect(co.entries.find((e) => e.path === 'bin/run.sh')).toMatchObject({ kind: 'executable', size: 18 });
    expect(co.entries.find((e) => e.path === 'docs/readme')).toMatchObject({
      kind: 'symlink',
      linkTarget: '../README.md',
    });
    expect(co.entries.find((e) => e.path === 'bin')).toMatchObject({ kind: 'directory', size: 0 });
  });

  it('peels annotated tags to their commit, dated by the commit not the tag', async () => {
    const repo = await fooRepo('8.x-1.3', true);
    repo.tag('8.x-1.4', { annotated: true, time: TIME + 86_400 });
    const co = await checkoutOf(repo, { tag: '8.x-1.4' });
    expect([co.commit, co.commitTime]).toEqual([repo.git('rev-parse', 'HEAD'), TIME]);
  });

  it('checks out a branch head, and fetches more refs into the same cache', async () => {
    const repo = await fooRepo();
    const cacheDir = tempDir();
    const branch = await checkoutOf(repo, { branch: 'main' }, cacheDir);
    const tagged = await checkoutOf(repo, { tag: '8.x-1.2' }, cacheDir);
    expect(branch.commit).toBe(repo.git('rev-parse', 'HEAD'));
    expect(tagged.repoDir).toBe(join(cacheDir, 'foo.git'));
    expect(branch.repoDir).toBe(tagged.repoDir);
  });
});

describe('archives', () => {
  it('packages a tag as tar.gz and zip with normalized, sorted entries and injected info files', async () => {
    const co = await checkoutOf(await fooRepo());
    const built = await archives(co, RELEASE);
    expect(built.baseName).toBe('foo-8.x-1.2');
    expect(built.coreCompatibility).toBe('^10 || ^11');
    const [tarBytes, zipBytes] = await Promise.all([buffer(built.tarGz), buffer(built.zip)]);

    const tarItems = await readTarGz(tarBytes);
    expect(tarItems.map((i) => i.name)).toEqual(EXPECTED_NAMES);
    for (const item of tarItems) {
      expect(item).toMatchObject({ uid: 0, gid: 0, uname: '', gname: '', mtime: TIME });
      const expected = item.name.endsWith('/')
        ? ['directory', 0o755]
        : item.name.endsWith('run.sh')
          ? ['file', 0o755]
          : item.name.endsWith('readme')
            ? ['symlink', 0o777]
            : ['file', 0o644];
      expect([item.type, item.mode], item.name).toEqual(expected);
    }
    const tarFile = (name: string) => tarItems.find((i) => i.name === `foo/${name}`)!;
    expect(tarFile('docs/readme').linkname).toBe('../README.md');
    const stamp = { project: 'foo', version: '8.x-1.2', datestamp: TIME };
    expect(tarFile('foo.info.yml').content.toString()).toBe(injectInfoYml(INFO_YML, stamp));
    expect(tarFile('foo.info.yml').content.toString()).toContain(
      "# version: VERSION\ncore_version_requirement: '^10 || ^11'\n\n# Information added by Packhouse packaging on 2025-11-28\nversion: '8.x-1.2'\nproject: 'foo'\ndatestamp: ",
    );
    expect(tarFile('modules/sub/sub.info.yml').content.toString()).toBe(
      `name: Sub\n\n# Information added by Packhouse packaging on 2025-11-28\nversion: '8.x-1.2'\nproject: 'foo'\ndatestamp: ${TIME}\n`,
    );
    expect(tarFile('legacy/legacy.info').content.toString()).toBe(
      `name = Legacy\n\n; Information added by Packhouse packaging on 2025-11-28\nversion = "8.x-1.2"\ncore = "8.x"\nproject = "foo"\ndatestamp = "${TIME}"\n`,
    );

    const zipItems = await readZip(zipBytes);
    expect(zipItems.map((i) => i.name)).toEqual(EXPECTED_NAMES);
    for (const [index, item] of zipItems.entries()) {
      const fromTar = tarItems[index]!;
      const type = { directory: 0o040000, file: 0o100000, symlink: 0o120000 }[fromTar.type as 'file'];
      expect(item.unixMode, item.name).toBe(type | fromTar.mode);
      expect({ date: item.dosDate, time: item.dosTime }, item.name).toEqual(dos(TIME));
      expect(item.content, item.name).toEqual(
        fromTar.type === 'symlink' ? Buffer.from(fromTar.linkname!) : fromTar.content,
      );
    }
  });

  it('extracts with the system tar and unzip: exec bit, symlink and long unicode path', async () => {
    const built = await archives(await checkoutOf(await fooRepo()), RELEASE);
    const [tarBytes, zipBytes] = await Promise.all([buffer(built.tarGz), buffer(built.zip)]);
    const fromTar = tempDir();
    execFileSync('tar', ['-xzf', '-', '-C', fromTar], { input: tarBytes });
    const fromZip = tempDir();
    writeFileSync(join(fromZip, 'foo.zip'), zipBytes);
    execFileSync('unzip', ['-q', 'foo.zip'], {
      cwd: fromZip,
      env: { PATH: process.env.PATH, TZ: 'UTC', LC_ALL: 'C.UTF-8' },
    });
    for (const dir of [fromTar, fromZip]) {
      expect(lstatSync(join(dir, 'foo/bin/run.sh')).mode & 0o777, dir).toBe(0o755);
      expect(readlinkSync(join(dir, 'foo/docs/readme'))).toBe('../README.md');
      expect(readFileSync(join(dir, 'foo/docs/readme'), 'utf8')).toBe('# Foo\n');
      expect(readFileSync(join(dir, `foo/${LONG_DIR}/ünïcode-файл.txt`), 'utf8')).toBe('long path\n');
      // DOS times have 2-second resolution.
      expect(Math.abs(lstatSync(join(dir, 'foo/README.md')).mtimeMs - TIME * 1000), dir).toBeLessThan(2000);
    }
    expect(lstatSync(join(fromTar, 'foo/README.md')).mtimeMs).toBe(TIME * 1000);
  });

  it('uses `project-version/` as the top folder for core', async () => {
    const repo = await createRepo({ 'core/core.info.yml': 'name: Core\n', 'index.php': '<?php\n' });
    repo.tag('10.2.1');
    const co = await checkout({
      project: 'drupal',
      gitUrl: repo.url,
      ref: { tag: '10.2.1' },
      git: gitOptions(),
      limits: LIMITS,
    });
    const built = await archives(co, { project: 'drupal', version: '10.2.1', type: 'core' });
    expect(built.baseName).toBe('drupal-10.2.1');
    expect(built.coreCompatibility).toBeNull();
    const items = await readZip(await buffer(built.zip));
    expect(items.map((i) => i.name)).toEqual([
      'drupal-10.2.1/',
      'drupal-10.2.1/core/',
      'drupal-10.2.1/core/core.info.yml',
      'drupal-10.2.1/index.php',
    ]);
    await buffer(built.tarGz);
  });

  it('is bit-identical across fresh caches and time zones', async () => {
    const repo = await fooRepo();
    const first = await packageDigests(await checkoutOf(repo));
    expect(await packageDigests(await checkoutOf(repo))).toEqual(first);

    const originalTz = process.env.TZ;
    try {
      const offsets = new Set<number>();
      for (const tz of ['UTC', 'Asia/Tokyo', 'America/New_York']) {
        process.env.TZ = tz;
        offsets.add(new Date(TIME * 1000).getTimezoneOffset());
        expect(await packageDigests(await checkoutOf(repo)), tz).toEqual(first);
      }
      expect(offsets.size, 'TZ changes must take effect in this process').toBe(3);
    } finally {
      if (originalTz === undefined) delete process.env.TZ;
      else process.env.TZ = originalTz;
    }
  });

  it('errors the archive streams when git cannot serve a blob', async () => {
    const co = await checkoutOf(await fooRepo());
    const tamper = (change: object): Checkout => ({
      ...co,
      entries: co.entries.map((e) => (e.path === 'README.md' ? { ...e, ...change } : e)),
    });
    const missing = await archives(tamper({ oid: 'f'.repeat(40) }), RELEASE);
    await expect(buffer(missing.tarGz)).rejects.toThrow(/missing/);
    await expect(buffer(missing.zip)).rejects.toThrow(/missing/);
    const resized = await archives(tamper({ size: 5 }), RELEASE);
    await expect(buffer(resized.tarGz)).rejects.toThrow(/tree listing said 5/);
    await expect(buffer(resized.zip)).rejects.toThrow(/tree listing said 5/);
  });

  it('can be destroyed midway, quietly', async () => {
    const big = randomBytes(4 * 1024 * 1024);
    const repo = await createRepo({ 'a.bin': big, 'b.bin': big });
    repo.tag('1.0.0');
    const co = await checkout({
      project: 'foo',
      gitUrl: repo.url,
      ref: { tag: '1.0.0' },
      git: gitOptions(),
      limits: LIMITS,
    });
    const built = await archives(co, { project: 'foo', version: '1.0.0', type: 'module' });
    for (const stream of [built.tarGz, built.zip]) {
      await new Promise<void>((resolve) => stream.once('data', () => resolve()));
      stream.destroy();
      await new Promise((resolve) => stream.once('close', resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  });
});

describe('digestingStream', () => {
  it('hashes exactly the bytes that pass through', async () => {
    const { stream, digests } = digestingStream();
    const out = buffer(stream);
    stream.write('a');
    stream.end('bc');
    expect((await out).toString()).toBe('abc');
    expect(await digests).toEqual({
      size: 3,
      md5: '900150983cd24fb0d6963f7d28e17f72',
      sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      sha512:
        'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    });
  });

  it('rejects when the stream fails', async () => {
    const { stream, digests } = digestingStream();
    stream.destroy(new Error('upload failed'));
    await expect(digests).rejects.toThrow('upload failed');
  });
});

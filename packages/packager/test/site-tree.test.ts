import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { readZip } from '@packhouse/testing';
import yauzl from 'yauzl';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ComponentZip,
  listDirectory,
  listTarGz,
  planDirectory,
  SiteTree,
  tarGz,
  unpackTarGz,
  zip,
  type ArchivePlan,
  type TreeSource,
} from '../src/index.ts';
import { cleanUp, LIMITS, tempDir } from './git-fixtures.ts';

afterAll(cleanUp);

const MTIME = 1_764_288_000;
const text = (seed: number) => Array.from({ length: 300 }, (_, i) => `line ${(i * seed) % 997} of ${seed}\n`).join('');

/** A folder of `files` (a name ending in `@` is a symlink to the content). */
function folder(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) {
    const target = path.join(dir, name.replace(/@$/, ''));
    mkdirSync(path.dirname(target), { recursive: true });
    if (name.endsWith('@')) symlinkSync(content, target);
    else writeFileSync(target, content, { mode: name.endsWith('.sh') ? 0o755 : 0o644 });
  }
  return dir;
}

/** A component's tarball and zip as Packhouse publishes them (sorted, under `top/`). */
async function published(top: string, files: Record<string, string>): Promise<{ tarball: string; zipFile: string }> {
  const plan = await planDirectory(folder(files), top, MTIME, LIMITS);
  const out = tempDir();
  const tarball = path.join(out, `${top}.tar.gz`);
  const zipFile = path.join(out, `${top}.zip`);
  writeFileSync(tarball, await buffer(tarGz(plan)));
  writeFileSync(zipFile, await buffer(zip(plan)));
  return { tarball, zipFile };
}

const bytes = async (plan: ArchivePlan) => ({ tar: await buffer(tarGz(plan)), zip: await buffer(zip(plan)) });

const CORE = {
  'index.php': '<?php\n',
  'core/lib/Drupal.php': text(3),
  'core/scripts/run.sh': '#!/bin/sh\n',
  'core/misc/a.js': text(5),
  'profiles/minimal/minimal.info.yml': 'name: Minimal\n',
  'profiles/standard/standard.info.yml': 'name: Standard\n',
  'sites/default/link@': '../../index.php',
};
const PROFILE = { 'atrium.info.yml': 'name: Atrium\n', 'atrium.profile': '<?php\n', 'modules/custom/x.php': text(7) };
const VIEWS = { 'views.info.yml': 'name: Views\n', 'src/Plugin/Views.php': text(11) };

describe('a site placed from component archives, never unpacked', () => {
  it('archives to the same bytes as the same components unpacked into one folder', async () => {
    const core = await published('drupal-10.2.1', CORE);
    const profile = await published('atrium', PROFILE);
    const views = await published('views', VIEWS);
    const parts: Array<[string, { tarball: string; zipFile: string }, string]> = [
      ['', core, 'drupal-10.2.1'],
      ['profiles/atrium', profile, 'atrium'],
      ['profiles/atrium/modules/contrib/views', views, 'views'],
    ];

    const site = tempDir();
    const tree = new SiteTree(LIMITS);
    const zips: ComponentZip[] = [];
    for (const [at, { tarball, zipFile }, top] of parts) {
      mkdirSync(path.join(site, at), { recursive: true });
      await unpackTarGz(createReadStream(tarball), path.join(site, at), { limits: LIMITS, strip: top });
      const listing = await listTarGz(tarball, { limits: LIMITS, strip: top });
      expect(listing.sorted).toBe(true);
      // Packhouse deflated these entries as it would now: copied, they are the same bytes.
      zips.push(ComponentZip.open(zipFile, top));
      tree.place(at, { kind: 'tarball', file: tarball, entries: listing.entries, zip: zips.at(-1)! });
    }
    // A library: a folder on disk.
    const library = folder({ 'chosen.js': text(13), 'LICENSE.md': 'MIT\n' });
    mkdirSync(path.join(site, 'profiles/atrium/libraries/chosen'), { recursive: true });
    for (const name of ['chosen.js', 'LICENSE.md'])
      writeFileSync(path.join(site, 'profiles/atrium/libraries/chosen', name), readFileSync(path.join(library, name)));
    tree.place('profiles/atrium/libraries/chosen', {
      kind: 'folder',
      entries: await listDirectory(library, LIMITS),
      zip: null,
    });

    const onDisk = await bytes(await planDirectory(site, 'atrium-1.0.0', MTIME, LIMITS));
    const placed = await bytes(tree.plan('', 'atrium-1.0.0', MTIME));
    expect(placed.tar.equals(onDisk.tar)).toBe(true);
    expect(placed.zip.equals(onDisk.zip)).toBe(true);
    const profileOnDisk = await bytes(await planDirectory(path.join(site, 'profiles/atrium'), 'atrium', MTIME, LIMITS));
    const profilePlaced = await bytes(tree.plan('profiles/atrium', 'atrium', MTIME));
    expect(profilePlaced.tar.equals(profileOnDisk.tar)).toBe(true);
    expect(profilePlaced.zip.equals(profileOnDisk.zip)).toBe(true);
    for (const opened of zips) opened.close();
  });

  it("copies the deflated entries of a component's zip, and deflates anew a file that changed", async () => {
    const component = tempDir();
    mkdirSync(path.join(component, 'comp/b'), { recursive: true });
    writeFileSync(path.join(component, 'comp/a.txt'), text(7));
    writeFileSync(path.join(component, 'comp/b/z.txt'), text(11));
    // Another deflater, another level: its bytes differ from what Packhouse would write.
    execFileSync('zip', ['-qr1', 'comp.zip', 'comp'], { cwd: component });
    // The component as a patch left it on disk: b/z.txt changed.
    const patched = folder({ 'a.txt': text(7), 'b/z.txt': `${text(11)}patched\n` });
    const componentZip = ComponentZip.open(path.join(component, 'comp.zip'), 'comp');
    const entries = await listDirectory(patched, LIMITS);
    const plan = (zipped: ComponentZip | null) => {
      const tree = new SiteTree(LIMITS);
      tree.place('', { kind: 'folder', entries, zip: zipped });
      return tree.plan('', 'site', MTIME);
    };
    const reused = await buffer(zip(plan(componentZip)));
    const fresh = await buffer(zip(plan(null)));
    componentZip.close();

    const source = await rawEntries(readFileSync(path.join(component, 'comp.zip')));
    const [withReuse, without] = [await rawEntries(reused), await rawEntries(fresh)];
    expect(withReuse.get('site/a.txt')!.equals(source.get('comp/a.txt')!)).toBe(true);
    expect(withReuse.get('site/a.txt')!.equals(without.get('site/a.txt')!)).toBe(false);
    expect(withReuse.get('site/b/z.txt')!.equals(without.get('site/b/z.txt')!)).toBe(true);
    const contents = (await readZip(reused)).map((e) => [e.name, e.content.toString('utf8')]);
    expect(contents).toEqual((await readZip(fresh)).map((e) => [e.name, e.content.toString('utf8')]));
    expect(contents).toContainEqual(['site/b/z.txt', `${text(11)}patched\n`]);
  });

  it('refuses a component landing on, or through, a file or link of another', async () => {
    const listed = async (files: Record<string, string>): Promise<TreeSource> => ({
      kind: 'folder',
      entries: await listDirectory(folder(files), LIMITS),
      zip: null,
    });
    const profile = await listed({ 'modules/contrib/views/views.info.yml': 'name: Mine\n', 'themes@': 'modules' });
    const tree = new SiteTree(LIMITS);
    tree.place('', profile);
    expect(() => tree.place('modules/contrib/views', { ...VIEWS_LISTED })).toThrow(
      expect.objectContaining({ rule: 'path_conflict', path: 'modules/contrib/views/views.info.yml' }),
    );
    expect(() => tree.place('themes/contrib/olivero', { ...VIEWS_LISTED })).toThrow(
      expect.objectContaining({ rule: 'path_conflict', path: 'themes' }),
    );
    // Folders are shared: a second component beside the first is fine.
    tree.place('modules/contrib/token', await listed({ 'token.info.yml': 'name: Token\n' }));
    expect(tree.has('modules/contrib/token/token.info.yml')).toBe(true);
  });

  it('keeps the limits over the whole site, and checks links within each archived folder', async () => {
    const small = new SiteTree({ ...LIMITS, maxFiles: 3 });
    expect(() => small.place('a/b', { ...VIEWS_LISTED })).toThrow(expect.objectContaining({ rule: 'too_many_files' }));

    const tree = new SiteTree(LIMITS);
    tree.place('', {
      kind: 'folder',
      entries: await listDirectory(folder({ 'index.php': '<?php\n', 'profiles/p/up@': '../../index.php' }), LIMITS),
      zip: null,
    });
    expect(tree.plan('', 'site', MTIME).items.map((i) => i.name)).toContain('site/profiles/p/up');
    // In the profile's own archive the same link would leave its folder.
    expect(() => tree.plan('profiles/p', 'p', MTIME)).toThrow(expect.objectContaining({ rule: 'symlink_escape' }));
  });

  it('says when a tarball is not sorted as Packhouse writes them (it is then unpacked instead)', async () => {
    const pack = tar.pack();
    pack.entry({ name: 'top/', type: 'directory' });
    pack.entry({ name: 'top/b.txt' }, 'x');
    pack.entry({ name: 'top/a.txt' }, 'x');
    pack.finalize();
    const file = path.join(tempDir(), 'unsorted.tar.gz');
    writeFileSync(file, await buffer(pack.pipe(createGzip())));
    const listing = await listTarGz(file, { limits: LIMITS, strip: 'top' });
    expect(listing.entries.map((e) => e.path)).toEqual(['b.txt', 'a.txt']);
    expect(listing.sorted).toBe(false);
  });
});

const VIEWS_LISTED: TreeSource = {
  kind: 'folder',
  entries: [
    { path: 'src', kind: 'directory', oid: '/nowhere/src', size: 0 },
    { path: 'views.info.yml', kind: 'file', oid: '/nowhere/views.info.yml', size: 12 },
  ],
  zip: null,
};

/** Each file entry's compressed bytes, as stored. */
async function rawEntries(bytes: Buffer): Promise<Map<string, Buffer>> {
  const zipFile = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, opened) => (error ? reject(error) : resolve(opened))),
  );
  const raw = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zipFile.on('entry', (entry: yauzl.Entry) => {
      if (entry.fileName.endsWith('/')) return zipFile.readEntry();
      zipFile.openReadStream(entry, { decompress: false, decrypt: null, start: null, end: null }, (error, stream) => {
        if (error) return reject(error);
        buffer(stream).then((data) => {
          raw.set(entry.fileName, data);
          zipFile.readEntry();
        }, reject);
      });
    });
    zipFile.on('end', resolve);
    zipFile.on('error', reject);
    zipFile.readEntry();
  });
  return raw;
}

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchGit as git } from './lib/git.ts';

/**
 * The distribution benchmark's inputs, generated deterministically: 30 contrib modules
 * (git repositories, ~40 files each), 3 libraries (a zip and two tarballs made with the
 * system's zip and tar), and the profile's make file naming them all and a core tag.
 */
export const MODULES = 30;
export const LIBRARIES = ['chosen', 'dompurify', 'codemirror'];

function filler(seed: number, bytes: number): string {
  let out = `<?php\n// generated ${seed}\n`;
  let n = seed;
  while (out.length < bytes) {
    n = (n * 1103515245 + 12345) % 2147483648;
    out += `function f${n}() { return ${n % 997} + strlen('${n.toString(36)}'); }\n`;
  }
  return out;
}

/** A git repository with `files`, committed and tagged once (kept between runs). */
function repo(dir: string, files: Record<string, string>, tag: string): string {
  if (existsSync(path.join(dir, '.git', 'bench-complete'))) return `file://${dir}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'Generated');
  git(dir, 'tag', tag);
  writeFileSync(path.join(dir, '.git', 'bench-complete'), '');
  return `file://${dir}`;
}

export function moduleRepos(root: string): Array<{ name: string; url: string; tag: string }> {
  return Array.from({ length: MODULES }, (_, i) => {
    const name = `contrib${i}`;
    const files: Record<string, string> = {
      [`${name}.info.yml`]: `name: Contrib ${i}\ntype: module\ncore_version_requirement: ^10\n`,
      [`${name}.module`]: '<?php\n',
    };
    for (let f = 0; f < 40; f++) files[`src/Plugin/P${f}.php`] = filler(i * 100 + f, 3000 + ((i * 37 + f * 11) % 9000));
    return { name, url: repo(path.join(root, 'modules', name), files, '1.0.0'), tag: '1.0.0' };
  });
}

export interface Library {
  name: string;
  file: string;
  bytes: Buffer;
  sha256: string;
}

export function libraries(root: string): Library[] {
  return LIBRARIES.map((name, i) => {
    const kind = i === 0 ? 'zip' : 'tar.gz';
    const dir = path.join(root, 'libraries', name);
    const file = path.join(root, 'libraries', `${name}.${kind}`);
    if (!existsSync(file)) {
      rmSync(dir, { recursive: true, force: true });
      for (let f = 0; f < 60; f++) {
        const target = path.join(dir, name, f % 3 === 0 ? 'dist' : 'src', `m${f}.js`);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, filler(i * 1000 + f, 8000).replace('<?php', '/* js */'));
      }
      if (kind === 'zip') execFileSync('zip', ['-qrX', file, name], { cwd: dir });
      else
        execFileSync(
          'bash',
          ['-c', `tar --sort=name --owner=0 --group=0 --mtime=@1764288000 -cf - ${name} | gzip -9 -n > "${file}"`],
          { cwd: dir },
        );
    }
    const bytes = readFileSync(file);
    return { name, file: `/${name}.${kind}`, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
}

export function makeFile(origin: string, modules: Array<{ name: string }>, libs: Library[]): string {
  return [
    'api = 2',
    'core = 10.x',
    'defaults[projects][subdir] = contrib',
    'projects[drupal][type] = core',
    'projects[drupal][version] = 10.0.0',
    ...modules.map((m) => `projects[${m.name}][version] = 1.0.0`),
    ...libs.flatMap((l) => [
      `libraries[${l.name}][download][type] = file`,
      `libraries[${l.name}][download][url] = ${origin}${l.file}`,
      `libraries[${l.name}][download][sha256] = ${l.sha256}`,
    ]),
    '',
  ].join('\n');
}

/** The profile's repository; each tag is one distribution release to build. */
export function profileRepo(root: string, make: string, tags: string[]): string {
  const dir = path.join(root, 'profile');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(
    path.join(dir, 'benchdist.info.yml'),
    'name: Bench distribution\ntype: profile\ncore_version_requirement: ^10\n',
  );
  writeFileSync(path.join(dir, 'benchdist.profile'), '<?php\n');
  writeFileSync(path.join(dir, 'drupal-org.make'), make);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'Profile');
  for (const tag of tags) {
    writeFileSync(path.join(dir, 'CHANGELOG.txt'), `${tag}\n`);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', tag);
    git(dir, 'tag', tag);
  }
  return `file://${dir}`;
}

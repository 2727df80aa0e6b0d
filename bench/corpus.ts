import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchGit } from './lib/git.ts';

/**
 * A Drupal-core-sized git repository, generated deterministically: about 9,000 files and
 * 50 MB, mostly PHP/JS/CSS/YAML-like text with a share of incompressible images.
 */
export interface Corpus {
  dir: string;
  url: string;
  tags: string[];
  files: number;
  bytes: number;
}

const WORDS = (
  'function return public protected private static array string int bool null true false this self ' +
  'namespace use class interface extends implements const new foreach if else elseif while try catch ' +
  'throw entity field node user config form state request response route cache render element ' +
  'plugin manager service container definition storage query condition value label description ' +
  'translation language module theme hook alter install update schema database connection select ' +
  'insert delete merge transaction exception message logger event dispatcher subscriber access ' +
  'permission account session token validate submit build process assert expected actual test'
).split(' ');

function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function text(random: () => number, bytes: number, ext: string): string {
  const lines: string[] = [ext === 'php' ? '<?php\n\nnamespace Drupal\\bench;\n' : `/* ${ext} */`];
  let size = lines[0]!.length;
  while (size < bytes) {
    const indent = '  '.repeat(Math.floor(random() * 4));
    const count = 3 + Math.floor(random() * 9);
    let line = indent;
    for (let i = 0; i < count; i++) line += WORDS[Math.floor(random() * WORDS.length)] + (random() < 0.15 ? '(' : ' ');
    line += random() < 0.5 ? ';' : ' {';
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n') + '\n';
}

export function ensureCorpus(root: string, { files = 9_000, megabytes = 50 } = {}): Corpus {
  const dir = path.join(root, `core-${files}-${megabytes}`);
  const tags = ['10.0.0', '10.0.1', '10.0.2', '10.0.3'];
  const url = `file://${dir}`;
  if (existsSync(path.join(dir, '.git', 'bench-complete')))
    return { dir, url, tags, files, bytes: megabytes * 1024 * 1024 };

  const random = prng(42);
  const git = (...args: string[]) => benchGit(dir, ...args);
  mkdirSync(dir, { recursive: true });
  git('init', '-q', '-b', 'main');

  const budget = megabytes * 1024 * 1024;
  const imageBudget = budget * 0.15; // images and fonts: incompressible
  const textBudget = budget - imageBudget;
  const images = Math.round(files * 0.04);
  const texts = files - images;
  const modules = 120;
  for (let i = 0; i < texts; i++) {
    const module = `mod${i % modules}`;
    const ext = ['php', 'php', 'php', 'js', 'css', 'yml', 'twig'][Math.floor(random() * 7)]!;
    const file =
      i < modules ? `core/modules/${module}/${module}.info.yml` : `core/modules/${module}/src/d${i % 17}/F${i}.${ext}`;
    const content =
      i < modules
        ? `name: Module ${i}\ntype: module\npackage: Core\nversion: VERSION\ncore_version_requirement: ^10\n`
        : text(random, Math.round((textBudget / texts) * (0.2 + random() * 1.6)), ext);
    mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  for (let i = 0; i < images; i++) {
    const file = `core/misc/images/i${i}.png`;
    const bytes = Buffer.alloc(Math.round((imageBudget / images) * (0.2 + random() * 1.6)));
    for (let b = 0; b < bytes.length; b++) bytes[b] = Math.floor(random() * 256);
    mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    writeFileSync(path.join(dir, file), bytes);
  }
  mkdirSync(path.join(dir, 'core/scripts'), { recursive: true });
  writeFileSync(path.join(dir, 'core/scripts/run-tests.sh'), '#!/bin/sh\nphp core/scripts/run-tests.php "$@"\n', {
    mode: 0o755,
  });
  writeFileSync(path.join(dir, 'core/core.info.yml'), 'name: Drupal core\ntype: core\nversion: VERSION\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'Drupal core (generated)');
  git('tag', tags[0]!);
  // Each later tag changes a handful of files, as a patch release does.
  for (const tag of tags.slice(1)) {
    writeFileSync(path.join(dir, 'core/CHANGELOG.txt'), `Release ${tag}\n`);
    git('add', '-A');
    git('commit', '-q', '-m', `Release ${tag}`);
    git('tag', tag);
  }
  git('gc', '-q');
  writeFileSync(path.join(dir, '.git', 'bench-complete'), '');
  return { dir, url, tags, files, bytes: budget };
}

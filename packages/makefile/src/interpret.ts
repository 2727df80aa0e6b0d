import type { Branch, Leaf, Node } from './tree.ts';
import type {
  MakeDownload,
  MakeFile,
  MakeLibrary,
  MakePatch,
  MakeProject,
  Origin,
  Problem,
  ProjectType,
} from './types.ts';

/**
 * Turns a parsed (and include-merged) tree into the typed model, refusing every key drush
 * make on drupal.org would not accept, by name, in drupal.org's wording.
 */
const TOP = ['core', 'api', 'projects', 'libraries', 'defaults', 'includes'];
const PROJECT = ['version', 'type', 'subdir', 'directory_name', 'patch', 'download'];
const PROJECT_DOWNLOAD = ['type', 'url', 'sha256', 'md5'];
const LIBRARY = ['download', 'destination', 'directory_name'];
const LIBRARY_DOWNLOAD = ['type', 'url', 'sha256', 'md5', 'subtree'];
const PATCH = ['url', 'md5', 'sha256'];
const TYPES: ProjectType[] = ['module', 'theme', 'profile', 'core'];

const PROJECT_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const LIBRARY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function interpret(tree: Branch, files: string[]): { makeFile: MakeFile; problems: Problem[] } {
  const problems: Problem[] = [];
  const problem = (origin: Origin, message: string) => problems.push({ origin, message });
  for (const [key, node] of tree.entries) {
    if (!TOP.includes(key)) problem(node.origin, `The top-level attribute '${key}' is not allowed.`);
  }
  const text = (node: Node | undefined, what: string): string | null => {
    if (node === undefined) return null;
    if (node.kind === 'leaf') return node.value;
    problem(node.origin, `${what} must be a single value, not a list of attributes.`);
    return null;
  };

  const apiNode = tree.entries.get('api');
  const apiText = text(apiNode, "The top-level attribute 'api'");
  if (apiNode === undefined) problem(tree.origin, "The top-level attribute 'api' is required; it must be 2.");
  else if (apiText !== null && apiText !== '2') problem(apiNode.origin, `The api must be 2, not '${apiText}'.`);

  const coreNode = tree.entries.get('core');
  const core = text(coreNode, "The top-level attribute 'core'");
  if (coreNode === undefined)
    problem(tree.origin, "The top-level attribute 'core' is required (a core line such as 7.x or 10.x).");
  else if (core !== null && !/^[1-9][0-9]*\.x$/.test(core))
    problem(coreNode.origin, `The core attribute must be a core line such as 7.x or 10.x, not '${core}'.`);

  const defaults = readDefaults(tree.entries.get('defaults'), problem);
  const projects = entriesOf(tree.entries.get('projects'), "The top-level attribute 'projects'", problem).flatMap(
    ([key, node]) => {
      const project = readProject(key, node, problem, text);
      return project ? [project] : [];
    },
  );
  const libraries = entriesOf(tree.entries.get('libraries'), "The top-level attribute 'libraries'", problem).flatMap(
    ([name, node]) => {
      const library = readLibrary(name, node, problem, text);
      return library ? [library] : [];
    },
  );

  return {
    makeFile: {
      api: apiText === '2' ? 2 : null,
      core: core !== null && /^[1-9][0-9]*\.x$/.test(core) ? core : null,
      projects,
      libraries,
      defaults,
      files,
    },
    problems,
  };
}

type Report = (origin: Origin, message: string) => void;
type Text = (node: Node | undefined, what: string) => string | null;

function entriesOf(node: Node | undefined, what: string, problem: Report): Array<[string, Node]> {
  if (node === undefined) return [];
  if (node.kind === 'leaf') {
    problem(node.origin, `${what} must list entries, not hold a single value.`);
    return [];
  }
  return [...node.entries];
}

function readDefaults(node: Node | undefined, problem: Report): MakeFile['defaults'] {
  const defaults: MakeFile['defaults'] = { projects: { subdir: null } };
  for (const [key, child] of entriesOf(node, "The top-level attribute 'defaults'", problem)) {
    if (key !== 'projects') {
      problem(child.origin, `The defaults attribute '${key}' is not allowed.`);
      continue;
    }
    for (const [attribute, value] of entriesOf(child, "The attribute 'defaults[projects]'", problem)) {
      if (attribute !== 'subdir')
        problem(value.origin, `The defaults attribute 'projects[${attribute}]' is not allowed.`);
      else if (value.kind === 'leaf' && checkPath(value, 'defaults[projects][subdir]', problem))
        defaults.projects.subdir = value.value;
    }
  }
  return defaults;
}

function readProject(key: string, node: Node, problem: Report, text: Text): MakeProject | null {
  // `projects[] = views` names a project without attributes; `projects[views] = 3.1` pins its version.
  const listed = /^\d+$/.test(key) && node.kind === 'leaf';
  const name = listed ? (node as Leaf).value : key;
  if (!PROJECT_NAME.test(name)) {
    problem(node.origin, `'${name}' is not a project's machine name (lowercase letters, digits and underscores).`);
    return null;
  }
  const project: MakeProject = {
    name,
    version: node.kind === 'leaf' && !listed ? node.value : null,
    type: null,
    subdir: null,
    directoryName: null,
    patches: [],
    download: null,
    origin: node.origin,
  };
  if (node.kind === 'leaf') return project;
  const of = `of project '${name}'`;
  for (const [attribute, value] of node.entries) {
    if (!PROJECT.includes(attribute)) {
      problem(value.origin, `The attribute '${attribute}' ${of} is not allowed.`);
      continue;
    }
    switch (attribute) {
      case 'version':
        project.version = text(value, `The attribute 'version' ${of}`);
        break;
      case 'type': {
        const type = text(value, `The attribute 'type' ${of}`);
        if (type !== null && !TYPES.includes(type as ProjectType)) {
          problem(value.origin, `The type ${of} must be one of ${TYPES.join(', ')}, not '${type}'.`);
        } else project.type = type as ProjectType | null;
        break;
      }
      case 'subdir':
        if (value.kind === 'leaf' && checkPath(value, `the subdir ${of}`, problem)) project.subdir = value.value;
        else text(value, `The attribute 'subdir' ${of}`);
        break;
      case 'directory_name':
        if (value.kind === 'leaf' && checkSegment(value, `the directory_name ${of}`, problem))
          project.directoryName = value.value;
        else text(value, `The attribute 'directory_name' ${of}`);
        break;
      case 'patch':
        project.patches = readPatches(value, of, problem);
        break;
      case 'download':
        project.download = readDownload(value, PROJECT_DOWNLOAD, of, problem);
        break;
    }
  }
  return project;
}

function readPatches(node: Node, of: string, problem: Report): MakePatch[] {
  if (node.kind === 'leaf') return [{ url: node.value, key: null, md5: null, sha256: null, origin: node.origin }];
  const patches: MakePatch[] = [];
  for (const [key, entry] of node.entries) {
    const named = node.list ? null : key;
    if (entry.kind === 'leaf') {
      patches.push({ url: entry.value, key: named, md5: null, sha256: null, origin: entry.origin });
      continue;
    }
    const patch: MakePatch = { url: '', key: named, md5: null, sha256: null, origin: entry.origin };
    for (const [attribute, value] of entry.entries) {
      if (!PATCH.includes(attribute)) problem(value.origin, `The patch attribute '${attribute}' ${of} is not allowed.`);
      else if (value.kind !== 'leaf')
        problem(value.origin, `The patch attribute '${attribute}' ${of} must be a single value.`);
      else if (attribute === 'url') patch.url = value.value;
      else if (checkDigest(value, attribute as 'md5' | 'sha256', `a patch ${of}`, problem))
        patch[attribute as 'md5' | 'sha256'] = value.value.toLowerCase();
    }
    if (patch.url === '') problem(entry.origin, `A patch ${of} has no url.`);
    else patches.push(patch);
  }
  return patches;
}

function readDownload(node: Node, allowed: string[], of: string, problem: Report): MakeDownload | null {
  const download: MakeDownload = { type: null, url: null, sha256: null, md5: null, subtree: null, origin: node.origin };
  if (node.kind === 'leaf') {
    problem(node.origin, `The download ${of} must list attributes (type, url, …), not a single value.`);
    return null;
  }
  for (const [attribute, value] of node.entries) {
    if (!allowed.includes(attribute)) {
      problem(value.origin, `The download attribute '${attribute}' ${of} is not allowed.`);
      continue;
    }
    if (value.kind !== 'leaf') {
      problem(value.origin, `The download attribute '${attribute}' ${of} must be a single value.`);
      continue;
    }
    if (attribute === 'md5' || attribute === 'sha256') {
      if (checkDigest(value, attribute, `the download ${of}`, problem)) download[attribute] = value.value.toLowerCase();
    } else if (attribute === 'subtree') {
      if (checkPath(value, `the download subtree ${of}`, problem)) download.subtree = value.value.replace(/\/+$/, '');
    } else download[attribute as 'type' | 'url'] = value.value;
  }
  return download;
}

function readLibrary(name: string, node: Node, problem: Report, text: Text): MakeLibrary | null {
  if (!LIBRARY_NAME.test(name)) {
    problem(node.origin, `'${name}' is not a library name (letters, digits, '.', '_' and '-').`);
    return null;
  }
  const library: MakeLibrary = { name, download: null, destination: null, directoryName: null, origin: node.origin };
  const of = `of library '${name}'`;
  if (node.kind === 'leaf') {
    problem(
      node.origin,
      `The library '${name}' must list attributes (download, destination, directory_name), not a single value.`,
    );
    return library;
  }
  for (const [attribute, value] of node.entries) {
    if (!LIBRARY.includes(attribute)) problem(value.origin, `The attribute '${attribute}' ${of} is not allowed.`);
    else if (attribute === 'download') library.download = readDownload(value, LIBRARY_DOWNLOAD, of, problem);
    else if (attribute === 'destination') {
      if (value.kind === 'leaf' && checkPath(value, `the destination ${of}`, problem))
        library.destination = value.value.replace(/\/+$/, '');
      else text(value, `The attribute 'destination' ${of}`);
    } else if (value.kind === 'leaf' && checkSegment(value, `the directory_name ${of}`, problem))
      library.directoryName = value.value;
    else text(value, `The attribute 'directory_name' ${of}`);
  }
  return library;
}

/** A relative folder inside the build: no absolute paths, no `..`, no hidden tricks. */
function checkPath(leaf: Leaf, what: string, problem: Report): boolean {
  const parts = leaf.value.replace(/\/+$/, '').split('/');
  if (leaf.value !== '' && parts.every((part) => SEGMENT.test(part) && part !== '..' && part !== '.')) return true;
  problem(
    leaf.origin,
    `${capitalize(what)} must be a relative folder inside the build (no '..', no leading '/'), not '${leaf.value}'.`,
  );
  return false;
}

function checkSegment(leaf: Leaf, what: string, problem: Report): boolean {
  if (SEGMENT.test(leaf.value) && leaf.value !== '..') return true;
  problem(leaf.origin, `${capitalize(what)} must be a single folder name, not '${leaf.value}'.`);
  return false;
}

function checkDigest(leaf: Leaf, kind: 'md5' | 'sha256', what: string, problem: Report): boolean {
  const pattern = kind === 'md5' ? /^[0-9a-fA-F]{32}$/ : /^[0-9a-fA-F]{64}$/;
  if (pattern.test(leaf.value)) return true;
  problem(
    leaf.origin,
    `The ${kind} of ${what} must be ${kind === 'md5' ? 32 : 64} hexadecimal digits, not '${leaf.value}'.`,
  );
  return false;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

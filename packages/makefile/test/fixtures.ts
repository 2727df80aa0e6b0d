/** One distribution's make file written in both syntaxes; they must read as the same model. */
export const INI = `; Packhouse test distribution
api = 2
core = 7.x

defaults[projects][subdir] = contrib

projects[drupal][type] = core
projects[drupal][version] = 7.59

projects[views][version] = 3.18
projects[views][patch][] = "https://libs.example.org/patches/views-fix.patch"

projects[ctools] = 1.14

projects[admin_theme][type] = theme
projects[admin_theme][version] = 7.x-1.2
projects[admin_theme][subdir] = custom
projects[admin_theme][directory_name] = admin
projects[admin_theme][patch][1234][url] = https://libs.example.org/patches/1234.patch
projects[admin_theme][patch][1234][sha256] = ${'a'.repeat(64)}

libraries[ckeditor][download][type] = file
libraries[ckeditor][download][url] = https://libs.example.org/ckeditor_4.5.zip
libraries[ckeditor][download][sha256] = ${'B'.repeat(64)}
libraries[ckeditor][directory_name] = ckeditor
libraries[chosen][download][type] = "file"
libraries[chosen][download][url] = 'https://libs.example.org/chosen.tar.gz'
libraries[chosen][download][md5] = ${'c'.repeat(32)}
libraries[chosen][download][subtree] = chosen/dist
libraries[chosen][destination] = libraries/js
`;

export const YAML = `# Packhouse test distribution
api: 2
core: 7.x

defaults:
  projects:
    subdir: contrib

projects:
  drupal:
    type: core
    version: 7.59

  views:
    version: 3.18
    patch:
      - "https://libs.example.org/patches/views-fix.patch"

  ctools: 1.14

  admin_theme:
    type: theme
    version: 7.x-1.2
    subdir: custom
    directory_name: admin
    patch:
      1234:
        url: https://libs.example.org/patches/1234.patch
        sha256: ${'a'.repeat(64)}

libraries:
  ckeditor:
    download:
      type: file
      url: https://libs.example.org/ckeditor_4.5.zip
      sha256: ${'B'.repeat(64)}
    directory_name: ckeditor
  chosen:
    download:
      type: "file"
      url: 'https://libs.example.org/chosen.tar.gz'
      md5: ${'c'.repeat(32)}
      subtree: chosen/dist
    destination: libraries/js
`;

/** A reader over an in-memory tree, as the build reads the profile's git tree. */
export function treeOf(files: Record<string, string>) {
  return async (path: string) => files[path] ?? null;
}

/** The model without where it came from: what must be equal across syntaxes. */
export function withoutOrigins(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutOrigins);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'origin' && key !== 'files')
        .map(([key, v]) => [key, withoutOrigins(v)]),
    );
  }
  return value;
}

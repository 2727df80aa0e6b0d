import type { FeedFile, FeedProject, FeedRelease } from '@packhouse/update-status';

/** The project behind the hand-written fixtures. */
export const project: FeedProject = {
  name: 'views_tools',
  title: 'Views Tools',
  type: 'module',
  creator: 'alice',
  status: 'published',
  securityCoverage: true,
  link: 'https://packhouse.test/project/views_tools',
  supportedBranches: ['7.x-2.', '7.x-3.', '8.x-1.', '2.0.'],
};

const FILES = 'https://packhouse.test/files/projects/views_tools';

export function files(version: string, md5: string, size: number, filedate: number): FeedFile[] {
  return [
    { url: `${FILES}-${version}.tar.gz`, archiveType: 'tar.gz', md5, size, filedate },
    {
      url: `${FILES}-${version}.zip`,
      archiveType: 'zip',
      md5: md5.split('').reverse().join(''),
      size: size + 100,
      filedate,
    },
  ];
}

export function release(version: string, overrides: Partial<FeedRelease> = {}): FeedRelease {
  return {
    version,
    tag: version.endsWith('-dev') ? version.slice(0, -'-dev'.length) : version,
    status: 'published',
    insecure: false,
    releaseTypes: [],
    releaseLink: `https://packhouse.test/project/views_tools/releases/${version}`,
    date: 1700000000,
    coreCompatibility: null,
    files: [],
    ...overrides,
  };
}

/** Deliberately out of order, mixing cores, so selection and sorting both show. */
export const releases: FeedRelease[] = [
  release('7.x-1.5', {
    insecure: true,
    releaseTypes: ['bugfix', 'security'],
    date: 1600000000,
    files: files('7.x-1.5', '11111111111111111111111111111111', 20480, 1600000000),
  }),
  release('2.0.0', {
    insecure: true,
    releaseTypes: ['feature'],
    date: 1700100000,
    coreCompatibility: '^9 || ^10',
    files: files('2.0.0', '44444444444444444444444444444444', 40960, 1700100000),
  }),
  release('7.x-2.x-dev', {
    releaseTypes: ['bugfix'],
    date: 1700000900,
    files: files('7.x-2.x-dev', '22222222222222222222222222222222', 30720, 1700000900).slice(0, 1),
  }),
  release('7.x-2.0', {
    releaseTypes: ['feature', 'bugfix'],
    date: 1650000000,
    files: files('7.x-2.0', '33333333333333333333333333333333', 30000, 1650000000),
  }),
  release('8.x-1.3', {
    releaseTypes: ['bugfix'],
    date: 1690000000,
    coreCompatibility: '^8 || ^9',
    files: files('8.x-1.3', '66666666666666666666666666666666', 25000, 1690000000),
  }),
  release('2.1.0-rc1', {
    releaseTypes: ['feature'],
    date: 1700300000,
    coreCompatibility: '^10',
    files: files('2.1.0-rc1', '77777777777777777777777777777777', 41000, 1700300000),
  }),
  release('7.x-3.0-alpha1', {
    releaseTypes: ['feature'],
    date: 1700000500,
    files: files('7.x-3.0-alpha1', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 31000, 1700000500),
  }),
  release('2.0.x-dev', {
    date: 1700400000,
    coreCompatibility: '^9 || ^10',
    files: files('2.0.x-dev', '88888888888888888888888888888888', 40000, 1700400000).slice(0, 1),
  }),
  release('2.0.1', {
    releaseTypes: ['security', 'bugfix'],
    date: 1700200000,
    coreCompatibility: '^9 || ^10',
    files: files('2.0.1', '55555555555555555555555555555555', 41960, 1700200000),
  }),
  release('7.x-2.1-beta1', {
    status: 'unpublished',
    releaseTypes: ['feature'],
    date: 1700000700,
    files: files('7.x-2.1-beta1', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 30800, 1700000700),
  }),
];

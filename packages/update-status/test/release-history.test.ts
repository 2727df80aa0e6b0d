import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  renderNotFound,
  renderReleaseHistory,
  type FeedProject,
  type FeedRelease,
  type FeedSelector,
} from '@packhouse/update-status';
import {
  child,
  childNames,
  FILE_ORDER,
  followsOrder,
  parseXml,
  PROJECT_ORDER,
  readLikeDrupal,
  RELEASE_ORDER,
  sample,
} from '@packhouse/testing/update-status';

const { files, project, release, releases } = sample;

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const render = (selector: FeedSelector, p: FeedProject = project, r = releases) => renderReleaseHistory(p, r, selector);

const SELECTORS: FeedSelector[] = [
  { kind: 'current' },
  { kind: 'all' },
  { kind: 'core', core: '7.x' },
  { kind: 'core', core: '8.x' },
  { kind: 'core', core: '6.x' },
];

describe('renderReleaseHistory matches the hand-written fixtures byte for byte', () => {
  it('legacy 7.x feed', () => {
    expect(render({ kind: 'core', core: '7.x' })).toBe(fixture('views_tools.7.x.xml'));
  });

  it('current feed', () => {
    expect(render({ kind: 'current' })).toBe(fixture('views_tools.current.xml'));
  });
});

describe.each(SELECTORS)('every feed is well-formed, in order and readable by Drupal (%j)', (selector) => {
  const xml = render(selector);

  it('keeps the project and release element order', () => {
    const root = parseXml(xml);
    expect(root.name).toBe('project');
    expect(root.attributes).toEqual({ 'xmlns:dc': 'http://purl.org/dc/elements/1.1/' });
    expect(followsOrder(childNames(root), PROJECT_ORDER)).toBe(true);
    for (const r of child(root, 'releases')?.children ?? []) {
      expect(r.name).toBe('release');
      expect(followsOrder(childNames(r), RELEASE_ORDER), childNames(r).join(',')).toBe(true);
      for (const f of child(r, 'files')?.children ?? []) expect(followsOrder(childNames(f), FILE_ORDER)).toBe(true);
    }
  });

  it('passes Drupal parseXml and ProjectRelease checks', () => {
    const drupal = readLikeDrupal(xml);
    expect(drupal.fields.short_name).toBe('views_tools');
  });

  it('prints the header elements that belong to this feed only', () => {
    const names = childNames(parseXml(xml));
    expect(names.includes('api_version')).toBe(selector.kind === 'core');
    expect(names.includes('supported_branches')).toBe(selector.kind === 'current');
  });

  it('prints core_compatibility in the current feed only', () => {
    expect(xml.includes('<core_compatibility>')).toBe(selector.kind === 'current');
  });
});

describe('which releases each feed lists, newest first', () => {
  const versions = (selector: FeedSelector) => [...readLikeDrupal(render(selector)).releases.keys()];

  it.each([
    [{ kind: 'current' }, ['2.1.0-rc1', '2.0.1', '2.0.0', '2.0.x-dev', '8.x-1.3']],
    [{ kind: 'core', core: '7.x' }, ['7.x-3.0-alpha1', '7.x-2.1-beta1', '7.x-2.0', '7.x-2.x-dev', '7.x-1.5']],
    [{ kind: 'core', core: '8.x' }, ['8.x-1.3']],
    [{ kind: 'core', core: '6.x' }, []],
    [
      { kind: 'all' },
      [
        '2.1.0-rc1',
        '2.0.1',
        '2.0.0',
        '2.0.x-dev',
        '8.x-1.3',
        '7.x-3.0-alpha1',
        '7.x-2.1-beta1',
        '7.x-2.0',
        '7.x-2.x-dev',
        '7.x-1.5',
      ],
    ],
  ] as Array<[FeedSelector, string[]]>)('%j', (selector, expected) => {
    expect(versions(selector)).toEqual(expected);
  });
});

describe('support: majors for Drupal 7, branches for Drupal 8+', () => {
  const header = (p: FeedProject, selector: FeedSelector) => readLikeDrupal(render(selector, p)).fields;

  it('recommends the highest supported major of the core and defaults to the lowest', () => {
    const p = { ...project, supportedBranches: ['7.x-3.', '8.x-4.', '7.x-1.', '2.0.', '7.x-2.', '7.x-1.'] };
    const fields = header(p, { kind: 'core', core: '7.x' });
    expect(fields).toMatchObject({
      api_version: '7.x',
      recommended_major: '3',
      supported_majors: '1,2,3',
      default_major: '1',
    });
    expect(header(p, { kind: 'core', core: '8.x' })).toMatchObject({
      recommended_major: '4',
      supported_majors: '4',
      default_major: '4',
    });
  });

  it('compares majors as numbers, not strings', () => {
    const p = { ...project, supportedBranches: ['7.x-10.', '7.x-9.'] };
    expect(header(p, { kind: 'core', core: '7.x' })).toMatchObject({
      recommended_major: '10',
      supported_majors: '9,10',
      default_major: '9',
    });
  });

  it('leaves the majors out when nothing on that core is supported, so Drupal 7 keeps the current major', () => {
    const fields = header({ ...project, supportedBranches: ['8.x-1.', '2.0.'] }, { kind: 'core', core: '7.x' });
    expect(fields.api_version).toBe('7.x');
    expect(fields).not.toHaveProperty('recommended_major');
    expect(fields).not.toHaveProperty('supported_majors');
    expect(fields).not.toHaveProperty('default_major');
  });

  it('lists the Drupal 8+ supported branches in the current feed, oldest first', () => {
    const p = { ...project, supportedBranches: ['3.', '2.1.', '7.x-2.', '8.x-1.', '2.0.'] };
    expect(header(p, { kind: 'current' }).supported_branches).toBe('8.x-1.,2.0.,2.1.,3.');
    expect(header({ ...project, supportedBranches: ['7.x-2.'] }, { kind: 'current' })).not.toHaveProperty(
      'supported_branches',
    );
  });

  it('supports every branch with a published release until the maintainer chooses', () => {
    const p = { ...project, supportedBranches: [] };
    const rendered = (r: FeedRelease[], selector: FeedSelector = { kind: 'current' }) =>
      readLikeDrupal(render(selector, p, r));
    const list = [
      release('2.1.0'),
      release('2.0.3'),
      release('2.0.x-dev'),
      release('8.x-1.0'),
      release('7.x-3.1'),
      release('7.x-1.2'),
      release('3.0.0', { status: 'unpublished' }),
    ];
    const current = rendered(list);
    expect(current.fields.supported_branches).toBe('8.x-1.,2.0.,2.1.');
    const unsupported = [...current.releases]
      .filter(([, r]) => r.terms['Release type']?.includes('Unsupported'))
      .map(([v]) => v);
    expect(unsupported).toEqual(['3.0.0']);
    expect(rendered(list, { kind: 'core', core: '7.x' }).fields).toMatchObject({
      recommended_major: '3',
      supported_majors: '1,3',
      default_major: '1',
    });
    // No release, no branch: nothing to print.
    expect(rendered([]).fields).not.toHaveProperty('supported_branches');
  });

  it('marks releases outside the supported branches Unsupported, dev releases included', () => {
    const p = { ...project, supportedBranches: ['2.0.'] };
    const drupal = readLikeDrupal(
      render({ kind: 'current' }, p, [
        release('2.0.3'),
        release('2.0.x-dev'),
        release('2.1.0'),
        release('2.1.x-dev'),
        release('8.x-1.0'),
      ]),
    );
    const unsupported = [...drupal.releases]
      .filter(([, r]) => r.terms['Release type']?.includes('Unsupported'))
      .map(([v]) => v);
    expect(unsupported).toEqual(['2.1.0', '2.1.x-dev', '8.x-1.0']);
  });

  it('matches supported branches by prefix, as Drupal does: "3." supports every 3.y release', () => {
    const p = { ...project, supportedBranches: ['3.', '8.x-1.'] };
    const drupal = readLikeDrupal(
      render({ kind: 'current' }, p, [
        release('3.1.0'),
        release('3.0.2'),
        release('3.x-dev'),
        release('2.0.3'),
        release('8.x-1.0'),
        release('8.x-10.0'),
      ]),
    );
    const unsupported = [...drupal.releases]
      .filter(([, r]) => r.terms['Release type']?.includes('Unsupported'))
      .map(([v]) => v);
    expect(unsupported).toEqual(['8.x-10.0', '2.0.3']);
  });
});

describe('release terms', () => {
  const termsOf = (r: ReturnType<typeof release>, p = project) =>
    readLikeDrupal(render({ kind: 'all' }, p, [r])).releases.get(r.version)?.terms['Release type'];

  it('lists release types as Security update, Bug fixes, New features whatever the input order', () => {
    expect(termsOf(release('2.0.1', { releaseTypes: ['feature', 'security', 'bugfix', 'security'] }))).toEqual([
      'Security update',
      'Bug fixes',
      'New features',
    ]);
  });

  it('adds Insecure after the release types', () => {
    expect(termsOf(release('2.0.1', { insecure: true, releaseTypes: ['bugfix'] }))).toEqual(['Bug fixes', 'Insecure']);
  });

  it('adds Insecure and Unsupported even without release types', () => {
    expect(termsOf(release('1.0.0', { insecure: true }))).toEqual(['Insecure', 'Unsupported']);
  });

  it('leaves <terms> out when there is nothing to say', () => {
    const xml = render({ kind: 'all' }, project, [release('2.0.1')]);
    const r = child(child(parseXml(xml), 'releases')!, 'release')!;
    expect(childNames(r)).not.toContain('terms');
  });
});

describe('security coverage', () => {
  const securityOf = (version: string, securityCoverage = true) => {
    const xml = render({ kind: 'all' }, { ...project, securityCoverage }, [release(version)]);
    return child(child(child(parseXml(xml), 'releases')!, 'release')!, 'security')!;
  };

  it.each([
    ['2.0.0', true, '1', "Covered by Drupal's security advisory policy"],
    ['7.x-2.0', true, '1', "Covered by Drupal's security advisory policy"],
    ['2.0.0-rc1', true, undefined, 'RC releases are not covered by Drupal security advisories.'],
    ['2.0.0-beta2', true, undefined, 'Beta releases are not covered by Drupal security advisories.'],
    ['2.0.0-alpha1', true, undefined, 'Alpha releases are not covered by Drupal security advisories.'],
    ['7.x-2.0-unstable4', true, undefined, 'Unstable releases are not covered by Drupal security advisories.'],
    ['2.0.x-dev', true, undefined, 'Dev releases are not covered by Drupal security advisories.'],
    ['3.x-dev', true, undefined, 'Dev releases are not covered by Drupal security advisories.'],
    ['2.0.0', false, undefined, 'Project has not opted into security advisory coverage!'],
    ['2.0.x-dev', false, undefined, 'Project has not opted into security advisory coverage!'],
    ['2.0.0-rc1', false, undefined, 'Project has not opted into security advisory coverage!'],
  ])('%s (project covered: %s)', (version, covered, attribute, text) => {
    const security = securityOf(version, covered);
    expect(security.attributes.covered).toBe(attribute);
    expect(security.text).toBe(text);
  });
});

describe('files', () => {
  it('prints a variant after filedate when given', () => {
    const r = release('1.0.0', {
      files: [
        {
          url: 'https://packhouse.test/d-1.0.0-core.tar.gz',
          archiveType: 'tar.gz',
          md5: 'ab',
          size: 3,
          filedate: 5,
          variant: 'core',
        },
      ],
    });
    const xml = render({ kind: 'all' }, { ...project, type: 'distribution' }, [r]);
    expect(xml).toMatch(/<filedate>5<\/filedate>\n\s+<variant>core<\/variant>\n\s+<\/file>/);
    expect(xml).toContain('<value>Distributions</value>');
    expect(xml).toContain('<type>project_distribution</type>');
  });

  it('takes download_link, mdhash and filesize from the tar.gz even when the zip comes first', () => {
    const [tarball, zip] = files('2.0.0', '0123456789abcdef0123456789abcdef', 10, 20);
    const fields = readLikeDrupal(
      render({ kind: 'all' }, project, [release('2.0.0', { files: [zip!, tarball!] })]),
    ).releases.get('2.0.0')!.fields;
    expect(fields).toMatchObject({ download_link: tarball!.url, mdhash: tarball!.md5, filesize: '10' });
  });

  it('leaves download fields and <files> out for a release without archives, and Drupal still reads it', () => {
    const xml = render({ kind: 'all' }, project, [release('2.0.0')]);
    const fields = readLikeDrupal(xml).releases.get('2.0.0')!.fields;
    for (const name of ['download_link', 'mdhash', 'filesize', 'files']) expect(fields).not.toHaveProperty(name);
    expect(fields.date).toBe('1700000000');
  });
});

describe('escaping hostile text', () => {
  const hostile = `<script>alert("x")</script>&'`;
  const p: FeedProject = {
    ...project,
    title: hostile,
    creator: `"><dc:creator>`,
    link: 'https://packhouse.test/p?a=1&b=<2>',
  };
  const r = release('2.0.0', {
    tag: `2.0.0"&`,
    releaseLink: `https://packhouse.test/r?x="1"&y='2'`,
    coreCompatibility: '>=9 <11 || <>10.0.0', // a valid constraint (others are left out) that still needs escaping
    files: [
      {
        url: 'https://packhouse.test/f.tar.gz?a=1&b=2',
        archiveType: 'tar.gz',
        md5: '<md5>',
        size: 1,
        filedate: 1,
        variant: `'&'`,
      },
    ],
  });
  const xml = render({ kind: 'current' }, p, [r]);

  it('escapes &, <, >, " and \' in text', () => {
    expect(xml).toContain('<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&apos;</title>');
    expect(xml).toContain('<dc:creator>&quot;&gt;&lt;dc:creator&gt;</dc:creator>');
    expect(xml).not.toContain('<script>');
  });

  it('round-trips every value through an XML parser', () => {
    const drupal = readLikeDrupal(xml);
    expect(drupal.fields).toMatchObject({ title: hostile, 'dc:creator': `"><dc:creator>`, link: p.link });
    expect(drupal.releases.get('2.0.0')?.fields).toMatchObject({
      tag: `2.0.0"&`,
      release_link: r.releaseLink,
      core_compatibility: r.coreCompatibility,
      download_link: 'https://packhouse.test/f.tar.gz?a=1&b=2',
      mdhash: '<md5>',
    });
  });

  it('replaces characters XML cannot carry, so one title cannot break the feed', () => {
    const broken = renderReleaseHistory({ ...project, title: 'a\u0000b\u001bc\ud800d\uffffe' }, [], {
      kind: 'current',
    });
    expect(readLikeDrupal(broken).fields.title).toBe('a\ufffdb\ufffdc\ufffdd\ufffde');
    const kept = renderReleaseHistory({ ...project, title: 'tab\there, é, 😀' }, [], { kind: 'current' });
    expect(readLikeDrupal(kept).fields.title).toBe('tab\there, é, 😀');
  });

  it('escapes the name in the not-found document', () => {
    expect(renderNotFound(`a"<&>'`)).toContain('(a&quot;&lt;&amp;&gt;&apos;)');
  });
});

describe('renderNotFound', () => {
  it('answers like updates.drupal.org for an unknown project', () => {
    expect(renderNotFound('nope')).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n<error>No release history was found for the requested project (nope).</error>\n',
    );
  });

  it('is not project data: Drupal discards it for lack of short_name', () => {
    expect(parseXml(renderNotFound('nope')).name).toBe('error');
    expect(() => readLikeDrupal(renderNotFound('nope'))).toThrow(/short_name/);
  });
});

describe('the reader enforces Drupal rules (so the tests above mean something)', () => {
  const good = render({ kind: 'all' }, project, [release('2.0.0')]);

  it.each([
    ['status', good.replace('<status>published</status>', '<status>draft</status>'), /status is draft/],
    [
      'release_link',
      good.replace(/<release_link>[^<]*<\/release_link>/, '<release_link></release_link>'),
      /release_link/,
    ],
    ['version', good.replace('<version>2.0.0</version>', ''), /version missing/],
    ['short_name', good.replace('<short_name>views_tools</short_name>', ''), /short_name/],
    ['well-formedness', good.replace('</releases>', ''), /unexpected|unclosed/],
    ['bare ampersand', good.replace('Views Tools', 'A & B'), /bare &/],
  ])('rejects a feed without a valid %s', (_, xml, message) => {
    expect(() => readLikeDrupal(xml)).toThrow(message);
  });

  it('refuses a release whose version was never valid', () => {
    expect(() => render({ kind: 'all' }, project, [release('1.0')])).toThrow(/rule semantic_format/);
  });
});

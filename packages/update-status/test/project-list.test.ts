import { describe, expect, it } from 'vitest';
import { renderProjectList } from '@packhouse/update-status';
import { child, childNames, parseXml, sample } from '@packhouse/testing/update-status';

const { project } = sample;

describe('renderProjectList', () => {
  const xml = renderProjectList([
    { ...project, apiVersions: ['7.x', '8.x'] },
    {
      ...project,
      name: 'drupal',
      title: 'Drupal core',
      type: 'core',
      creator: 'Drupal',
      link: 'https://packhouse.test/project/drupal',
      apiVersions: [],
    },
    {
      ...project,
      name: 'olivero_plus',
      title: 'Olivero <Plus> & "more"',
      type: 'theme',
      status: 'unsupported',
      apiVersions: ['current'],
    },
  ]);

  it('prints each project in updates.drupal.org order', () => {
    expect(xml).toBe(`<?xml version="1.0" encoding="utf-8"?>
<projects xmlns:dc="http://purl.org/dc/elements/1.1/">
  <project>
    <title>Views Tools</title>
    <short_name>views_tools</short_name>
    <link>https://packhouse.test/project/views_tools</link>
    <dc:creator>alice</dc:creator>
    <type>project_module</type>
    <project_status>published</project_status>
    <api_versions>
      <api_version>7.x</api_version>
      <api_version>8.x</api_version>
    </api_versions>
    <terms>
      <term><name>Projects</name><value>Modules</value></term>
    </terms>
  </project>
  <project>
    <title>Drupal core</title>
    <short_name>drupal</short_name>
    <link>https://packhouse.test/project/drupal</link>
    <dc:creator>Drupal</dc:creator>
    <type>project_core</type>
    <project_status>published</project_status>
    <terms>
      <term><name>Projects</name><value>Drupal project</value></term>
    </terms>
  </project>
  <project>
    <title>Olivero &lt;Plus&gt; &amp; &quot;more&quot;</title>
    <short_name>olivero_plus</short_name>
    <link>https://packhouse.test/project/views_tools</link>
    <dc:creator>alice</dc:creator>
    <type>project_theme</type>
    <project_status>unsupported</project_status>
    <api_versions>
      <api_version>current</api_version>
    </api_versions>
    <terms>
      <term><name>Projects</name><value>Themes</value></term>
    </terms>
  </project>
</projects>
`);
  });

  it('is well-formed and round-trips hostile titles', () => {
    const root = parseXml(xml);
    expect(root.children.map((p) => child(p, 'title')?.text)).toEqual([
      'Views Tools',
      'Drupal core',
      'Olivero <Plus> & "more"',
    ]);
    expect(childNames(root.children[0]!)).toEqual([
      'title',
      'short_name',
      'link',
      'dc:creator',
      'type',
      'project_status',
      'api_versions',
      'terms',
    ]);
  });

  it('renders an empty list as an empty document', () => {
    expect(parseXml(renderProjectList([])).children).toEqual([]);
  });
});

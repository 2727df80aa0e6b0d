import { createHash } from 'node:crypto';
import type { Component } from './components.ts';

export interface SbomSubject {
  name: string;
  version: string;
  commit: string;
  /** Unix seconds: the tag's commit time, so a rebuild writes the same document. */
  time: number;
  /** The profile-only tarball: the distribution's own bytes. */
  profile: { url: string; sha256: string };
}

/**
 * The distribution's bill of materials, CycloneDX 1.5 JSON: every component with its
 * version, where its bytes came from, their sha256 and the make-file line that asked for
 * it; patches also as the pedigree of the component they changed. Deterministic: the same
 * build writes the same bytes (serial number derived from the release, time from its tag).
 */
export function cycloneDx(subject: SbomSubject, components: Component[]): string {
  const root = `distribution:${subject.name}`;
  const ref = (component: Component) =>
    `${component.kind}:${component.appliedTo ? `${component.appliedTo}:` : ''}${component.name}`;
  const patchesOf = (name: string) => components.filter((c) => c.kind === 'patch' && c.appliedTo === name);
  const document = {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${uuidFrom(`${subject.name}\n${subject.version}\n${subject.commit}`)}`,
    version: 1,
    metadata: {
      timestamp: new Date(subject.time * 1000).toISOString().replace('.000Z', 'Z'),
      tools: { components: [{ type: 'application', name: 'Packhouse' }] },
      component: {
        type: 'application',
        'bom-ref': root,
        name: subject.name,
        version: subject.version,
        hashes: [{ alg: 'SHA-256', content: subject.profile.sha256 }],
        externalReferences: [{ type: 'distribution', url: subject.profile.url }],
        properties: [{ name: 'packhouse:commit', value: subject.commit }],
      },
    },
    components: components.map((component) => {
      const patches = component.kind === 'patch' ? [] : patchesOf(component.name);
      return {
        type: component.kind === 'core' ? 'framework' : component.kind === 'patch' ? 'file' : 'library',
        'bom-ref': ref(component),
        name: component.name,
        ...(component.version !== null && { version: component.version }),
        hashes: [{ alg: 'SHA-256', content: component.sha256 }],
        externalReferences: [{ type: 'distribution', url: component.sourceUrl }],
        ...(patches.length > 0 && {
          pedigree: { patches: patches.map((patch) => ({ type: 'unofficial', diff: { url: patch.sourceUrl } })) },
        }),
        properties: [
          { name: 'packhouse:kind', value: component.kind },
          { name: 'packhouse:make-file', value: `${component.origin.file}:${component.origin.line}` },
          ...(component.path !== null ? [{ name: 'packhouse:path', value: component.path }] : []),
          ...(component.appliedTo !== null ? [{ name: 'packhouse:applied-to', value: component.appliedTo }] : []),
        ],
      };
    }),
    dependencies: [{ ref: root, dependsOn: components.filter((c) => c.kind !== 'patch').map(ref) }],
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** A name-based (version 5 layout) UUID from SHA-256 of `text`. */
function uuidFrom(text: string): string {
  const bytes = createHash('sha256').update(text).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

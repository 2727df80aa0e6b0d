/** A pre-release marker from the `extra` part, ranked unstable < alpha < beta < rc. */
export type PreRelease = { kind: 'unstable' | 'alpha' | 'beta' | 'rc'; number: number } | null;

/**
 * A parsed Drupal version. The number fields follow updates.drupal.org's
 * `version_*` fields exactly, so the feed can print them as they are:
 *
 * | raw             | core  | major | minor | patch | extra   |
 * | --------------- | ----- | ----- | ----- | ----- | ------- |
 * | `7.x-2.3-beta2` | `7.x` | 2     | null  | 3     | `beta2` |
 * | `7.x-1.x-dev`   | `7.x` | 1     | null  | null  | `dev`   |
 * | `10.2.1`        | null  | 10    | 2     | 1     | null    |
 * | `2.0.x-dev`     | null  | 2     | 0     | null  | `dev`   |
 * | `3.x-dev`       | null  | 3     | null  | null  | `dev`   |
 *
 * Legacy versions have no minor: their second number is the "patch".
 */
export interface Version {
  /** The string as given. */
  raw: string;
  /** `7.x` for legacy `7.x-1.2`; null for semantic versions and `{major}.x-dev`. */
  core: string | null;
  major: number;
  minor: number | null;
  patch: number | null;
  /** `beta2`, `rc1`, `dev`, or null for a stable release. */
  extra: string | null;
  preRelease: PreRelease;
  /** A branch snapshot (`…x-dev`), not a tagged release. */
  isDev: boolean;
}

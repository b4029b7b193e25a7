import semver from 'semver';

/** Versions may be semver, date stamps, commit hashes or counters. */
export const versionPattern = '^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$';

/**
 * Orders a service's artifacts oldest first. When every version is semver they sort as semver;
 * otherwise (date stamps, hashes, counters, or a mix) registration order is the only order that
 * means something.
 */
export function sortByVersion<T extends { version: string }>(artifacts: T[]): T[] {
  if (artifacts.length > 0 && artifacts.every((a) => semver.valid(a.version, { loose: false }))) {
    return [...artifacts].sort((a, b) => semver.compare(a.version, b.version));
  }
  return artifacts;
}

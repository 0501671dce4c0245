/**
 * Semantic Versioning 2.0.0 parsing and precedence, with LaunchDarkly's leniency: a version with a
 * missing minor or patch ("1", "1.2", "1.2-beta.1") is read as if the missing parts were 0. A leading
 * "v", leading zeros in numeric parts, empty identifiers and anything else outside the grammar are
 * refused. Build metadata (`+...`) is accepted and ignored for precedence.
 */

export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Pre-release identifiers; numeric ones are numbers (compared numerically), others strings. */
  readonly prerelease: readonly (string | number)[];
}

// major(.minor(.patch)?)?(-prerelease)?(+build)?
const SEMVER_RE = new RegExp(
  [
    '^(0|[1-9]\\d*)',
    '(?:\\.(0|[1-9]\\d*))?',
    '(?:\\.(0|[1-9]\\d*))?',
    '(?:-((?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*))*))?',
    '(?:\\+([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?$',
  ].join(''),
);

const MAX_SEMVER_LENGTH = 256;

/** Parse a version string; `undefined` when it is not a (lenient) semantic version. */
export function parseSemVer(input: string): SemVer | undefined {
  if (input.length > MAX_SEMVER_LENGTH) return undefined;
  const m = SEMVER_RE.exec(input);
  if (m === null) return undefined;
  const major = Number(m[1]);
  const minor = m[2] === undefined ? 0 : Number(m[2]);
  const patch = m[3] === undefined ? 0 : Number(m[3]);
  if (!Number.isSafeInteger(major) || !Number.isSafeInteger(minor) || !Number.isSafeInteger(patch)) return undefined;
  const prerelease: (string | number)[] = [];
  if (m[4] !== undefined) {
    for (const id of m[4].split('.')) {
      if (/^\d+$/.test(id)) {
        const n = Number(id);
        if (!Number.isSafeInteger(n)) return undefined;
        prerelease.push(n);
      } else {
        prerelease.push(id);
      }
    }
  }
  return { major, minor, patch, prerelease };
}

/** Semver 2.0 precedence: negative if a < b, 0 if equal precedence, positive if a > b. */
export function compareSemVer(a: SemVer, b: SemVer): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  const pa = a.prerelease;
  const pb = b.prerelease;
  // A version without pre-release identifiers has higher precedence than one with them.
  if (pa.length === 0) return pb.length === 0 ? 0 : 1;
  if (pb.length === 0) return -1;
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const xn = typeof x === 'number';
    const yn = typeof y === 'number';
    // Numeric identifiers always have lower precedence than alphanumeric ones.
    if (xn && !yn) return -1;
    if (!xn && yn) return 1;
    // Both numeric: numerically; both alphanumeric: lexically in ASCII order.
    return x < y ? -1 : 1;
  }
  return pa.length === pb.length ? 0 : pa.length < pb.length ? -1 : 1;
}

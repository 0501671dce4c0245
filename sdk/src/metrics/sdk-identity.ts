import { readFileSync } from 'node:fs';

export const SDK_NAME = '@switchyard/sdk';

/**
 * The SDK's version, from its package.json: two levels up from this file both in the sources
 * (sdk/src/metrics/) and in the built package (sdk/dist/metrics/).
 */
export const SDK_VERSION: string = (() => {
  try {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof version === 'string' && version.length > 0 && version.length <= 50 ? version : 'unknown';
  } catch {
    return 'unknown';
  }
})();

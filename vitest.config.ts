import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const sdkSource = (entry: string) => fileURLToPath(new URL(`./sdk/src/${entry}`, import.meta.url));

export default defineConfig({
  // Tests run the SDK from its TypeScript source (the package's `switchyard-source` condition), so
  // one copy of the engine serves the tests and the server code they load.
  resolve: {
    alias: [
      { find: /^@switchyard\/sdk$/, replacement: sdkSource('index.ts') },
      { find: /^@switchyard\/sdk\/(schema|openfeature|engine|model)$/, replacement: sdkSource('$1/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});

import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// `npm run dev -w @switchyard/console` serves the console with hot reload and forwards the API to a
// server started with `npm start` (or `npm run dev`) on port 4242.
const server = 'http://127.0.0.1:4242';

export default defineConfig({
  plugins: [react()],
  // The console checks clause values with the SDK's own model (@switchyard/sdk/model), read from its
  // TypeScript source so that the console never waits on, or disagrees with, a stale sdk/dist.
  resolve: { conditions: ['switchyard-source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The server's CSP allows no inline script: keep every script in a file.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: { proxy: { '/api': server, '/docs': server } },
});

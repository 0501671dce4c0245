import { type Config, ConfigError, loadConfig } from './config/config.ts';
import { type RunningServer, startServer } from './server.ts';

/** Past this, a shutdown that hangs (a stuck connection) ends with exit code 1 rather than never. */
const SHUTDOWN_TIMEOUT_MS = 25_000;

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

let server: RunningServer | null = null;
let stopRequestedAt: number | null = null;
/**
 * `npm start` relays signals to its child, and Ctrl-C reaches the whole process group, so
 * one request to stop can arrive here several times within milliseconds: only a later one forces.
 */
const REPEAT_SIGNAL_GRACE_MS = 1000;

async function shutdown(): Promise<never> {
  const timer = setTimeout(() => {
    process.stderr.write('Shutdown timed out; exiting.\n');
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS);
  timer.unref();
  await server?.close();
  process.stdout.write('Switchyard stopped.\n');
  process.exit(0);
}

// Installed before starting so that a signal during start-up still stops the embedded database.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopRequestedAt !== null) {
      if (Date.now() - stopRequestedAt < REPEAT_SIGNAL_GRACE_MS) return;
      process.stderr.write(`Received ${signal} again; exiting without finishing the shutdown.\n`);
      process.exit(1);
    }
    stopRequestedAt = Date.now();
    process.stdout.write(`Received ${signal}; shutting down (send it again to force)...\n`);
    if (server) void shutdown();
  });
}

try {
  server = await startServer(config);
} catch (error) {
  process.stderr.write(`Switchyard failed to start: ${(error as Error).message}\n`);
  if (config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace') process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
}
if (stopRequestedAt !== null) await shutdown();

/**
 * The Switchyard SDK client with evaluation counting on: `client.isEnabled(key, ctx)`. It has a `url`
 * (so metrics are on by default) that nothing listens on, polling only, with intervals far longer than
 * a run, so it counts every evaluation and sends nothing while the loop is timed.
 */
import { runChild } from '../child.ts';
import { clientSystem } from '../client-system.ts';

const NEVER_MS = 1_000_000_000;

await runChild(
  clientSystem('switchyard-client-metrics', 'client.isEnabled(key, ctx), same client counting evaluations (sendMetrics: true), sync', {
    url: 'http://127.0.0.1:9',
    sdkKey: 'bench-sdk-key',
    streaming: false,
    pollIntervalMs: NEVER_MS,
    metricsIntervalMs: NEVER_MS,
  }),
);

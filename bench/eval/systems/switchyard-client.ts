/** The Switchyard SDK client, offline (bootstrapped with the bench snapshot), metrics off: `client.isEnabled(key, ctx)`. */
import { runChild } from '../child.ts';
import { clientSystem } from '../client-system.ts';

await runChild(
  clientSystem('switchyard-client', 'client.isEnabled(key, ctx), offline client (bootstrap), sendMetrics: false, sync', {
    sendMetrics: false,
  }),
);

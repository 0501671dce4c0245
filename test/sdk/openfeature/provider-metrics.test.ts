/**
 * Through OpenFeature, evaluations are counted by the provider's Switchyard client like any other, and
 * OpenFeature's tracking API (`client.track(name, context, { value })`) is the client's track(): its
 * value counts, its other details are not sent.
 */
import { createHmac } from 'node:crypto';
import { OpenFeature } from '@openfeature/server-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluate, prepareSnapshot } from '../../../sdk/src/engine/index.ts';
import type { FlagDefinition } from '../../../sdk/src/model/index.ts';
import { SwitchyardProvider } from '../../../sdk/src/openfeature/index.ts';
import { silentLogger } from '../../helpers/silent-logger.ts';
import { booleanFlag, snapshotOf } from '../client/protocol-server.ts';
import { evaluationCounts, MetricsServer } from '../metrics/metrics-server.ts';

const checkout: FlagDefinition = {
  ...booleanFlag('new-checkout', true),
  salt: 'checkout-salt',
  fallthrough: {
    rollout: {
      variations: [
        { variation: 0, weight: 50_000 },
        { variation: 1, weight: 50_000 },
      ],
    },
  },
  guardedMetrics: ['purchase'],
};
const rules = snapshotOf(4, [checkout, { ...booleanFlag('copy', true), kind: 'string', variations: ['Buy now', 'Order'] }]);

let server: MetricsServer | undefined;
afterEach(async () => {
  await OpenFeature.close();
  await server?.close();
  server = undefined;
});

describe('SwitchyardProvider metrics', () => {
  it('counts evaluations made through OpenFeature and tracks events with their value', async () => {
    server = await MetricsServer.start(rules);
    const provider = new SwitchyardProvider({ url: server.url, sdkKey: 'sdk-key', streaming: false, logger: silentLogger });
    await OpenFeature.setProviderAndWait('metrics', provider);
    const client = OpenFeature.getClient('metrics');
    const served = evaluate(prepareSnapshot(rules), 'new-checkout', { key: 'user-7' }, false).variationIndex!;

    await client.getBooleanValue('new-checkout', false, { targetingKey: 'user-7', email: 'seven@private.example' });
    await client.getBooleanValue('new-checkout', false, { targetingKey: 'user-7' });
    await client.getStringValue('copy', 'Buy now', { targetingKey: 'user-7' });
    await client.getNumberValue('copy', 3, { targetingKey: 'user-7' });
    await client.getBooleanValue('missing', false, { targetingKey: 'user-7' });
    client.track('purchase', { targetingKey: 'user-7', email: 'seven@private.example' }, { value: 42, currency: 'EUR' });
    client.track('purchase', { targetingKey: 'user-8' });
    client.track('purchase', {}, { value: 1 });

    await OpenFeature.close();
    expect(server.invalid).toEqual([]);
    expect(server.reports).toHaveLength(1);
    const [report] = server.reports;
    expect(evaluationCounts([report!])).toEqual({
      [`new-checkout/${served}`]: 2,
      'copy/1': 1,
      'copy/WRONG_TYPE': 1,
      'missing/FLAG_NOT_FOUND': 1,
    });
    expect(report!.events).toEqual([{ key: 'purchase', count: 2, valueCount: 1, sum: 42, sumSquares: 1764 }]);
    expect(report!.dropped.events).toBe(1);
    const hash = (key: string) => createHmac('sha256', 'checkout-salt').update(key).digest('hex').slice(0, 16);
    const mine = report!.guarded.find((g) => g.variation === served)!;
    expect(mine.exposures).toEqual([hash('user-7')]);
    expect(mine.metrics[0]!.contexts).toContain(hash('user-7'));
    expect(server.posts[0]!.body).not.toMatch(/user-7|user-8|private\.example|EUR/);
  });
});

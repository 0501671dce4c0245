/**
 * Guarded-release traffic as an SDK reports it: one POST /sdk/metrics (the real ingestion and fold)
 * saying which contexts were served each variation of a guarded flag and which of them tracked a
 * binary metric. Contexts are 64-bit hashes as the SDK sends them; `batch` keeps reports apart.
 */
import { randomUUID } from 'node:crypto';
import type { MetricsReport } from '@switchyard/sdk/model';
import { expect } from 'vitest';
import type { TestApp } from '../../helpers/app.ts';

export type ArmTraffic = { variation: number; contexts: number; withEvent: number };

const contextHash = (batch: number, variation: number, i: number) =>
  `${batch.toString(16).padStart(4, '0')}${variation.toString(16).padStart(2, '0')}${i.toString(16).padStart(10, '0')}`;

export async function reportGuardedTraffic(
  t: Pick<TestApp, 'request'>,
  o: { serverKey: string; flagKey: string; metricKey: string; batch: number; arms: ArmTraffic[] },
): Promise<void> {
  const now = Date.now();
  const report: MetricsReport = {
    reportId: randomUUID(),
    sdk: { name: '@switchyard/sdk', version: '0.1.0', instanceId: 'guarded-traffic', mode: 'streaming', snapshotVersion: 1 },
    // Contexts count from the window's start: reports sent a second apart land in different seconds.
    window: { start: now - 10, end: now },
    evaluations: o.arms.map((arm) => ({ flag: o.flagKey, variation: arm.variation, count: arm.contexts })),
    events: [{ key: o.metricKey, count: o.arms.reduce((n, arm) => n + arm.withEvent, 0), valueCount: 0, sum: 0, sumSquares: 0 }],
    guarded: o.arms.map((arm) => {
      const hashes = Array.from({ length: arm.contexts }, (_, i) => contextHash(o.batch, arm.variation, i));
      return {
        flag: o.flagKey,
        variation: arm.variation,
        exposures: hashes,
        metrics: [
          { key: o.metricKey, count: arm.withEvent, valueCount: 0, sum: 0, sumSquares: 0, contexts: hashes.slice(0, arm.withEvent) },
        ],
      };
    }),
    dropped: { evaluations: 0, events: 0, contexts: 0, reports: 0 },
  };
  const res = await t.request('POST', '/sdk/metrics', { token: o.serverKey, body: report });
  expect(res.statusCode, res.body).toBe(202);
}

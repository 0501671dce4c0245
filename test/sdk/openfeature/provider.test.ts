import { ErrorCode, type EventDetails, type JsonValue, OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlagDefinition } from '../../../sdk/src/model/index.ts';
import { SwitchyardProvider } from '../../../sdk/src/openfeature/index.ts';
import { silentLogger } from '../../helpers/silent-logger.ts';
import { booleanFlag, ProtocolServer, snapshotOf } from '../client/protocol-server.ts';

const json = (key: string, value: JsonValue): FlagDefinition => ({ ...booleanFlag(key, true), kind: 'json', variations: [null, value] });
const snapshot = snapshotOf(3, [
  booleanFlag('new-checkout', true, 1, {
    targets: [{ variation: 0, values: ['blocked'] }],
    rules: [{ id: 'staff', clauses: [{ attribute: 'email', op: 'endsWith', values: ['@ourcompany.com'] }], variation: 1 }],
  }),
  booleanFlag('disabled', false),
  { ...booleanFlag('copy', true), kind: 'string', variations: ['Buy now', 'Order'] },
  { ...booleanFlag('limit', true), kind: 'number', variations: [1, 10] },
  json('theme', { color: 'teal' }),
  json('json-string', 'just a string'),
]);

let server: ProtocolServer | undefined;
afterEach(async () => {
  await OpenFeature.close();
  await server?.close();
  server = undefined;
});

async function setUp(domain: string) {
  server = await ProtocolServer.start({ snapshot });
  const provider = new SwitchyardProvider({
    url: server.url,
    sdkKey: 'sdk-key',
    logger: silentLogger,
    reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
  });
  await OpenFeature.setProviderAndWait(domain, provider);
  return { provider, client: OpenFeature.getClient(domain) };
}

describe('SwitchyardProvider (OpenFeature)', () => {
  it('initializes by waiting for the rules and resolves every type with mapped reasons and variants', async () => {
    const { client } = await setUp('types');
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(client.metadata.providerMetadata.name).toBe('Switchyard');

    const staff = { targetingKey: 'user-42', email: 'ana@ourcompany.com' };
    expect(await client.getBooleanDetails('new-checkout', false, staff)).toMatchObject({
      value: true,
      reason: 'TARGETING_MATCH',
      variant: '1',
      flagMetadata: { ruleId: 'staff', ruleIndex: 0, snapshotVersion: 3 },
    });
    expect(await client.getBooleanDetails('new-checkout', true, { targetingKey: 'blocked' })).toMatchObject({
      value: false,
      reason: 'TARGETING_MATCH',
      variant: '0',
    });
    expect(await client.getBooleanDetails('new-checkout', false, { targetingKey: 'someone' })).toMatchObject({
      value: true,
      reason: 'DEFAULT',
    });
    expect(await client.getBooleanDetails('disabled', true, { targetingKey: 'u' })).toMatchObject({ value: false, reason: 'DISABLED' });
    expect(await client.getStringValue('copy', 'Buy now', { targetingKey: 'u' })).toBe('Order');
    expect(await client.getNumberValue('limit', 0, { targetingKey: 'u' })).toBe(10);
    expect(await client.getObjectValue('theme', {}, { targetingKey: 'u' })).toEqual({ color: 'teal' });
  });

  it('maps errors to OpenFeature error codes and returns the default', async () => {
    const { client } = await setUp('errors');
    const u = { targetingKey: 'u' };
    expect(await client.getBooleanDetails('missing', true, u)).toMatchObject({
      value: true,
      reason: 'ERROR',
      errorCode: ErrorCode.FLAG_NOT_FOUND,
    });
    expect(await client.getStringDetails('limit', 'x', u)).toMatchObject({
      value: 'x',
      reason: 'ERROR',
      errorCode: ErrorCode.TYPE_MISMATCH,
    });
    expect(await client.getObjectDetails('json-string', { a: 1 }, u)).toMatchObject({
      value: { a: 1 },
      errorCode: ErrorCode.TYPE_MISMATCH,
    });
    expect(await client.getBooleanDetails('new-checkout', false, {})).toMatchObject({
      value: false,
      errorCode: ErrorCode.TARGETING_KEY_MISSING,
    });
  });

  it('emits ConfigurationChanged with the changed flags, Stale when the server is gone, and Ready when it is back', async () => {
    const { client } = await setUp('events');
    const events: { type: string; details?: EventDetails }[] = [];
    for (const type of [ProviderEvents.ConfigurationChanged, ProviderEvents.Stale, ProviderEvents.Ready, ProviderEvents.Error]) {
      client.addHandler(type, (details) => events.push({ type, ...(details ? { details } : {}) }));
    }
    // OpenFeature runs a Ready handler at once when the provider is already ready
    await server!.waitFor(() => events.length === 1);
    expect(events.splice(0)).toMatchObject([{ type: ProviderEvents.Ready }]);
    server!.change({ flags: { disabled: booleanFlag('disabled', true, 2) } });
    await server!.waitFor(() => events.length >= 1);
    expect(events[0]).toMatchObject({ type: ProviderEvents.ConfigurationChanged, details: { flagsChanged: ['disabled'] } });
    expect(await client.getBooleanValue('disabled', false, { targetingKey: 'u' })).toBe(true);

    server!.refuseUpgradesWith = 503;
    server!.failSnapshotWith = 503;
    server!.dropAll();
    await server!.waitFor(() => events.some((e) => e.type === ProviderEvents.Stale));
    expect(client.providerStatus).toBe(ProviderStatus.STALE);
    expect(await client.getBooleanValue('disabled', false, { targetingKey: 'u' })).toBe(true);

    server!.refuseUpgradesWith = undefined;
    await server!.waitFor(() => events.at(-1)?.type === ProviderEvents.Ready);
    expect(client.providerStatus).toBe(ProviderStatus.READY);

    server!.closeAll(4403);
    await server!.waitFor(() => events.at(-1)?.type === ProviderEvents.Error);
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    expect(await client.getBooleanValue('disabled', false, { targetingKey: 'u' })).toBe(true);
  });

  it('reports an initialization error when no rules arrive, then Ready once they do', async () => {
    server = await ProtocolServer.start({ snapshot });
    server.refuseUpgradesWith = 503;
    server.failSnapshotWith = 503;
    const provider = new SwitchyardProvider({
      url: server.url,
      sdkKey: 'sdk-key',
      logger: silentLogger,
      readyTimeoutMs: 100,
      reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
    });
    await expect(OpenFeature.setProviderAndWait('late', provider)).rejects.toThrow(/not ready/);
    const client = OpenFeature.getClient('late');
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    expect(await client.getBooleanDetails('disabled', true, { targetingKey: 'u' })).toMatchObject({
      value: true,
      errorCode: ErrorCode.PROVIDER_NOT_READY,
    });

    server.refuseUpgradesWith = undefined;
    await server.waitFor(() => client.providerStatus === ProviderStatus.READY);
    expect(await client.getBooleanValue('new-checkout', false, { targetingKey: 'u' })).toBe(true);
  });
});

/** The few admin API calls the benchmarks need to set up their data, failing loudly on any error. */
export function adminApi(baseUrl: string, adminToken: string) {
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} -> ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }
  return {
    call,
    createFlag: (key: string, options: { clientSideAvailable?: boolean } = {}) =>
      call('POST', '/api/flags', { key, name: key, kind: 'boolean', ...options }),
    setConfig: (flagKey: string, environment: string, config: Record<string, unknown>) =>
      call('PUT', `/api/flags/${flagKey}/environments/${environment}`, { targets: [], rules: [], prerequisites: [], ...config }),
    toggle: (flagKey: string, environment: string, on: boolean) =>
      call('POST', `/api/flags/${flagKey}/environments/${environment}/toggle`, { on }),
    /** A new server or client key of the environment; returns its secret. */
    createKey: async (kind: 'server' | 'client', environment: string, name: string) =>
      (await call<{ secret: string }>('POST', '/api/tokens', { name, kind, environment })).secret,
  };
}

export type AdminApi = ReturnType<typeof adminApi>;

/**
 * `count` extra flags so the snapshot is not trivially small: every third one has 10 targets, an
 * `email endsWith` rule and a 25 % rollout; half are visible to client keys. All on.
 */
export async function seedFlags(api: AdminApi, environment: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const key = `seed-flag-${i}`;
    await api.createFlag(key, { clientSideAvailable: i % 2 === 0 });
    const targeted = i % 3 === 0;
    await api.setConfig(key, environment, {
      on: true,
      offVariation: 1,
      fallthrough: targeted
        ? {
            rollout: {
              variations: [
                { variation: 0, weight: 25_000 },
                { variation: 1, weight: 75_000 },
              ],
            },
          }
        : { variation: 0 },
      targets: targeted ? [{ variation: 0, values: Array.from({ length: 10 }, (_, t) => `target-${t}`) }] : [],
      rules: targeted
        ? [{ id: `rule-${i}`, clauses: [{ attribute: 'email', op: 'endsWith', values: ['@example.com'] }], variation: 0 }]
        : [],
    });
  }
}

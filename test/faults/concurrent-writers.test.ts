/**
 * Fault: 50 concurrent writers edit one flag through two replicas at once: toggles and rule edits,
 * half of them conditional (If-Match with the version each read), half unconditional.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../helpers/database.ts';
import { until } from '../helpers/wait.ts';
import { ClientPool, createKeys, environmentVersion, type Replica, seededDatabase, startReplica } from './helpers/fleet.ts';
import { call, ok } from './helpers/http.ts';
import { PrivateRedis } from './helpers/redis-server.ts';

const WRITERS = 50;
const CONFIG = '/api/flags/contested/environments/production';

type Config = { on: boolean; rules: { id: string }[]; version: number };
type Outcome = { writer: number; kind: 'toggle' | 'rules'; conditional: boolean; read: number; status: number; body: any };

/** Writer i's rule: contexts with `writer: "w<i>"` get false, so each rule edit is recognisable (and never a no-op). */
const ruleOf = (i: number) => ({ id: `w${i}`, clauses: [{ attribute: 'writer', op: 'in', values: [`w${i}`] }], variation: 1 });

describe('fault: concurrent writers on one flag through two replicas', () => {
  let redis: PrivateRedis;
  let db: TestDatabase;
  let adminToken: string;
  let replicas: Replica[];
  const clients = new ClientPool();

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    ({ db, adminToken } = await seededDatabase());
    replicas = await Promise.all([startReplica(db.url, { redisUrl: redis.url }), startReplica(db.url, { redisUrl: redis.url })]);
    await ok(replicas[0]!.url, 'POST', '/api/flags', { token: adminToken, body: { key: 'contested', name: 'contested', kind: 'boolean' } });
  });
  afterAll(async () => {
    await clients.closeAll();
    for (const r of replicas ?? []) await r.close();
    await db?.drop();
    await redis?.stop();
  });

  /**
   * Writer i reads the configuration from its replica, then writes (with If-Match = what it read, when
   * conditional). A refused conditional writer reads again and retries once, as the 412 says to: the
   * retry is a write of its own.
   */
  async function writer(i: number): Promise<Outcome[]> {
    await new Promise((r) => setTimeout(r, (i % 10) * 3)); // arrivals spread over a few ms, not one burst
    const first = await write(i);
    return first.status === 412 ? [first, await write(i)] : [first];
  }

  async function write(i: number): Promise<Outcome> {
    const replica = replicas[i % 2]!;
    const kind = i % 3 === 0 ? 'rules' : 'toggle';
    const conditional = Math.floor(i / 2) % 2 === 0;
    const read = (await ok(replica.url, 'GET', CONFIG, { token: adminToken })) as Config;
    const headers: Record<string, string> = conditional ? { 'if-match': `"${read.version}"` } : {};
    const res =
      kind === 'toggle'
        ? await call(replica.url, 'POST', `${CONFIG}/toggle`, { token: adminToken, headers, body: { on: i % 4 < 2 } })
        : await call(replica.url, 'PATCH', CONFIG, { token: adminToken, headers, body: { rules: [ruleOf(i)] } });
    return { writer: i, kind, conditional, read: read.version, status: res.status, body: res.body };
  }

  it('records every acknowledged write once, ends on the last one, refuses stale ones, and converges every client', async () => {
    const { serverKey } = await createKeys(replicas[0]!.url, adminToken);
    const fleet = replicas.flatMap((r) => [0, 1].map(() => clients.open({ url: r.url, sdkKey: serverKey })));
    for (const c of fleet) expect(await c.ready()).toBe(true);
    const initial = ((await ok(replicas[0]!.url, 'GET', CONFIG, { token: adminToken })) as Config).version;
    const environmentBefore = await environmentVersion(db.prisma);

    const outcomes = (await Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(i)))).flat();

    // Only acknowledgements and stale refusals; an unconditional write is never refused.
    for (const o of outcomes) expect([200, 412], JSON.stringify(o)).toContain(o.status);
    for (const o of outcomes.filter((o) => !o.conditional)) expect(o.status).toBe(200);
    const acked = outcomes.filter((o) => o.status === 200);
    const refused = outcomes.filter((o) => o.status === 412);
    // A conditional write is applied on exactly the version it read (or, a no-op toggle, changes nothing)...
    for (const o of acked.filter((o) => o.conditional)) expect([o.read, o.read + 1]).toContain(o.body.version);
    // ...and is refused only when what it read was no longer current.
    for (const o of refused) expect(o.body.currentVersion).toBeGreaterThan(o.read);

    // The audit log holds one event per version the acknowledged writes produced, with what each answered.
    const events = await db.prisma.auditEvent.findMany({
      where: { flagKey: 'contested', action: { in: ['flag.toggled', 'flag.configuration.updated'] } },
      select: { action: true, after: true },
    });
    const byVersion = new Map<number, { action: string; after: Config }>();
    for (const e of events) {
      const after = e.after as Config;
      expect(byVersion.has(after.version), `two audit events for version ${after.version}`).toBe(false);
      byVersion.set(after.version, { action: e.action, after });
    }
    const ackedVersions = new Set(acked.map((o) => o.body.version as number).filter((v) => v !== initial));
    expect([...byVersion.keys()].sort((x, y) => x - y)).toEqual([...ackedVersions].sort((x, y) => x - y));
    for (const o of acked) {
      const event = byVersion.get(o.body.version);
      if (o.body.version === initial) continue; // a toggle to the value the flag already had
      expect(event!.after).toEqual(o.body);
      if (o.kind === 'rules') {
        expect(event!.action).toBe('flag.configuration.updated');
        expect(event!.after.rules).toEqual([expect.objectContaining({ id: `w${o.writer}` })]);
      }
    }

    // Versions have no gaps (nothing else was written: the refused writes changed nothing).
    const final = (await ok(replicas[1]!.url, 'GET', CONFIG, { token: adminToken })) as Config;
    expect(final.version).toBe(initial + byVersion.size);
    const environmentAfter = await environmentVersion(db.prisma);
    expect(environmentAfter).toBe(environmentBefore + byVersion.size);

    // The final state is the acknowledged write with the highest version.
    const last = acked.reduce((x, y) => (y.body.version > x.body.version ? y : x));
    expect(final).toEqual(last.body);

    // Every SDK client ends on that version, evaluating as the final configuration says.
    await until('every client is on the final version', () => fleet.every((c) => c.version === environmentAfter), 10_000);
    const marker = final.rules[0]?.id;
    for (const c of fleet) {
      expect(c.isEnabled('contested', { key: 'someone', writer: 'nobody' })).toBe(final.on);
      if (marker) {
        const detail = c.evaluate('contested', { key: 'someone', writer: marker }, null);
        expect(detail.value).toBe(false);
        if (final.on) expect(detail.reason).toMatchObject({ kind: 'RULE_MATCH', ruleId: marker });
      }
    }
  }, 60_000);
});

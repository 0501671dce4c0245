/**
 * Generated bad admin payloads, for every write route: each is answered 4xx with the JSON error shape
 * (field paths for validation failures), never a 500, no prototype is polluted, and the database is
 * unchanged byte for byte. Every payload is a valid one (accepted by the last test) with one defect.
 */
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../../server/src/http/json-body.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { dumpDatabase } from './db-dump.ts';
import { createEditedResources, jsonTypeOf, type Path, valueAt, WRITE_ROUTES, type WriteRoute, withValueAt } from './write-routes.ts';

const RUNS = 100;
const FEW_RUNS = 25; // for the megabyte-sized payloads

let t: TestApp;
let baseline: string;

beforeAll(async () => {
  t = await createTestApp();
  await createEditedResources(t);
  // Let the admin token's once-a-minute lastUsedAt write land before the baseline is taken.
  await new Promise((resolve) => setTimeout(resolve, 200));
  baseline = await dumpDatabase(t.db.prisma);
});
afterAll(async () => {
  await t?.close();
});

type Sent = { body?: string | Buffer; contentType?: string | null };

function send(route: WriteRoute, { body, contentType = 'application/json' }: Sent): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: route.method,
    url: route.url,
    headers: { authorization: `Bearer ${t.adminToken}`, ...(contentType === null ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { payload: body }),
  });
}

/** The answer is a 4xx JSON error `{error, message, details}`; validation failures name their fields. */
function expectRefused(res: LightMyRequestResponse, what: string): void {
  expect(res.statusCode, `${what} -> ${res.statusCode} ${res.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, `${what} -> ${res.body.slice(0, 300)}`).toBeLessThan(500);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json() as { error: unknown; message: unknown; details: { path: unknown; message: unknown }[] };
  expect(typeof body.error).toBe('string');
  expect(typeof body.message).toBe('string');
  expect(Array.isArray(body.details)).toBe(true);
  for (const detail of body.details) {
    expect(typeof detail.path).toBe('string');
    expect(typeof detail.message).toBe('string');
  }
  if (body.error === 'validation_failed' || body.error === 'invalid_definition') {
    expect(body.details.length).toBeGreaterThan(0);
    for (const detail of body.details) expect(detail.path).toMatch(/^(body|params|query|headers)\b/);
  }
}

async function expectNothingChanged(): Promise<void> {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(await dumpDatabase(t.db.prisma)).toBe(baseline);
}

const routeArb = fc.constantFrom(...WRITE_ROUTES);
const describeRoute = (route: WriteRoute) => `${route.method} ${route.url}`;

/** Runs `build` for generated inputs; each resulting request must be refused and change nothing. */
async function refusedProperty<T>(arb: fc.Arbitrary<T>, build: (input: T) => Sent & { route: WriteRoute }, numRuns = RUNS) {
  await fc.assert(
    fc.asyncProperty(arb, async (input) => {
      const { route, ...sent } = build(input);
      const res = await send(route, sent);
      const shown = typeof sent.body === 'string' ? sent.body.slice(0, 200) : String(sent.body?.length ?? 'no body');
      expectRefused(res, `${describeRoute(route)} ${shown}`);
      await expectNothingChanged();
    }),
    { numRuns },
  );
}

/** A JSON value whose type is none of `types`. */
const valueNotOf = (types: string[]) => fc.jsonValue({ maxDepth: 3 }).filter((v) => !types.includes(jsonTypeOf(v)));

/** One (route, typed field) pair. */
const typedFieldArb = routeArb.chain((route) => fc.constantFrom(...route.typed).map(([path, types]) => ({ route, path, types })));

describe('generated bad admin payloads', () => {
  it('refuses a value of the wrong type in any field, top-level or nested', async () => {
    await refusedProperty(
      typedFieldArb.chain((field) => valueNotOf(field.types).map((value) => ({ ...field, value }))),
      ({ route, path, value }) => ({ route, body: JSON.stringify(withValueAt(route.valid, path, value)) }),
    );
  }, 60_000);

  it('refuses a payload missing required fields, and the empty object', async () => {
    await refusedProperty(
      routeArb.chain((route) =>
        fc.subarray(route.required, { minLength: route.required.length === 0 ? 0 : 1 }).map((missing) => ({ route, missing })),
      ),
      ({ route, missing }) => {
        const payload = missing.length === 0 ? {} : Object.fromEntries(Object.entries(route.valid).filter(([k]) => !missing.includes(k)));
        return { route, body: JSON.stringify(payload) };
      },
    );
  }, 60_000);

  it('refuses unknown fields, at the top level and in nested objects', async () => {
    await refusedProperty(
      fc.record({
        route: routeArb,
        name: fc.string({ maxLength: 20 }),
        value: fc.jsonValue({ maxDepth: 2 }),
        at: fc.nat(),
      }),
      ({ route, name, value, at }) => {
        const places: Path[] = [[], ...route.objects];
        const place = places[at % places.length]!;
        const target = valueAt(route.valid, place) as Record<string, unknown>;
        const field = Object.hasOwn(target, name) || name === '__proto__' ? `${name}-unknown` : name;
        const extended =
          place.length === 0 ? { ...target, [field]: value } : withValueAt(route.valid, place, { ...target, [field]: value });
        return { route, body: JSON.stringify(extended) };
      },
    );
  }, 60_000);

  it('refuses huge strings and huge arrays in any field', async () => {
    await refusedProperty(
      fc.record({
        field: typedFieldArb,
        length: fc.integer({ min: 10_001, max: 300_000 }),
        chunk: fc.string({ minLength: 1, maxLength: 3, unit: 'grapheme' }),
      }),
      ({ field: { route, path, types }, length, chunk }) => {
        const current = valueAt(route.valid, path);
        const huge = types.includes('array')
          ? Array.from({ length: Math.min(length, 60_000) }, () => (Array.isArray(current) && current.length > 0 ? current[0] : 'x'))
          : chunk.repeat(Math.ceil(length / [...chunk].length)); // limits count code points, as zod does
        return { route, body: JSON.stringify(withValueAt(route.valid, path, huge)) };
      },
      FEW_RUNS,
    );
  }, 60_000);

  it('refuses deep nesting (up to 10,000 levels) without exhausting the stack', async () => {
    await refusedProperty(
      fc.record({
        field: typedFieldArb,
        depth: fc.oneof(fc.integer({ min: 2, max: MAX_JSON_DEPTH + 5 }), fc.integer({ min: 1000, max: 10_000 }), fc.constant(10_000)),
        objects: fc.boolean(),
      }),
      ({ field: { route, path }, depth, objects }) => {
        // Written as text: building the value would need recursion of its own to serialize.
        const nested = objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;
        const body = JSON.stringify(withValueAt(route.valid, path, '__NESTED__')).replace('"__NESTED__"', nested);
        return { route, body };
      },
    );
  }, 60_000);

  it('refuses __proto__, constructor.prototype and prototype keys anywhere, and pollutes nothing', async () => {
    const poison = [
      '"__proto__":{"polluted":"yes"}',
      '"__proto__":{"isAdmin":true,"polluted":"yes"}',
      '"constructor":{"prototype":{"polluted":"yes"}}',
      '"prototype":{"polluted":"yes"}',
      '"__proto__":null',
    ];
    await refusedProperty(fc.record({ route: routeArb, key: fc.constantFrom(...poison), at: fc.nat() }), ({ route, key, at }) => {
      const places: Path[] = [[], ...route.objects];
      const place = places[at % places.length]!;
      const body = JSON.stringify(withValueAt(route.valid, [...place, '__POISON__'], 0)).replace('"__POISON__":0', key);
      return { route, body: place.length === 0 ? JSON.stringify(route.valid).replace('{', `{${key},`) : body };
    });
  }, 60_000);

  it('refuses bodies that are not valid UTF-8', async () => {
    const badBytes = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]];
    await refusedProperty(fc.record({ route: routeArb, bytes: fc.constantFrom(...badBytes), at: fc.nat() }), ({ route, bytes, at }) => {
      const text = JSON.stringify(route.valid);
      // Inside the first string value, so that only the encoding is wrong.
      const start = text.indexOf(':"') + 2;
      const end = text.indexOf('"', start);
      const cut = start + (at % (end - start + 1));
      return { route, body: Buffer.concat([Buffer.from(text.slice(0, cut)), Buffer.from(bytes), Buffer.from(text.slice(cut))]) };
    });
  }, 60_000);

  it('refuses NUL characters and unpaired surrogates in any string', async () => {
    await refusedProperty(
      fc.record({ field: typedFieldArb, bad: fc.constantFrom('\\u0000', '\\ud800', '\\udfff', 'a\\u0000b', '\\udbff\\u0041') }),
      ({ field: { route, path }, bad }) => {
        const body = JSON.stringify(withValueAt(route.valid, path, '__BAD__')).replace('"__BAD__"', `"${bad}"`);
        return { route, body };
      },
    );
  }, 60_000);

  it('refuses malformed JSON', async () => {
    await refusedProperty(
      fc.record({ route: routeArb, how: fc.constantFrom('truncate', 'trailing', 'single-quotes', 'comment', 'nan'), at: fc.nat() }),
      ({ route, how, at }) => {
        const text = JSON.stringify(route.valid);
        const body =
          how === 'truncate'
            ? text.slice(0, 1 + (at % (text.length - 1)))
            : how === 'trailing'
              ? `${text}}`
              : how === 'single-quotes'
                ? text.replaceAll('"', "'")
                : how === 'comment'
                  ? `/* x */${text}`
                  : text.replace(/:\s*("[^"]*"|true|false|\d+)/, ':NaN');
        return { route, body };
      },
    );
  }, 60_000);

  it('refuses a valid payload sent with a content type other than JSON, or with none', async () => {
    const part = ([name, value]: [string, unknown]) =>
      `--xyz\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${typeof value === 'string' ? value : JSON.stringify(value)}\r\n`;
    const multipart = (fields: Record<string, unknown>) => `${Object.entries(fields).map(part).join('')}--xyz--\r\n`;
    await refusedProperty(
      fc.record({
        route: routeArb,
        type: fc.constantFrom('text/plain', 'form', 'multipart', 'application/xml', 'text/html', 'application/octet-stream', 'none'),
      }),
      ({ route, type }) => {
        const json = JSON.stringify(route.valid);
        if (type === 'form')
          return {
            route,
            body: new URLSearchParams(Object.entries(route.valid).map(([k, v]): [string, string] => [k, String(v)])).toString(),
            contentType: 'application/x-www-form-urlencoded',
          };
        if (type === 'multipart') return { route, body: multipart(route.valid), contentType: 'multipart/form-data; boundary=xyz' };
        if (type === 'none') return { route, body: json, contentType: null };
        return { route, body: json, contentType: type };
      },
      50,
    );
  }, 60_000);

  it('refuses empty bodies, with and without a content type', async () => {
    await refusedProperty(
      fc.record({
        route: routeArb,
        contentType: fc.constantFrom<string | null>('application/json', 'text/plain', null),
        whitespace: fc.constantFrom('', ' ', '\n'),
      }),
      ({ route, contentType, whitespace }) => ({
        route,
        contentType,
        ...(whitespace === '' && contentType === null ? {} : { body: whitespace }),
      }),
      30,
    );
  }, 60_000);

  it('accepts each unmutated payload (so the refusals above are caused by the defects)', async () => {
    for (const route of WRITE_ROUTES) {
      const res = await send(route, { body: JSON.stringify(route.valid) });
      expect(res.statusCode, `${describeRoute(route)} ${res.body}`).toBeLessThan(300);
    }
  });
});

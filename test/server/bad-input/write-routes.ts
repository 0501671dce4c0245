import type { TestApp } from '../../helpers/app.ts';

export type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';
export type Path = (string | number)[];

/** A write route, a payload it accepts, and where the payload's values sit with the types they accept. */
export type WriteRoute = {
  method: 'POST' | 'PUT' | 'PATCH';
  url: string;
  valid: Record<string, unknown>;
  /** Fields (top-level or nested) whose value must have one of these JSON types. */
  typed: [Path, JsonType[]][];
  /** Top-level fields the payload cannot go without. */
  required: string[];
  /** Objects inside the payload that refuse unknown fields (the top level always does). */
  objects: Path[];
};

export const EXISTING_FLAG = 'existing-flag';
export const EXISTING_SEGMENT = 'existing-segment';
const ENV = 'production';

const rule = { id: 'r1', clauses: [{ attribute: 'email', op: 'endsWith', values: ['@example.com'] }], variation: 0 };
const fullConfig = {
  on: true,
  offVariation: 1,
  fallthrough: { variation: 0 },
  targets: [{ variation: 0, values: ['user-1'] }],
  rules: [rule],
  prerequisites: [],
};
const configTyped: [Path, JsonType[]][] = [
  [['on'], ['boolean']],
  [['offVariation'], ['number']],
  [['fallthrough'], ['object']],
  [['fallthrough', 'variation'], ['number']],
  [['targets'], ['array']],
  [['targets', 0, 'variation'], ['number']],
  [['targets', 0, 'values'], ['array']],
  [['targets', 0, 'values', 0], ['string']],
  [['rules'], ['array']],
  [['rules', 0, 'id'], ['string']],
  [['rules', 0, 'variation'], ['number']],
  [['rules', 0, 'clauses'], ['array']],
  [['rules', 0, 'clauses', 0, 'attribute'], ['string']],
  [['rules', 0, 'clauses', 0, 'op'], ['string']],
  [['rules', 0, 'clauses', 0, 'values'], ['array']],
  [['prerequisites'], ['array']],
];
const configObjects: Path[] = [['fallthrough'], ['targets', 0], ['rules', 0], ['rules', 0, 'clauses', 0]];

export const WRITE_ROUTES: WriteRoute[] = [
  {
    method: 'POST',
    url: '/api/environments',
    valid: { key: 'new-env', name: 'New environment' },
    typed: [
      [['key'], ['string']],
      [['name'], ['string']],
    ],
    required: ['key', 'name'],
    objects: [],
  },
  {
    method: 'PATCH',
    url: `/api/environments/${ENV}`,
    valid: { name: 'Renamed' },
    typed: [[['name'], ['string']]],
    required: ['name'],
    objects: [],
  },
  {
    method: 'POST',
    url: '/api/flags',
    valid: {
      key: 'new-flag',
      name: 'New flag',
      description: 'd',
      kind: 'string',
      variations: ['a', 'b'],
      tags: ['t'],
      temporary: true,
      clientSideAvailable: false,
    },
    typed: [
      [['key'], ['string']],
      [['name'], ['string']],
      [['description'], ['string']],
      [['kind'], ['string']],
      [['variations'], ['array']],
      [['variations', 0], ['string']],
      [['tags'], ['array']],
      [['tags', 0], ['string']],
      [['temporary'], ['boolean']],
      [['clientSideAvailable'], ['boolean']],
    ],
    required: ['key', 'name', 'kind', 'variations'],
    objects: [],
  },
  {
    method: 'PATCH',
    url: `/api/flags/${EXISTING_FLAG}`,
    valid: { name: 'Renamed flag', description: 'x', tags: ['a'], temporary: false, clientSideAvailable: true, variations: [true, false] },
    typed: [
      [['name'], ['string']],
      [['description'], ['string']],
      [['tags'], ['array']],
      [['temporary'], ['boolean']],
      [['clientSideAvailable'], ['boolean']],
      [['variations'], ['array']],
      [['variations', 0], ['boolean']],
    ],
    required: [],
    objects: [],
  },
  {
    method: 'PUT',
    url: `/api/flags/${EXISTING_FLAG}/environments/${ENV}`,
    valid: fullConfig,
    typed: configTyped,
    required: Object.keys(fullConfig),
    objects: configObjects,
  },
  {
    method: 'PATCH',
    url: `/api/flags/${EXISTING_FLAG}/environments/${ENV}`,
    valid: { on: true, rules: [rule], fallthrough: { variation: 1 } },
    typed: configTyped.filter(([path]) => path[0] === 'on' || path[0] === 'rules' || path[0] === 'fallthrough'),
    required: [],
    objects: configObjects.filter((path) => path[0] === 'rules' || path[0] === 'fallthrough'),
  },
  {
    method: 'POST',
    url: `/api/flags/${EXISTING_FLAG}/environments/${ENV}/toggle`,
    valid: { on: true },
    typed: [[['on'], ['boolean']]],
    required: ['on'],
    objects: [],
  },
  {
    method: 'POST',
    url: `/api/environments/${ENV}/segments`,
    valid: {
      key: 'new-segment',
      name: 'New segment',
      description: 'd',
      included: ['a'],
      excluded: ['b'],
      rules: [{ id: 's1', clauses: [{ attribute: 'country', op: 'in', values: ['fr'] }] }],
    },
    typed: [
      [['key'], ['string']],
      [['name'], ['string']],
      [['description'], ['string']],
      [['included'], ['array']],
      [['included', 0], ['string']],
      [['excluded'], ['array']],
      [['rules'], ['array']],
      [['rules', 0, 'clauses'], ['array']],
      [['rules', 0, 'clauses', 0, 'op'], ['string']],
      [['rules', 0, 'clauses', 0, 'attribute'], ['string']],
    ],
    required: ['key', 'name'],
    objects: [
      ['rules', 0],
      ['rules', 0, 'clauses', 0],
    ],
  },
  {
    method: 'PUT',
    url: `/api/environments/${ENV}/segments/${EXISTING_SEGMENT}`,
    valid: { name: 'Replaced segment', included: ['c'], rules: [] },
    typed: [
      [['name'], ['string']],
      [['included'], ['array']],
      [['rules'], ['array']],
    ],
    required: ['name'],
    objects: [],
  },
  {
    method: 'POST',
    url: '/api/tokens',
    valid: { name: 'New key', kind: 'server', environment: ENV },
    typed: [
      [['name'], ['string']],
      [['kind'], ['string']],
      [['environment'], ['string']],
    ],
    required: ['name', 'kind', 'environment'],
    objects: [],
  },
  {
    method: 'POST',
    url: '/api/release-templates',
    valid: {
      key: 'canary',
      name: 'Canary',
      stages: [{ percentage: 10, holdMinutes: 60, segments: [], requireApproval: false }],
      guard: { metrics: [{ key: 'checkout-error', kind: 'binary', minimumContexts: 100 }], onRegression: 'pause' },
    },
    typed: [
      [['key'], ['string']],
      [['name'], ['string']],
      [['stages'], ['array']],
      [['stages', 0, 'percentage'], ['number']],
      [['stages', 0, 'holdMinutes'], ['number']],
      [['stages', 0, 'segments'], ['array']],
      [['stages', 0, 'requireApproval'], ['boolean']],
      [['guard', 'metrics', 0, 'key'], ['string']],
      [['guard', 'metrics', 0, 'minimumContexts'], ['number']],
    ],
    required: ['key', 'name', 'stages'],
    objects: [['stages', 0], ['guard'], ['guard', 'metrics', 0]],
  },
  {
    method: 'POST',
    url: `/api/flags/${EXISTING_FLAG}/environments/${ENV}/scheduled-changes`,
    valid: { at: new Date(Date.now() + 24 * 3600_000).toISOString(), instructions: [{ kind: 'turnOn' }], comment: 'launch' },
    typed: [
      [['at'], ['string']],
      [['instructions'], ['array']],
      [['instructions', 0, 'kind'], ['string']],
      [['comment'], ['string']],
    ],
    required: ['at', 'instructions'],
    objects: [],
  },
  {
    method: 'POST',
    url: `/api/flags/${EXISTING_FLAG}/environments/${ENV}/triggers`,
    valid: { name: 'alertmanager', action: 'turn-off' },
    typed: [
      [['name'], ['string']],
      [['action'], ['string']],
    ],
    required: ['name', 'action'],
    objects: [],
  },
  {
    method: 'POST',
    url: '/api/webhooks',
    valid: { name: 'chat', url: 'http://127.0.0.1:9/hook', events: ['flag.toggled'], format: 'slack', enabled: false },
    typed: [
      [['name'], ['string']],
      [['url'], ['string']],
      [['events'], ['array']],
      [['events', 0], ['string']],
      [['format'], ['string']],
      [['enabled'], ['boolean']],
    ],
    required: ['name', 'url', 'events', 'format'],
    objects: [],
  },
  {
    // Last: a running plan refuses hand edits of the flag's targeting, which the routes above make.
    method: 'POST',
    url: `/api/flags/${EXISTING_FLAG}/environments/${ENV}/release-plans`,
    valid: { stages: [{ percentage: 5, holdMinutes: 60 }], variation: 0, controlVariation: 1 },
    typed: [
      [['stages'], ['array']],
      [['stages', 0, 'percentage'], ['number']],
      [['stages', 0, 'holdMinutes'], ['number']],
      [['variation'], ['number']],
      [['controlVariation'], ['number']],
    ],
    required: [],
    objects: [['stages', 0]],
  },
];

/** The flag and segment that the routes above edit. */
export async function createEditedResources(t: TestApp): Promise<void> {
  const flag = await t.request('POST', '/api/flags', { body: { key: EXISTING_FLAG, name: 'Existing', kind: 'boolean' } });
  const segment = await t.request('POST', `/api/environments/${ENV}/segments`, { body: { key: EXISTING_SEGMENT, name: 'Existing' } });
  if (flag.statusCode !== 201 || segment.statusCode !== 201) throw new Error(`setup failed: ${flag.body} ${segment.body}`);
}

export function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonType;
}

/** A deep copy of `value` with the value at `path` replaced. */
export function withValueAt(value: Record<string, unknown>, path: Path, replacement: unknown): Record<string, unknown> {
  const copy = structuredClone(value);
  let node: Record<string | number, unknown> = copy;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = replacement;
  return copy;
}

export function valueAt(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, part) => (node as Record<string | number, unknown>)[part], value);
}

/**
 * Who may do what on /api: the one place the rules live. Pure: the auth plugin gives it the request's
 * method, route pattern, params and query and the person's roles, and (for routes that name a
 * resource rather than an environment) the environment that resource belongs to.
 *
 * A person is an admin-kind token with a `role` and optional `environmentRoles` (environment key ->
 * role, overriding `role` there). Roles are ordered viewer < editor < admin; every person is at least
 * a viewer everywhere.
 */

export type Role = 'admin' | 'editor' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'editor', 'viewer'];

const RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

export type Person = { role: Role; environmentRoles: Readonly<Record<string, Role>> };

/**
 * Where the needed role must be held:
 * - `environment`: in the environment the route names (`:env` in the path, else `?env=`); a route
 *   naming none falls back to `anywhere`;
 * - `resource`: in the environment of the release plan or scheduled change `:id` names (looked up by
 *   the plugin); when there is no such row, `anywhere` (the route then answers 404);
 * - `anywhere`: in at least one environment (the person's best role);
 * - `everywhere`: in every environment (the person's lowest role), for what is shared by all of them.
 */
export type Scope =
  | { kind: 'environment' }
  | { kind: 'resource'; resource: ScopedResource }
  | { kind: 'anywhere' }
  | { kind: 'everywhere' };

export type ScopedResource = 'releasePlan' | 'scheduledChange';

export type Requirement = { role: Role; scope: Scope };

type Rule = { methods: readonly string[]; pattern: RegExp; requirement: Requirement; what: string };

const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
const inEnvironment = (role: Role): Requirement => ({ role, scope: { kind: 'environment' } });
const anywhere = (role: Role): Requirement => ({ role, scope: { kind: 'anywhere' } });
const everywhere = (role: Role): Requirement => ({ role, scope: { kind: 'everywhere' } });
const inResource = (role: Role, resource: ScopedResource): Requirement => ({ role, scope: { kind: 'resource', resource } });

/**
 * The decision for each write, first match wins. README's Security section shows this table; a write
 * route that matches none needs the admin role everywhere (and the route-matrix test fails until it is
 * listed here).
 */
export const WRITE_RULES: readonly Rule[] = [
  // Tokens, webhooks and environments change who gets in and where changes go: admins only.
  { methods: WRITES, pattern: /^\/api\/tokens(?:\/|$)/, requirement: everywhere('admin'), what: 'tokens' },
  { methods: WRITES, pattern: /^\/api\/webhooks(?:\/|$)/, requirement: everywhere('admin'), what: 'webhooks' },
  { methods: ['POST'], pattern: /^\/api\/environments$/, requirement: everywhere('admin'), what: 'creating an environment' },
  {
    methods: ['PATCH', 'DELETE'],
    pattern: /^\/api\/environments\/:env$/,
    requirement: inEnvironment('admin'),
    what: 'changing or deleting an environment',
  },
  // Everything inside one environment: its segments, and a flag's configuration, plans, schedules and triggers there.
  { methods: WRITES, pattern: /^\/api\/environments\/:env\/segments(?:\/|$)/, requirement: inEnvironment('editor'), what: 'segments' },
  {
    methods: WRITES,
    pattern: /^\/api\/flags\/:key\/environments\/:env(?:\/|$)/,
    requirement: inEnvironment('editor'),
    what: "a flag's configuration, release plans, scheduled changes and triggers in an environment",
  },
  {
    methods: ['POST'],
    pattern: /^\/api\/release-plans\/:id\/[a-z]+$/,
    requirement: inResource('editor', 'releasePlan'),
    what: 'operating a release plan',
  },
  {
    methods: ['PATCH', 'DELETE'],
    pattern: /^\/api\/scheduled-changes\/:id$/,
    requirement: inResource('editor', 'scheduledChange'),
    what: 'changing or cancelling a scheduled change',
  },
  // A new flag is off everywhere: an editor of any environment may create one. Its definition
  // (variations, archive, delete) is shared by every environment, production included.
  { methods: ['POST'], pattern: /^\/api\/flags$/, requirement: anywhere('editor'), what: 'creating a flag' },
  {
    methods: WRITES,
    pattern: /^\/api\/flags\/:key(?:\/archive|\/restore)?$/,
    requirement: everywhere('editor'),
    what: "a flag's definition, archiving, restoring and deleting",
  },
  // Templates change nothing that is served: a plan copies its template when it starts.
  { methods: WRITES, pattern: /^\/api\/release-templates(?:\/|$)/, requirement: anywhere('editor'), what: 'release templates' },
];

const FALLBACK_WRITE = everywhere('admin');

/** The rule deciding a write, or undefined when none does (the write then needs admin everywhere). */
export function writeRuleFor(method: string, route: string): Rule | undefined {
  return WRITE_RULES.find((rule) => rule.methods.includes(method) && rule.pattern.test(route));
}

/** What a request needs: viewer for reads (in the environment it names, if any), the write rules otherwise. */
export function requirementFor(method: string, route: string): Requirement {
  if (method === 'GET' || method === 'HEAD') return inEnvironment('viewer');
  return writeRuleFor(method, route)?.requirement ?? FALLBACK_WRITE;
}

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

export function roleIn(person: Person, environment: string): Role {
  return Object.hasOwn(person.environmentRoles, environment) ? (person.environmentRoles[environment] ?? person.role) : person.role;
}

const allRoles = (person: Person): Role[] => [person.role, ...Object.values(person.environmentRoles)];
const highest = (roles: Role[]): Role => roles.reduce((a, b) => (RANK[b] > RANK[a] ? b : a));
const lowest = (roles: Role[]): Role => roles.reduce((a, b) => (RANK[b] < RANK[a] ? b : a));

export const atLeast = (role: Role, needed: Role): boolean => RANK[role] >= RANK[needed];

/** The environment a request names: `:env` in its path, else a single `?env=` value. */
export function namedEnvironment(params: unknown, query: unknown): string | null {
  const fromParams = (params as Record<string, unknown> | undefined)?.env;
  if (typeof fromParams === 'string' && fromParams !== '') return fromParams;
  const fromQuery = (query as Record<string, unknown> | undefined)?.env;
  return typeof fromQuery === 'string' && fromQuery !== '' ? fromQuery : null;
}

export type Decision = { allowed: true } | { allowed: false; message: string };

const article = (role: Role) => (role === 'admin' ? 'an admin' : role === 'editor' ? 'an editor' : 'a viewer');

/**
 * Whether `person` may make this request. `resourceEnvironment` is the environment of the row a
 * `resource`-scoped route names (null: no such row, or not a resource route).
 */
export function authorize(input: {
  method: string;
  route: string;
  params: unknown;
  query: unknown;
  person: Person;
  resourceEnvironment?: string | null;
}): Decision {
  const { role: needed, scope } = requirementFor(input.method, input.route);
  const environment =
    scope.kind === 'environment'
      ? namedEnvironment(input.params, input.query)
      : scope.kind === 'resource'
        ? (input.resourceEnvironment ?? null)
        : null;
  if (environment !== null) {
    const held = roleIn(input.person, environment);
    return atLeast(held, needed)
      ? { allowed: true }
      : {
          allowed: false,
          message: `${input.method} ${input.route} needs the ${needed} role in environment ${environment}; your token is ${article(held)} there`,
        };
  }
  if (scope.kind === 'everywhere') {
    if (!atLeast(input.person.role, needed)) {
      return {
        allowed: false,
        message: `${input.method} ${input.route} needs the ${needed} role in every environment; your token is ${article(input.person.role)} by default`,
      };
    }
    const below = Object.entries(input.person.environmentRoles).find(([, role]) => !atLeast(role, needed));
    return below
      ? {
          allowed: false,
          message: `${input.method} ${input.route} needs the ${needed} role in every environment; your token is ${article(below[1])} in environment ${below[0]}`,
        }
      : { allowed: true };
  }
  const held = highest(allRoles(input.person));
  return atLeast(held, needed)
    ? { allowed: true }
    : { allowed: false, message: `${input.method} ${input.route} needs the ${needed} role; your token is ${article(held)}` };
}

/**
 * Whether a token with roles `wanted` would have no more rights than `creator` anywhere: in its
 * default role and in every environment either of them names.
 */
export function withinRights(creator: Person, wanted: Person): boolean {
  if (!atLeast(creator.role, wanted.role)) return false;
  const environments = new Set([...Object.keys(creator.environmentRoles), ...Object.keys(wanted.environmentRoles)]);
  for (const environment of environments) if (!atLeast(roleIn(creator, environment), roleIn(wanted, environment))) return false;
  return true;
}

/** Admin in every environment: may manage tokens, webhooks and environments. */
export const isFullAdmin = (person: Person): boolean => lowest(allRoles(person)) === 'admin';

/** Roles as stored (JSON, validated on the way in); a value that is not a role reads as viewer, never as more. */
export function parseEnvironmentRoles(value: unknown): Record<string, Role> {
  const roles: Record<string, Role> = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [environment, role] of Object.entries(value)) roles[environment] = isRole(role) ? role : 'viewer';
  }
  return roles;
}

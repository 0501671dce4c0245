// Dependency rules of server/src and sdk/src, checked by `npm run check:deps` (and so by CI).
// Each rule says why it exists. Paths are relative to the repository root.
//
// Kinds of server files (a domain folder such as server/src/flags/ holds one of each):
//   routes:     routes.ts, *-routes.ts, routes/**        HTTP only: parse, call the service, answer
//   service:    service.ts, *-service.ts, services/**    domain rules
//   repository: repository.ts, *-repository.ts, repositories/**   data access
//   schemas:    schemas.ts                                zod schemas of the domain's requests and answers

const DOMAINS =
  '(?:environments|flags|segments|tokens|audit|sdk-api|ofrep|health|insights|metrics|releases|schedules|triggers|webhooks|sessions)';
const ROUTES = '^server/src/.+(?:/routes[.]ts$|-routes[.]ts$|/routes/)';
const SERVICE = '^server/src/.+(?:/service[.]ts$|-service[.]ts$|/services/)';
const REPOSITORY = '^server/src/.+(?:/repository[.]ts$|-repository[.]ts$|/repositories/)';
const DOMAIN_REPOSITORY = `^server/src/${DOMAINS}/(?:repository[.]ts$|[^/]+-repository[.]ts$|repositories/)`;
const APP = '^(?:server|sdk)/src/';
const FASTIFY = '(?:^|/)node_modules/(?:fastify|fastify-[^/]+|@fastify/[^/]+)/';
const PRISMA = '(?:^|/)node_modules/(?:@prisma/[^/]+|prisma)/|^server/src/generated/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Import cycles make load order matter (a module can see another half-initialised) and hide which layer ' +
        'depends on which. Type-only imports count too: a cycle of types is still a cycle in the design.',
      from: { path: APP },
      to: { circular: true },
    },

    // ---- SDK ------------------------------------------------------------------------------------------
    {
      name: 'sdk-model-is-self-contained',
      severity: 'error',
      comment:
        'sdk/src/model is the shared model (types, limits, parsers) used by the engine, the schemas, the client ' +
        'and the server: it imports nothing but itself, so it runs anywhere (browser included) with no packages.',
      from: { path: '^sdk/src/model/' },
      to: { pathNot: '^sdk/src/model/', couldNotResolve: false },
    },
    {
      name: 'sdk-engine-imports-only-engine-and-model',
      severity: 'error',
      comment:
        'The evaluation engine is one pure, synchronous piece used by the SDK and the server alike: no node:, no ' +
        'npm packages, nothing of the client, schema or server. Only sdk/src/engine and sdk/src/model.',
      from: { path: '^sdk/src/engine/' },
      to: { pathNot: '^sdk/src/(?:engine|model)/', couldNotResolve: false },
    },
    {
      name: 'sdk-schema-imports-only-model-and-zod',
      severity: 'error',
      comment:
        'The zod schemas shared with the admin API describe the model: they may use the model and zod, nothing ' +
        'else (zod is an optional peer of the SDK; only users of @switchyard/sdk/schema load it).',
      from: { path: '^sdk/src/schema/' },
      to: { pathNot: ['^sdk/src/(?:schema|model)/', '(?:^|/)node_modules/zod/'], couldNotResolve: false },
    },
    {
      name: 'sdk-metrics-below-the-client',
      severity: 'error',
      comment:
        'sdk/src/metrics counts and reports for the client (client -> metrics): it uses the engine, the model and ' +
        "Node's own modules, never the client, the OpenFeature provider, the schemas or an npm package.",
      from: { path: '^sdk/src/metrics/' },
      to: { path: ['^sdk/src/(?:client|openfeature|schema)/', '(?:^|/)node_modules/'] },
    },
    {
      name: 'sdk-never-imports-server',
      severity: 'error',
      comment: "The SDK is published on its own and runs in users' processes: server code must never reach it.",
      from: { path: '^sdk/src/' },
      to: { path: '^server/' },
    },

    // ---- Web SDK ---------------------------------------------------------------------------------------
    {
      name: 'web-is-browser-only',
      severity: 'error',
      comment:
        '@switchyard/web runs in browsers and must stay tiny: it imports its own files and React (an optional peer), ' +
        'nothing else: no node: module, no other package, nothing of the SDK or the server.',
      from: { path: '^web/src/' },
      to: { pathNot: ['^web/src/', '(?:^|/)node_modules/react/'] },
    },
    {
      name: 'web-react-only-in-its-entry',
      severity: 'error',
      comment: 'React is an optional peer: only the `@switchyard/web/react` entry (web/src/react/) may import it.',
      from: { path: '^web/src/', pathNot: '^web/src/react/' },
      to: { path: '(?:^|/)node_modules/react/' },
    },
    {
      name: 'web-no-circular',
      severity: 'error',
      comment: 'No import cycles in the web SDK either (see no-circular).',
      from: { path: '^web/src/' },
      to: { circular: true },
    },

    // ---- Server: kinds of files in a domain -------------------------------------------------------------
    {
      name: 'repository-not-to-routes-services-or-http',
      severity: 'error',
      comment:
        'Repositories are data access only: they are used by services (and the read model) and never know about ' +
        'the HTTP layer or the domain rules above them.',
      from: { path: REPOSITORY },
      to: { path: [ROUTES, SERVICE, '^server/src/http/'] },
    },
    {
      name: 'service-not-to-routes-or-http',
      severity: 'error',
      comment:
        'Services hold the domain rules and must work without HTTP (tests, scripts, other transports): no routes, ' +
        'no server/src/http, no fastify. They raise domain errors (server/src/errors); http maps them to answers.',
      from: { path: SERVICE },
      to: { path: [ROUTES, '^server/src/http/', FASTIFY] },
    },
    {
      name: 'routes do not touch the database',
      severity: 'error',
      comment:
        "Routes parse the request, call their domain's service and shape the answer. Data access goes through " +
        'the service: no server/src/db, no repository, no Prisma client.',
      from: { path: ROUTES },
      to: { path: ['^server/src/db/', REPOSITORY, PRISMA] },
    },
    {
      name: 'routes-only-own-domain',
      severity: 'error',
      comment:
        "A domain's routes may use their own service and schemas (plus server/src/http and server/src/auth); " +
        "another domain is reached through this domain's service, so each domain's HTTP surface stays its own.",
      from: { path: `^server/src/(${DOMAINS})/(?:routes[.]ts$|[^/]+-routes[.]ts$|routes/)` },
      to: {
        path: `^server/src/${DOMAINS}/`,
        pathNot: '^server/src/$1/',
      },
    },

    {
      name: 'insights-never-imports-flags',
      severity: 'error',
      comment:
        'The flags list asks the insights service for each flag’s status (flags -> insights), so insights may not use the ' +
        'flags domain in return: that would be a cycle. It reads the Flag table through its own repository instead.',
      from: { path: '^server/src/insights/' },
      to: { path: '^server/src/flags/' },
    },

    {
      name: 'only-app-wires-metrics',
      severity: 'error',
      comment:
        'Counts enter the rollups only through the inbox and the folding (exactly once, one replica at a time), so no other ' +
        'domain imports server/src/metrics: sdk-api hands its remote-evaluation counts to a callback that app.ts wires to ' +
        'the ingest service, and insights reads the rollup tables through its own repository.',
      from: { path: APP, pathNot: ['^server/src/metrics/', '^server/src/app[.]ts$'] },
      to: { path: '^server/src/metrics/' },
    },

    {
      name: 'flags-never-import-what-writes-through-them',
      severity: 'error',
      comment:
        'Release plans, scheduled changes and triggers write configurations through the flags domain, and release plans ' +
        'refuse hand edits through a write guard that flags knows only as a function type: flags importing them would be a cycle.',
      from: { path: '^server/src/flags/' },
      to: { path: '^server/src/(?:releases|schedules|triggers|webhooks)/' },
    },

    // ---- Server: cross-cutting folders -----------------------------------------------------------------
    {
      name: 'jobs-import-nothing-of-the-app',
      severity: 'error',
      comment:
        'server/src/jobs (the loop that does due work) is driven by the domains that own the work (release plans, ' +
        'scheduled changes, webhook deliveries) and knows none of them.',
      from: { path: '^server/src/jobs/' },
      to: { path: APP, pathNot: '^server/src/jobs/' },
    },
    {
      name: 'db-imports-only-config-and-generated',
      severity: 'error',
      comment:
        'server/src/db (Prisma client, migrations, embedded PostgreSQL, locks) is the bottom layer: of the app it ' +
        'may use only server/src/config and the generated Prisma client.',
      from: { path: '^server/src/db/' },
      to: { path: APP, pathNot: '^server/src/(?:db|config|generated)/' },
    },
    {
      name: 'errors-import-nothing-of-the-app',
      severity: 'error',
      comment:
        'Domain error classes are thrown by every layer and mapped to HTTP answers by server/src/http: they depend ' +
        'on nothing of the app, so anything can import them without a cycle.',
      from: { path: '^server/src/errors/' },
      to: { path: APP, pathNot: '^server/src/errors/' },
    },
    {
      name: 'changes-import-only-db-errors-and-sdk-model',
      severity: 'error',
      comment:
        'server/src/changes (the write unit, change notices, change buses) sits just above the database: every ' +
        "domain writes through it, so it may use only db, errors, redis helpers and the SDK's model and schemas.",
      from: { path: '^server/src/changes/' },
      to: { path: APP, pathNot: ['^server/src/(?:changes|db|errors|redis)/', '^sdk/src/(?:model|schema)/'] },
    },
    {
      name: 'snapshots-import-only-db-changes-errors-and-repositories',
      severity: 'error',
      comment:
        'server/src/snapshots (the read model and its caches) is built from the repositories and kept fresh by ' +
        'change notices; it serves routes, never the reverse: no routes, services, streaming or http.',
      from: { path: '^server/src/snapshots/' },
      to: {
        path: '^server/src/',
        pathNot: ['^server/src/(?:snapshots|db|changes|errors|redis)/', DOMAIN_REPOSITORY],
      },
    },
    {
      name: 'only-app-imports-streaming',
      severity: 'error',
      comment:
        'The websocket hub is wired in once, by app.ts; everything else talks to it through change notices ' +
        '(server/src/changes), so streaming can change without touching the domains.',
      from: { path: APP, pathNot: ['^server/src/streaming/', '^server/src/app[.]ts$'] },
      to: { path: '^server/src/streaming/' },
    },
    {
      name: 'http-never-imports-a-domain',
      severity: 'error',
      comment:
        'server/src/http (error answers, etags, OpenAPI, body parsing, security headers) serves every domain; ' +
        'importing one would tie the shared HTTP layer to it and invite cycles.',
      from: { path: '^server/src/http/' },
      to: { path: `^server/src/${DOMAINS}/` },
    },

    // ---- Packages -------------------------------------------------------------------------------------
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment:
        'server/src and sdk/src ship to production, where devDependencies are not installed. Declare what they ' +
        "import in that workspace's dependencies (or peerDependencies). Type-only imports are erased and fine.",
      from: { path: APP, pathNot: '^server/src/generated/' },
      to: {
        dependencyTypes: ['npm-dev'],
        dependencyTypesNot: ['type-only', 'npm', 'npm-peer', 'npm-optional'],
        pathNot: ['(?:^|/)node_modules/@types/'],
      },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment:
        'An npm package imported but not declared in the nearest package.json works only by hoisting luck; ' +
        "declare it in that workspace's package.json.",
      from: { path: APP },
      // dependencyTypesNot: declared anywhere in that package.json is declared (dependency-cruiser also reads
      // peerDependenciesMeta as a dependency list and tags optional peers npm-no-pkg as well).
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'], dependencyTypesNot: ['npm', 'npm-dev', 'npm-peer', 'npm-optional'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'An import that does not resolve to a file is a broken import, and the rules above cannot see where it ' +
        'goes (they skip it and leave it to this rule).',
      from: { path: APP },
      to: { couldNotResolve: true },
    },
  ],

  options: {
    // Follow imports inside the repository, not into packages; do not scan the generated Prisma client.
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['^server/src/generated/', '(?:^|/)dist/'] },
    // Count type-only imports (`import type`), which TypeScript erases: layering is about the design.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    detectProcessBuiltinModuleCalls: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      // `switchyard-source` first: `@switchyard/sdk/...` resolves to sdk/src/*.ts, as under tsconfig's
      // customConditions, so server -> sdk imports are seen by the rules above.
      conditionNames: ['switchyard-source', 'import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.d.ts'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      dot: { collapsePattern: 'node_modules/(?:@[^/]+/[^/]+|[^/]+)' },
      archi: { collapsePattern: '^(?:server|sdk)/src/[^/]+|node_modules/(?:@[^/]+/[^/]+|[^/]+)' },
    },
  },
};

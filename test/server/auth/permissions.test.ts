/** The authorization rules as a table: (method, route, params/query, roles) -> allowed, or the reason why not. */
import { describe, expect, it } from 'vitest';
import {
  authorize,
  isFullAdmin,
  type Person,
  parseEnvironmentRoles,
  requirementFor,
  roleIn,
  withinRights,
} from '../../../server/src/auth/permissions.ts';

const admin: Person = { role: 'admin', environmentRoles: {} };
const editor: Person = { role: 'editor', environmentRoles: {} };
const viewer: Person = { role: 'viewer', environmentRoles: {} };
/** An editor of staging, a viewer of production (and of every other environment). */
const stagingEditor: Person = { role: 'viewer', environmentRoles: { staging: 'editor' } };
/** An admin everywhere but production, where it only reads. */
const adminButProduction: Person = { role: 'admin', environmentRoles: { production: 'viewer' } };
/** An editor with the admin role in staging. */
const stagingAdmin: Person = { role: 'editor', environmentRoles: { staging: 'admin' } };

const people = { admin, editor, viewer, stagingEditor, adminButProduction, stagingAdmin };
type Who = keyof typeof people;

type Row = [method: string, route: string, params: Record<string, string>, query: Record<string, string>, allowed: Who[]];
const everyone: Who[] = ['admin', 'editor', 'viewer', 'stagingEditor', 'adminButProduction', 'stagingAdmin'];

const TABLE: Row[] = [
  // Reads: every person, wherever (everyone is at least a viewer everywhere).
  ['GET', '/api/flags', {}, {}, everyone],
  ['GET', '/api/flags/:key/environments/:env', { key: 'f', env: 'production' }, {}, everyone],
  ['HEAD', '/api/tokens', {}, {}, everyone],
  ['GET', '/api/release-plans', {}, { env: 'production' }, everyone],
  // A flag's configuration in an environment: editor there.
  ['PUT', '/api/flags/:key/environments/:env', { key: 'f', env: 'production' }, {}, ['admin', 'editor', 'stagingAdmin']],
  [
    'PATCH',
    '/api/flags/:key/environments/:env',
    { key: 'f', env: 'staging' },
    {},
    ['admin', 'editor', 'stagingEditor', 'adminButProduction', 'stagingAdmin'],
  ],
  [
    'POST',
    '/api/flags/:key/environments/:env/toggle',
    { key: 'f', env: 'development' },
    {},
    ['admin', 'editor', 'adminButProduction', 'stagingAdmin'],
  ],
  ['POST', '/api/flags/:key/environments/:env/release-plans', { key: 'f', env: 'production' }, {}, ['admin', 'editor', 'stagingAdmin']],
  [
    'POST',
    '/api/flags/:key/environments/:env/triggers',
    { key: 'f', env: 'staging' },
    {},
    ['admin', 'editor', 'stagingEditor', 'adminButProduction', 'stagingAdmin'],
  ],
  [
    'DELETE',
    '/api/environments/:env/segments/:segmentKey',
    { env: 'production', segmentKey: 's' },
    {},
    ['admin', 'editor', 'stagingAdmin'],
  ],
  // A flag's definition is shared by every environment; a new flag is off everywhere.
  ['POST', '/api/flags', {}, {}, ['admin', 'editor', 'stagingEditor', 'adminButProduction', 'stagingAdmin']],
  ['PATCH', '/api/flags/:key', { key: 'f' }, {}, ['admin', 'editor', 'stagingAdmin']],
  ['POST', '/api/flags/:key/archive', { key: 'f' }, {}, ['admin', 'editor', 'stagingAdmin']],
  ['DELETE', '/api/flags/:key', { key: 'f' }, {}, ['admin', 'editor', 'stagingAdmin']],
  // Templates: an editor anywhere.
  ['POST', '/api/release-templates', {}, {}, ['admin', 'editor', 'stagingEditor', 'adminButProduction', 'stagingAdmin']],
  // Tokens, webhooks, new environments: admins of every environment only.
  ['POST', '/api/tokens', {}, {}, ['admin']],
  ['DELETE', '/api/tokens/:id', { id: 'x' }, {}, ['admin']],
  ['POST', '/api/webhooks/:id/deliveries/:deliveryId/redeliver', { id: 'x', deliveryId: 'y' }, {}, ['admin']],
  ['POST', '/api/environments', {}, {}, ['admin']],
  // Changing or deleting an environment: admin of it.
  ['PATCH', '/api/environments/:env', { env: 'staging' }, {}, ['admin', 'adminButProduction', 'stagingAdmin']],
  ['DELETE', '/api/environments/:env', { env: 'production' }, {}, ['admin']],
  // A write no rule decides: admins of every environment only.
  ['POST', '/api/some-new-route', {}, {}, ['admin']],
];

describe('who may do what', () => {
  it.each(TABLE)('%s %s %j %j', (method, route, params, query, allowed) => {
    const decisions = Object.fromEntries(
      Object.entries(people).map(([who, person]) => [who, authorize({ method, route, params, query, person }).allowed]),
    );
    expect(decisions).toEqual(Object.fromEntries(everyone.map((who) => [who, allowed.includes(who)])));
  });

  it('judges plan and scheduled-change operations in the environment of the row, else by the best role', () => {
    const pause = { method: 'POST', route: '/api/release-plans/:id/pause', params: { id: 'p' }, query: {} };
    expect(requirementFor(pause.method, pause.route)).toEqual({ role: 'editor', scope: { kind: 'resource', resource: 'releasePlan' } });
    expect(authorize({ ...pause, person: stagingEditor, resourceEnvironment: 'production' }).allowed).toBe(false);
    expect(authorize({ ...pause, person: stagingEditor, resourceEnvironment: 'staging' }).allowed).toBe(true);
    expect(authorize({ ...pause, person: stagingEditor, resourceEnvironment: null }).allowed).toBe(true); // then 404
    expect(authorize({ ...pause, person: viewer, resourceEnvironment: null }).allowed).toBe(false);
    const cancel = { method: 'DELETE', route: '/api/scheduled-changes/:id', params: { id: 'c' }, query: {} };
    expect(requirementFor(cancel.method, cancel.route).scope).toEqual({ kind: 'resource', resource: 'scheduledChange' });
    expect(authorize({ ...cancel, person: adminButProduction, resourceEnvironment: 'production' }).allowed).toBe(false);
  });

  it('takes the environment from `?env=` when the path names none', () => {
    const write = { method: 'POST', route: '/api/flags/:key/environments/:env/toggle', params: { key: 'f' } };
    expect(authorize({ ...write, query: { env: 'staging' }, person: stagingEditor }).allowed).toBe(true);
    expect(authorize({ ...write, query: { env: 'production' }, person: stagingEditor }).allowed).toBe(false);
    // The path wins over the query.
    expect(authorize({ ...write, params: { key: 'f', env: 'production' }, query: { env: 'staging' }, person: stagingEditor }).allowed).toBe(
      false,
    );
  });

  it('says why, in words', () => {
    const refuse = (method: string, route: string, params: Record<string, string>, person: Person) => {
      const decision = authorize({ method, route, params, query: {}, person });
      expect(decision.allowed).toBe(false);
      return decision.allowed ? '' : decision.message;
    };
    expect(refuse('PUT', '/api/flags/:key/environments/:env', { key: 'f', env: 'production' }, stagingEditor)).toBe(
      'PUT /api/flags/:key/environments/:env needs the editor role in environment production; your token is a viewer there',
    );
    expect(refuse('DELETE', '/api/flags/:key', { key: 'f' }, adminButProduction)).toBe(
      'DELETE /api/flags/:key needs the editor role in every environment; your token is a viewer in environment production',
    );
    expect(refuse('POST', '/api/tokens', {}, editor)).toBe(
      'POST /api/tokens needs the admin role in every environment; your token is an editor by default',
    );
    expect(refuse('POST', '/api/flags', {}, viewer)).toBe('POST /api/flags needs the editor role; your token is a viewer');
  });
});

describe('roles', () => {
  it('an environment entry overrides the default role there only', () => {
    expect(roleIn(stagingEditor, 'staging')).toBe('editor');
    expect(roleIn(stagingEditor, 'production')).toBe('viewer');
    expect(roleIn(stagingEditor, 'constructor')).toBe('viewer'); // no prototype keys
  });

  it('reads a stored role that is not one as viewer, never as more', () => {
    expect(parseEnvironmentRoles({ staging: 'editor', production: 'owner', dev: 7 })).toEqual({
      staging: 'editor',
      production: 'viewer',
      dev: 'viewer',
    });
    expect(parseEnvironmentRoles(null)).toEqual({});
    expect(parseEnvironmentRoles(['admin'])).toEqual({});
  });

  it('is a full admin only with the admin role in every environment', () => {
    expect(isFullAdmin(admin)).toBe(true);
    expect(isFullAdmin({ role: 'admin', environmentRoles: { staging: 'admin' } })).toBe(true);
    expect(isFullAdmin(adminButProduction)).toBe(false);
    expect(isFullAdmin(stagingAdmin)).toBe(false);
  });

  it('never lets a token be given more rights than its creator has, anywhere', () => {
    expect(withinRights(admin, adminButProduction)).toBe(true);
    expect(withinRights(admin, admin)).toBe(true);
    expect(withinRights(editor, stagingEditor)).toBe(true);
    expect(withinRights(editor, admin)).toBe(false);
    expect(withinRights(stagingEditor, { role: 'viewer', environmentRoles: { production: 'editor' } })).toBe(false);
    expect(withinRights(adminButProduction, admin)).toBe(false); // admin in production is more than a viewer there
    expect(withinRights(adminButProduction, { role: 'editor', environmentRoles: { production: 'viewer' } })).toBe(true);
    expect(withinRights(stagingAdmin, { role: 'editor', environmentRoles: { staging: 'admin' } })).toBe(true);
  });
});

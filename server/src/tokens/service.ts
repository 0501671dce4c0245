import { isFullAdmin, type Person, parseEnvironmentRoles, type Role } from '../auth/permissions.ts';
import { generateSecret, type TokenKind } from '../auth/secrets.ts';
import type { ChangeWriter, WriteContext } from '../changes/write-unit.ts';
import { lockForTransaction } from '../db/locks.ts';
import type { Db, PrismaClient, Transaction } from '../db/prisma.ts';
import { findEnvironment } from '../environments/repository.ts';
import { ConflictError, NotFoundError } from '../errors/index.ts';
import {
  findToken,
  findTokenBySecret,
  insertToken,
  listActiveAdminRoles,
  listActiveConfiguredTokens,
  listTokens,
  revokeToken,
  type TokenRow,
  updateTokenRoles,
} from './repository.ts';
import type { CreatedTokenView, TokenView } from './schemas.ts';

const toTokenView = (row: TokenRow): TokenView => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  environment: row.environment?.key ?? null,
  prefix: row.prefix,
  ...(row.kind === 'admin' ? { role: row.role, environmentRoles: parseEnvironmentRoles(row.environmentRoles) } : {}),
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

/** A just-created token as the audit log and the creation answer show it (the latter adds the secret). */
function toNewTokenView(row: TokenRow): Omit<TokenView, 'lastUsedAt' | 'revokedAt'> {
  const { lastUsedAt: _lastUsedAt, revokedAt: _revokedAt, ...view } = toTokenView(row);
  return view;
}

async function requireToken(db: Db, id: string): Promise<TokenRow> {
  const token = await findToken(db, id);
  if (!token) throw new NotFoundError(`Token "${id}"`);
  return token;
}

/** The id of the environment named by the request field at `path`; null when none is named. */
async function environmentIdFor(db: Db, key: string | undefined, path: string): Promise<string | null> {
  if (key === undefined) return null;
  const env = await findEnvironment(db, key);
  if (!env) throw new NotFoundError(`Environment "${key}"`, [{ path, message: 'no such environment' }]);
  return env.id;
}

/** How many active tokens are admins everywhere (the only ones that can manage tokens), leaving out `except`. */
async function countFullAdmins(db: Db, options: { except?: string } = {}): Promise<number> {
  const rows = await listActiveAdminRoles(db, options);
  return rows.filter((row) => isFullAdmin({ role: row.role, environmentRoles: parseEnvironmentRoles(row.environmentRoles) })).length;
}

/** Refuses roles for environments that do not exist (a misspelt key would leave the real one at the default role). */
async function requireEnvironments(db: Db, roles: Record<string, Role>): Promise<void> {
  for (const key of Object.keys(roles)) await environmentIdFor(db, key, `body.environmentRoles.${key}`);
}

/**
 * Refuses to leave the service without an active admin token (admin in every environment). The advisory lock serializes
 * concurrent revocations, so two admins revoking each other at once cannot both succeed.
 */
async function refuseRevokingLastAdmin(tx: Transaction, revokingId: string): Promise<void> {
  await lockForTransaction(tx, 'adminTokens');
  if ((await countFullAdmins(tx, { except: revokingId })) === 0) {
    throw new ConflictError('This is the last active admin token: create another admin token before revoking it', [
      { path: 'params.id', message: 'the last active admin token cannot be revoked' },
    ]);
  }
}

/**
 * Refuses to take the last active admin of every environment down to less (same lock as revocations:
 * two admins demoting each other at once cannot both succeed).
 */
async function refuseDemotingLastAdmin(tx: Transaction, token: TokenRow, after: Person): Promise<void> {
  if (isFullAdmin(after)) return;
  await lockForTransaction(tx, 'adminTokens');
  if (!isFullAdmin(personOf(token))) return;
  if ((await countFullAdmins(tx, { except: token.id })) === 0) {
    throw new ConflictError(
      'This is the last token that is an admin in every environment: give another token that role before changing this one, ' +
        'or nobody could manage tokens any more',
      [{ path: 'params.id', message: 'the last admin of every environment cannot lose that role' }],
    );
  }
}

const personOf = (token: TokenRow): Person => ({ role: token.role, environmentRoles: parseEnvironmentRoles(token.environmentRoles) });

export class TokenService {
  constructor(private readonly deps: { prisma: PrismaClient; changes: ChangeWriter }) {}

  /** Never secrets or their hashes. Revoked tokens only with `includeRevoked`. */
  async list(filter: { kind?: TokenKind | undefined; environment?: string | undefined; includeRevoked: boolean }): Promise<TokenView[]> {
    const environmentId = await environmentIdFor(this.deps.prisma, filter.environment, 'query.environment');
    const rows = await listTokens(this.deps.prisma, { kind: filter.kind, environmentId, includeRevoked: filter.includeRevoked });
    return rows.map(toTokenView);
  }

  /**
   * Server and client keys belong to one environment, admin tokens to none; admin tokens have a role
   * (default admin) and optional per-environment roles. The secret is in the answer only.
   */
  create(
    actor: string,
    input: {
      name: string;
      kind: TokenKind;
      environment?: string | undefined;
      role?: Role | undefined;
      environmentRoles?: Record<string, Role> | undefined;
    },
  ): Promise<CreatedTokenView> {
    return this.deps.changes.run(actor, async (w) => {
      const environmentId = await environmentIdFor(w.tx, input.environment, 'body.environment');
      const environmentRoles = input.environmentRoles ?? {};
      await requireEnvironments(w.tx, environmentRoles);
      const secret = generateSecret(input.kind);
      const roles = input.kind === 'admin' ? { role: input.role ?? 'admin', environmentRoles } : {};
      const row = await insertToken(w.tx, { name: input.name, kind: input.kind, environmentId, secret, ...roles });
      const view = toNewTokenView(row);
      await w.audit({ action: 'token.created', resourceType: 'token', resourceKey: row.id, environmentKey: view.environment, after: view });
      return { ...view, secret };
    });
  }

  /**
   * Changes a person's role and environment roles (`environmentRoles` replaces the map). Server and client
   * keys have no role (409), nor can a revoked token change (409), nor may the last admin of every
   * environment lose that role (409). Takes effect from the person's next request: no replica caches people.
   */
  updateRoles(actor: string, id: string, input: { role?: Role | undefined; environmentRoles?: Record<string, Role> | undefined }) {
    return this.deps.changes.run(actor, async (w) => {
      const token = await requireToken(w.tx, id);
      if (token.kind !== 'admin') {
        const field = input.role !== undefined ? 'body.role' : 'body.environmentRoles';
        throw new ConflictError(`Token "${token.id}" is a ${token.kind} key: only admin tokens (people) have roles`, [
          { path: field, message: `${token.kind} keys read their environment only and have no role` },
        ]);
      }
      if (token.revokedAt) {
        throw new ConflictError(`Token "${token.id}" is revoked: its roles cannot change`, [{ path: 'params.id', message: 'revoked' }]);
      }
      if (input.environmentRoles !== undefined) await requireEnvironments(w.tx, input.environmentRoles);
      const current = personOf(token);
      await refuseDemotingLastAdmin(w.tx, token, {
        role: input.role ?? current.role,
        environmentRoles: input.environmentRoles ?? current.environmentRoles,
      });
      const after = toTokenView(await updateTokenRoles(w.tx, token.id, input));
      await w.audit({ action: 'token.updated', resourceType: 'token', resourceKey: token.id, before: toTokenView(token), after });
      return after;
    });
  }

  /** Idempotent: a revoked token is returned unchanged and nothing is recorded. The last active admin token stays. */
  revoke(actor: string, id: string): Promise<TokenView> {
    return this.deps.changes.run(actor, async (w) => {
      const token = await requireToken(w.tx, id);
      if (token.revokedAt) return toTokenView(token);
      if (token.kind === 'admin') await refuseRevokingLastAdmin(w.tx, token.id);
      // Revoked meanwhile by a concurrent request: answered as a repeated revocation, recording nothing.
      if (!(await revokeToken(w.tx, token.id, new Date()))) return toTokenView(await requireToken(w.tx, token.id));
      const after = toTokenView(await requireToken(w.tx, token.id));
      await w.audit({
        action: 'token.revoked',
        resourceType: 'token',
        resourceKey: token.id,
        environmentKey: after.environment,
        before: toTokenView(token),
        after,
      });
      w.tokenRevoked(token.id); // closes its open streams on every replica
      return after;
    });
  }

  /** Revokes the token and creates its replacement (same name, kind and environment, a new secret) in one transaction. */
  rotate(actor: string, id: string): Promise<CreatedTokenView> {
    return this.deps.changes.run(actor, async (w) => {
      const old = await requireToken(w.tx, id);
      if (!(await revokeToken(w.tx, old.id, new Date()))) {
        throw new ConflictError(`Token "${old.id}" is revoked and cannot be rotated`, [{ path: 'params.id', message: 'already revoked' }]);
      }
      w.tokenRevoked(old.id); // the old key's open streams close on every replica
      const secret = generateSecret(old.kind);
      const view = toNewTokenView(
        await insertToken(w.tx, {
          name: old.name,
          kind: old.kind,
          environmentId: old.environmentId,
          secret,
          role: old.role,
          environmentRoles: parseEnvironmentRoles(old.environmentRoles),
        }),
      );
      await w.audit({
        action: 'token.rotated',
        resourceType: 'token',
        resourceKey: old.id,
        environmentKey: view.environment,
        before: toTokenView(old),
        after: { ...view, replaces: old.id },
      });
      return { ...view, secret };
    });
  }
}

/** The setting whose token `applyConfiguredAdminToken` manages, and the name that token is listed under. */
const ADMIN_TOKEN_SETTING = 'SWITCHYARD_ADMIN_TOKEN';
const CONFIGURED_ADMIN_TOKEN_NAME = `admin (${ADMIN_TOKEN_SETTING})`;

/**
 * What a start did with SWITCHYARD_ADMIN_TOKEN: `created` its token or found it `unchanged`, revoking
 * `revoked` tokens of earlier values either way; or found it `revoked` (through the API, or replaced by
 * a newer value on another replica) and changed nothing.
 */
export type ConfiguredAdminToken = { outcome: 'created' | 'unchanged'; revoked: number } | { outcome: 'revoked' };

/**
 * Makes `secret` (the value of SWITCHYARD_ADMIN_TOKEN) an admin token, and the only active one the
 * setting created: a new value creates its token and revokes those of earlier values, each audited.
 * A value that is a revoked token stays revoked, so that a start can never undo a revocation, and a
 * replica still starting with an old value during a rolling update does not revoke the new one. A
 * value that is a token made through the API stays that token; the setting manages only its own.
 *
 * Revoked admin tokens need no notice to other replicas: no replica caches an admin token
 * (auth/key-cache.ts) and none can hold a stream, so every replica refuses one from its next request.
 */
export async function applyConfiguredAdminToken(w: WriteContext, secret: string): Promise<ConfiguredAdminToken> {
  await lockForTransaction(w.tx, 'adminTokens');
  const existing = await findTokenBySecret(w.tx, secret);
  if (existing && existing.kind !== 'admin') {
    throw new ConflictError(`${ADMIN_TOKEN_SETTING} is the secret of a ${existing.kind} key: set it to a secret of its own`);
  }
  if (existing?.revokedAt) return { outcome: 'revoked' };

  const current =
    existing ??
    (await insertToken(w.tx, {
      name: CONFIGURED_ADMIN_TOKEN_NAME,
      kind: 'admin',
      environmentId: null,
      secret,
      configuredBy: ADMIN_TOKEN_SETTING,
    }));
  const earlier = (await listActiveConfiguredTokens(w.tx, ADMIN_TOKEN_SETTING)).filter((token) => token.id !== current.id);
  if (!existing) {
    const replaces = earlier.length > 0 ? { replaces: earlier.map((token) => token.id) } : {};
    await w.audit({
      action: 'token.created',
      resourceType: 'token',
      resourceKey: current.id,
      after: { ...toNewTokenView(current), ...replaces },
    });
  }
  const revokedAt = new Date();
  for (const token of earlier) {
    await revokeToken(w.tx, token.id, revokedAt); // cannot lose a race: revocations take the adminTokens lock
    const after = toTokenView(await requireToken(w.tx, token.id));
    await w.audit({ action: 'token.revoked', resourceType: 'token', resourceKey: token.id, before: toTokenView(token), after });
    w.tokenRevoked(token.id);
  }
  return { outcome: existing ? 'unchanged' : 'created', revoked: earlier.length };
}

/**
 * On a database with no active admin token (and no SWITCHYARD_ADMIN_TOKEN): creates one with a generated
 * secret, audited, and returns the secret, to be shown once. Null when an active admin token exists.
 */
export async function createFirstAdminToken(w: WriteContext): Promise<string | null> {
  await lockForTransaction(w.tx, 'adminTokens');
  if ((await countFullAdmins(w.tx)) > 0) return null;
  const secret = generateSecret('admin');
  const row = await insertToken(w.tx, { name: 'admin (generated at first start)', kind: 'admin', environmentId: null, secret });
  await w.audit({ action: 'token.created', resourceType: 'token', resourceKey: row.id, after: toNewTokenView(row) });
  return secret;
}

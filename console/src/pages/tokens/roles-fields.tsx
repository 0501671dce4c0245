import { useId } from 'react';
import type { Role } from '../../api/session.ts';
import type { Environment } from '../../api/types.ts';
import type { Roles } from './tokens-api.ts';

const ROLES: { value: Role; label: string }[] = [
  { value: 'admin', label: 'Admin: everything' },
  { value: 'editor', label: 'Editor: flags and segments' },
  { value: 'viewer', label: 'Viewer: reads only' },
];

/** A person's default role and, per environment, a role overriding it there. */
export function RolesFields({
  roles,
  environments,
  onChange,
}: {
  roles: Roles;
  environments: Environment[];
  onChange: (roles: Roles) => void;
}) {
  const id = useId();
  const setEnvironmentRole = (env: string, value: string) => {
    const environmentRoles = { ...roles.environmentRoles };
    if (value === '') delete environmentRoles[env];
    else environmentRoles[env] = value as Role;
    onChange({ ...roles, environmentRoles });
  };
  return (
    <>
      <label htmlFor={`${id}-role`}>Role</label>
      <select id={`${id}-role`} value={roles.role} onChange={(e) => onChange({ ...roles, role: e.target.value as Role })}>
        {ROLES.map((r) => (
          <option key={r.value} value={r.value}>
            {r.label}
          </option>
        ))}
      </select>
      {environments.length > 0 && (
        <fieldset className="config-group">
          <legend>Role per environment</legend>
          <p className="hint">Overrides the role in one environment, such as editor in staging and viewer in production.</p>
          {environments.map((env) => (
            <div className="field" key={env.key}>
              <label htmlFor={`${id}-env-${env.key}`}>{env.name}</label>
              <select
                id={`${id}-env-${env.key}`}
                value={roles.environmentRoles[env.key] ?? ''}
                onChange={(e) => setEnvironmentRole(env.key, e.target.value)}
              >
                <option value="">Same as the role ({roles.role})</option>
                {ROLES.map((r) => (
                  <option key={r.value} value={r.value}>
                    {r.value}
                  </option>
                ))}
              </select>
            </div>
          ))}
        </fieldset>
      )}
    </>
  );
}

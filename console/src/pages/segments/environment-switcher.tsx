import { Link } from '../../router/router.tsx';

/** Links to the same page in each environment; the current one is marked for screen readers too. */
export function EnvironmentSwitcher({
  environments,
  current,
  pathOf,
}: {
  environments: { key: string; name: string }[];
  current: string;
  pathOf: (env: string) => string;
}) {
  return (
    <nav className="env-switcher" aria-label="Environments">
      <ul>
        {environments.map((env) => (
          <li key={env.key}>
            <Link to={pathOf(env.key)} aria-current={env.key === current ? 'page' : undefined}>
              {env.name}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

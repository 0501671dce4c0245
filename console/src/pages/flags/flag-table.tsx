import { memo } from 'react';
import type { Environment, Flag, FlagStatus } from '../../api/types.ts';
import { Switch } from '../../components/switch.tsx';
import { Link } from '../../router/router.tsx';
import type { FlagRow } from './use-flag-list.ts';

const STATUS_HELP: Record<FlagStatus, string> = {
  new: 'Never evaluated here',
  active: 'Evaluated recently',
  launched: 'Serving one variation only, with no error, for some days: ready to remove',
  inactive: 'Not evaluated for some days',
  'archived-but-evaluated': 'Archived, yet still evaluated',
};

export type ToggleRequest = (flag: Flag, environment: Environment, on: boolean) => void;

export const FlagTable = memo(function FlagTable({
  environments,
  rows,
  pending,
  onToggle,
}: {
  environments: Environment[];
  rows: FlagRow[];
  pending: ReadonlySet<string>;
  onToggle: ToggleRequest;
}) {
  return (
    <table className="flag-table">
      <caption className="visually-hidden">Flags, with their state in each environment</caption>
      <thead>
        <tr>
          <th scope="col">Flag</th>
          {environments.map((env) => (
            <th scope="col" key={env.key}>
              {env.name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <FlagTableRow key={row.flag.key} row={row} environments={environments} pending={pending} onToggle={onToggle} />
        ))}
      </tbody>
    </table>
  );
});

export const pendingKey = (flagKey: string, environmentKey: string) => `${flagKey}\n${environmentKey}`;

const FlagTableRow = memo(function FlagTableRow({
  row,
  environments,
  pending,
  onToggle,
}: {
  row: FlagRow;
  environments: Environment[];
  pending: ReadonlySet<string>;
  onToggle: ToggleRequest;
}) {
  const { flag } = row;
  return (
    <tr>
      <th scope="row" className="flag-cell">
        <span className="flag-name">{flag.name}</span>
        {environments[0] ? (
          <Link className="flag-key" to={`/flags/${encodeURIComponent(flag.key)}/${encodeURIComponent(environments[0].key)}`}>
            <code>{flag.key}</code>
          </Link>
        ) : (
          <code className="flag-key">{flag.key}</code>
        )}
        <span className="flag-meta">
          <span className="kind">{flag.kind}</span>
          {flag.tags.map((tag) => (
            <span className="tag" key={tag}>
              {tag}
            </span>
          ))}
        </span>
      </th>
      {environments.map((env) => {
        const state = row.states[env.key];
        return (
          <td key={env.key} data-label={env.name} className="state-cell">
            {state ? (
              <>
                <Switch
                  on={state.on}
                  label={`${flag.key} in ${env.name}`}
                  busy={pending.has(pendingKey(flag.key, env.key))}
                  onChange={(on) => onToggle(flag, env, on)}
                />
                {state.status && (
                  <span className={`status status-${state.status}`} title={STATUS_HELP[state.status]}>
                    {state.status}
                  </span>
                )}
              </>
            ) : (
              <span className="muted">–</span>
            )}
          </td>
        );
      })}
    </tr>
  );
});
